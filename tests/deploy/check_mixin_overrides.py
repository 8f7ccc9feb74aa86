#!/usr/bin/python3
"""The mixin's _config is what a user overrides: prove that it reaches the output.

Evaluates deploy/mixin/mixin.libsonnet with jsonnet, once as shipped and once
with an override of every kind of setting (the exporter selector, a threshold,
a `for:`, a severity, the default backup age), and checks that each override
changes exactly what it should: the selector in every alert and dashboard
query that used it, the expression, the `for:` and the description that
names it, the label, the dashboard threshold. Also: the mixin exposes the
conventional fields (prometheusRules, prometheusAlerts, grafanaDashboards).

Usage: check_mixin_overrides.py MIXIN_DIR JSONNET
"""
import json
import subprocess
import sys

OVERRIDE = """
(import 'mixin.libsonnet') + {
  _config+:: {
    exporterSelector: 'job="my-vb365"',
    refreshStaleSeconds: 1800,
    defaultMaxBackupAgeHours: 50,
    alerts+: {
      VB365ExporterDown+: { 'for': '20m' },
      VB365JobWarning+: { severity: 'info' },
      VB365ApiParseErrors+: { 'for': '1h' },
    },
  },
}
"""

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def evaluate(jsonnet, mixin_dir, mixin_expr):
    # The mixin's fields are hidden (::), so they are not output; expose them.
    expr = ("local m = " + mixin_expr + ";\n"
            "{ rules: m.prometheusRules, alerts: m.prometheusAlerts, dashboards: m.grafanaDashboards }")
    r = subprocess.run([jsonnet, "-J", mixin_dir, "-e", expr], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"jsonnet failed:\n{r.stderr}")
    return json.loads(r.stdout)


def alerts(m):
    return {r["alert"]: r for g in m["alerts"]["groups"] for r in g["rules"]}


def dashboard_exprs(m):
    d = m["dashboards"]["vb365-overview.json"]
    return [t["expr"] for p in d["panels"] for t in p.get("targets", [])]


def main(mixin_dir, jsonnet):
    base = evaluate(jsonnet, mixin_dir, "(import 'mixin.libsonnet')")
    new = evaluate(jsonnet, mixin_dir, OVERRIDE)
    check(base["rules"]["groups"] and base["alerts"]["groups"] and base["dashboards"],
          "mixin lacks prometheusRules, prometheusAlerts or grafanaDashboards")
    a0, a1 = alerts(base), alerts(new)
    check(set(a0) == set(a1) and len(a0) == 28, f"alerts: {sorted(a0)}")

    # Selector: every alert and query that selected the scrape job follows it.
    for name in ("VB365ExporterDown", "VB365ExporterTargetMissing"):
        check('job=~"vb365.*"' in a0[name]["expr"], f"{name}: shipped selector missing")
        check('job="my-vb365"' in a1[name]["expr"] and "vb365.*" not in a1[name]["expr"],
              f"{name}: selector override not applied: {a1[name]['expr']}")
    check('up{job="my-vb365"}' in a1["VB365ExporterTargetMissing"]["annotations"]["description"],
          "TargetMissing description does not name the overridden selector")
    q0, q1 = dashboard_exprs(base), dashboard_exprs(new)
    check(sum('job=~"vb365.*"' in q for q in q0) == 2, "dashboard: expected 2 scrape-job queries")
    check(not any("vb365.*" in q and "alertname" not in q for q in q1)
          and sum('job="my-vb365"' in q for q in q1) == 2,
          "dashboard: selector override not applied to the Scrape panel")

    # Thresholds reach the expressions.
    check("> 1800)" in a1["VB365ExporterRefreshStale"]["expr"], "refreshStaleSeconds not applied")
    max_age = {r["record"]: r for g in new["rules"]["groups"] for r in g["rules"]
               if "record" in r}["vb365:job_max_backup_age_seconds"]
    check("+ 50 * 3600)" in max_age["expr"], "defaultMaxBackupAgeHours not in the recording rule")
    check("(50 h by default" in a1["VB365JobNoRecentSuccess"]["annotations"]["description"],
          "defaultMaxBackupAgeHours not in the description")
    steps = [p for p in new["dashboards"]["vb365-overview.json"]["panels"] if p["title"] == "Jobs"][0]
    steps = [o for o in steps["fieldConfig"]["overrides"] if o["matcher"]["options"] == "Last success"]
    red = [pr["value"]["steps"][-1]["value"] for pr in steps[0]["properties"] if pr["id"] == "thresholds"]
    check(red == [50 * 3600], f"dashboard 'Last success' red threshold {red}")

    # for: and the text that names it; a `for:` where there was none.
    check(a0["VB365ExporterDown"]["for"] == "5m" and a1["VB365ExporterDown"]["for"] == "20m",
          "VB365ExporterDown for: override not applied")
    d0 = a0["VB365ExporterDown"]["annotations"]["description"]
    d1 = a1["VB365ExporterDown"]["annotations"]["description"]
    check("for 5 minutes" in d0 and "for 20 minutes" in d1 and "5 minutes" not in d1,
          f"VB365ExporterDown description does not follow for: {d1}")
    check("for" not in a0["VB365ApiParseErrors"] and a1["VB365ApiParseErrors"].get("for") == "1h",
          "VB365ApiParseErrors for: null/override")

    # Severity.
    check(a0["VB365JobWarning"]["labels"]["severity"] == "warning"
          and a1["VB365JobWarning"]["labels"]["severity"] == "info", "severity override not applied")

    # Nothing else changed.
    untouched = set(a0) - {"VB365ExporterDown", "VB365ExporterTargetMissing", "VB365ExporterRefreshStale",
                           "VB365JobNoRecentSuccess", "VB365JobWarning", "VB365ApiParseErrors"}
    for name in sorted(untouched):
        check(a0[name] == a1[name], f"{name} changed although no override concerns it")

    for f in failures:
        print("FAIL", f, file=sys.stderr)
    if not failures:
        print("mixin overrides reach the rules, alerts and dashboard")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
