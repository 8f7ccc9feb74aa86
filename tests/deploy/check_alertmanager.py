#!/usr/bin/python3
"""Offline checks of deploy/alertmanager/alertmanager.yml against the shipped rules.

- `amtool check-config` accepts it;
- every alert of deploy/prometheus/vb365_rules.yml, with the labels it carries
  (its severity, and server=east unless it is an exporter-level alert), routes
  to exactly the receiver of its severity (`amtool config routes test
  --verify.receivers`): critical -> vb365-critical, warning -> vb365-warning;
  an alert of another exporter goes to the default receiver, not to vb365's;
- the route for vb365 groups by server and alertname;
- every inhibit rule's source and target matchers select at least one
  shipped alert (a renamed alert would silently disable an inhibition), and
  the labels in `equal` are ones the rules give those alerts.

Usage: check_alertmanager.py ALERTMANAGER_YML RULES_YML AMTOOL
"""
import re
import subprocess
import sys

import yaml  # Debian python3-yaml

# Alerts on the exporter's scrape target (labels instance, job; no server).
EXPORTER_LEVEL = re.compile(r"VB365Exporter(Down|TargetMissing)$")
RECEIVER_OF = {"critical": "vb365-critical", "warning": "vb365-warning"}


def amtool(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)


def matcher(text):
    """'name="v"' / 'name=~"re"' -> (name, op, value)."""
    m = re.fullmatch(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"(.*)"\s*', text)
    if not m:
        raise ValueError(f"matcher not understood: {text!r}")
    return m.group(1), m.group(2), m.group(3)


def matches(matchers, labels):
    for text in matchers:
        name, op, value = matcher(text)
        have = labels.get(name, "")
        full = re.fullmatch(value, have) is not None
        if (op == "=" and have != value) or (op == "!=" and have == value) or \
           (op == "=~" and not full) or (op == "!~" and full):
            return False
    return True


def main(config_path, rules_path, tool):
    fails = []
    res = amtool(tool, "check-config", config_path)
    print(res.stdout.strip())
    if res.returncode != 0 or "SUCCESS" not in res.stdout:
        fails.append(f"amtool check-config fails:\n{res.stdout}{res.stderr}")

    with open(rules_path, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    if len(alerts) < 10:
        fails.append(f"only {len(alerts)} alerts in {rules_path}")

    def labels_of(alert):
        labels = {"alertname": alert["alert"], **alert.get("labels", {})}
        if EXPORTER_LEVEL.match(alert["alert"]):
            labels.update(instance="exporter:9865", job="vb365")
        else:
            labels.update(server="east", instance="exporter:9865", job="vb365")
            if alert["alert"].startswith("VB365Job"):
                labels.update(job_id="00000000-0000-0000-0000-000000000001", job_name="Daily")
            if alert["alert"].startswith("VB365Repository"):
                labels.update(repository_id="00000000-0000-0000-0000-0000000000r1", repository_name="Repo")
        return labels

    for alert in alerts:
        labels = labels_of(alert)
        want = RECEIVER_OF.get(labels.get("severity"))
        if want is None:
            fails.append(f"{alert['alert']}: severity {labels.get('severity')!r} is not routed")
            continue
        args = [f"{k}={v}" for k, v in labels.items()]
        res = amtool(tool, "config", "routes", "test", f"--config.file={config_path}",
                     f"--verify.receivers={want}", *args)
        got = res.stdout.strip()
        if res.returncode != 0 or got != want:
            fails.append(f"{alert['alert']} ({labels['severity']}) routes to {got!r}, want {want!r}")
        else:
            print(f"route {alert['alert']:28} {labels['severity']:8} -> {got}")
    res = amtool(tool, "config", "routes", "test", f"--config.file={config_path}",
                 "--verify.receivers=default", "alertname=NodeDown", "severity=critical")
    if res.returncode != 0:
        fails.append(f"another exporter's critical alert routes to {res.stdout.strip()!r}, want 'default'")

    vb_routes = [r for r in config["route"].get("routes", [])
                 if matches(r.get("matchers", []), {"alertname": "VB365JobFailed"})]
    if not vb_routes:
        fails.append("no route matches alertname VB365JobFailed")
    elif set(vb_routes[0].get("group_by", [])) != {"server", "alertname"}:
        fails.append(f"vb365 route groups by {vb_routes[0].get('group_by')}, want server, alertname")

    for i, rule in enumerate(config.get("inhibit_rules", [])):
        sources = [a for a in alerts if matches(rule.get("source_matchers", []), labels_of(a))]
        targets = [a for a in alerts if matches(rule.get("target_matchers", []), labels_of(a))]
        if not sources or not targets:
            fails.append(f"inhibit rule {i}: selects {len(sources)} source and {len(targets)} "
                         f"target alerts of the shipped rules; a matcher names no shipped alert")
            continue
        for label in rule.get("equal", []):
            for a in sources + targets:
                if label not in labels_of(a):
                    fails.append(f"inhibit rule {i}: {a['alert']} has no label {label!r} (equal)")
        print(f"inhibit rule {i}: {[a['alert'] for a in sources]} inhibit "
              f"{len(targets)} alerts ({', '.join(a['alert'] for a in targets)}) with equal {rule.get('equal')}")

    if fails:
        for f in fails:
            print(f"FAIL: {f}", file=sys.stderr)
        return 1
    print(f"alertmanager config OK: {len(alerts)} alerts routed by severity")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
