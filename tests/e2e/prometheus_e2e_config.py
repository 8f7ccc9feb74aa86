#!/usr/bin/python3
"""Derives a Prometheus set-up for a test or the demo from the shipped files.

Writes OUT_DIR/prometheus.yml: deploy/prometheus/prometheus.yml with the
exporter target replaced, the scrape and evaluation intervals shortened, and
rule_files pointing at OUT_DIR/vb365_rules.yml, a copy of the shipped rules
whose groups all evaluate at INTERVAL.
With --max-for, every alert's `for:` longer than that is cut to it: the
shipped windows (minutes to 12 hours) cannot elapse in a test that lasts
seconds, while their semantics are pinned by vb365_rules_test.yml (promtool).
The expressions, labels and annotations stay exactly as shipped.
With --alertmanager HOST:PORT, Prometheus sends its alerts there (the shipped
`alerting:` section with its target replaced); without it the section is
dropped, so a test never sends alerts to an Alertmanager it did not start.

Usage: prometheus_e2e_config.py SHIPPED_DIR OUT_DIR TARGET INTERVAL [--max-for 1s]
         [--alertmanager HOST:PORT]
"""
import argparse
import os
import re
import sys

import yaml  # Debian python3-yaml

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration):
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+)(ms|s|m|h|d|w|y)", duration):
        if m.start() != pos:
            break
        total += int(m.group(1)) * UNITS[m.group(2)]
        pos = m.end()
    if pos != len(duration) or not duration:
        raise ValueError(f"bad duration {duration!r}")
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shipped_dir")
    ap.add_argument("out_dir")
    ap.add_argument("target", help="host:port of the exporter")
    ap.add_argument("interval", help="scrape and evaluation interval, e.g. 1s")
    ap.add_argument("--max-for", help="cut every alert's for: to at most this")
    ap.add_argument("--alertmanager", help="host:port of an Alertmanager to send alerts to")
    args = ap.parse_args()

    with open(os.path.join(args.shipped_dir, "prometheus.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    with open(os.path.join(args.shipped_dir, "vb365_rules.yml"), encoding="utf-8") as f:
        rules = yaml.safe_load(f)

    config["global"].update(scrape_interval=args.interval, scrape_timeout=args.interval,
                            evaluation_interval=args.interval)
    config["rule_files"] = [os.path.join(os.path.abspath(args.out_dir), "vb365_rules.yml")]
    jobs = [j for j in config["scrape_configs"] if j["job_name"].startswith("vb365")]
    if len(jobs) != 1:
        raise SystemExit("expected one vb365 scrape job in the shipped prometheus.yml")
    job = jobs[0]
    job.update(scrape_interval=args.interval, scrape_timeout=args.interval)
    job["static_configs"] = [{"targets": [args.target]}]

    if "alerting" not in config:
        raise SystemExit("expected an alerting: section in the shipped prometheus.yml")
    if args.alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [args.alertmanager]}]}]}
    else:
        del config["alerting"]

    # Groups with their own (slower) interval follow the test's interval.
    for group in rules["groups"]:
        group.pop("interval", None)
    cut = 0
    if args.max_for:
        limit = seconds(args.max_for)
        for group in rules["groups"]:
            for rule in group["rules"]:
                if "alert" in rule and seconds(rule.get("for", "0s")) > limit:
                    rule["for"] = args.max_for
                    cut += 1

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "prometheus.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    with open(os.path.join(args.out_dir, "vb365_rules.yml"), "w", encoding="utf-8") as f:
        yaml.safe_dump(rules, f, sort_keys=False, allow_unicode=True)
    print(f"prometheus config in {args.out_dir} (target {args.target}, every {args.interval}"
          + (f", {cut} alert windows cut to {args.max_for}" if args.max_for else "")
          + (f", alerts to {args.alertmanager})" if args.alertmanager else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
