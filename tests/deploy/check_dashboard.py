#!/usr/bin/python3
"""Offline checks of the Grafana dashboard (the live check is in the e2e test).

- valid JSON with a uid, a title and unique panel ids;
- variables datasource, server and job_name; every panel uses ${datasource};
- every per-job expression filters on server=~"$server" and job_name=~"$job_name",
  every per-server one on server=~"$server";
- every expression (variables substituted) is valid PromQL: they are written
  as recording rules to a temporary file and checked with `promtool check rules`.

Usage: check_dashboard.py DASHBOARD.json PROMTOOL
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_exprs  # noqa: E402

import yaml  # noqa: E402  (Debian python3-yaml)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    return 1


def main(path, promtool):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    errors = 0
    for key in ("uid", "title", "panels", "templating"):
        if not dash.get(key):
            errors += fail(f"missing {key}")
    names = [v.get("name") for v in dash["templating"]["list"]]
    for n in ("datasource", "server", "job_name"):
        if n not in names:
            errors += fail(f"template variable {n} missing (have {names})")
    for v in dash["templating"]["list"]:
        if v.get("type") == "query" and (not v.get("includeAll") or v.get("allValue") != ".*"):
            errors += fail(f"variable {v['name']}: must include All with allValue '.*'")

    ids = set()
    raw = []
    for p in dashboard_exprs._panels(dash["panels"]):
        if p.get("id") in ids:
            errors += fail(f"duplicate panel id {p.get('id')}")
        ids.add(p.get("id"))
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != "${datasource}":
            errors += fail(f"panel {p.get('title')!r}: datasource must be ${{datasource}}")
        if not p.get("targets"):
            errors += fail(f"panel {p.get('title')!r}: no targets")
        for t in p.get("targets") or []:
            raw.append((p["title"], t.get("refId"), t.get("expr", "")))

    for title, ref, expr in raw:
        if "vb365_job_" in expr and ('job_name=~"$job_name"' not in expr or 'server=~"$server"' not in expr):
            errors += fail(f"{title}/{ref}: per-job expression not filtered by $server and $job_name: {expr}")
        elif "vb365_" in expr and "vb365_exporter_build_info" not in expr and 'server=~"$server"' not in expr:
            errors += fail(f"{title}/{ref}: expression not filtered by $server: {expr}")

    subs = dashboard_exprs.substitutions()
    exprs = dashboard_exprs.extract(dash, subs)
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expr_{i}", "expr": e} for i, (_, _, e) in enumerate(exprs)]}]}
    dashboard_exprs.variable_queries(dash, subs)  # raises on an unsupported query
    with tempfile.TemporaryDirectory() as tmp:
        rf = os.path.join(tmp, "dashboard_rules.yml")
        with open(rf, "w", encoding="utf-8") as f:
            yaml.safe_dump(rules, f, allow_unicode=True)
        r = subprocess.run([promtool, "check", "rules", rf], capture_output=True, text=True)
        if r.returncode != 0:
            errors += fail("promtool rejects a dashboard expression:\n" + r.stdout + r.stderr)
    print(f"{len(exprs)} expressions, {len(ids)} panels checked")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
