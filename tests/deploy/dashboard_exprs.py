#!/usr/bin/python3
"""Extracts every PromQL expression of a Grafana dashboard, ready to run.

Used by check_dashboard.py (syntax, offline) and by the end-to-end test
(tests/e2e/prometheus_e2e.sh, against a real Prometheus). Template variables
are replaced so that the query selects everything: $server and $job_name by
".*" (the dashboard's allValue), $__rate_interval and friends by durations
given by the caller. An unknown variable is an error, so a new variable cannot
slip past the tests.

CLI: dashboard_exprs.py DASHBOARD.json [--rate-interval 30s]
prints a JSON list of {"panel", "ref", "expr"} and the variable queries
as {"panel": "variable NAME", "ref": "label_values", "match": SELECTOR, "label": L}.
"""
import argparse
import json
import re
import sys

VAR_RE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
LABEL_VALUES_RE = re.compile(r"^\s*label_values\((.*),\s*(\w+)\s*\)\s*$", re.S)


def substitutions(rate_interval="1m", interval="15s", range_="1h"):
    return {
        "server": ".*",
        "job_name": ".*",
        "datasource": "prometheus",
        "__rate_interval": rate_interval,
        "__interval": interval,
        "__range": range_,
        "__range_s": "3600",
        "__interval_ms": "15000",
    }


def substitute(text, subs):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in subs:
            raise KeyError(f"unknown template variable ${name} in: {text}")
        return subs[name]
    return VAR_RE.sub(repl, text)


def _panels(panels):
    for p in panels or []:
        yield p
        yield from _panels(p.get("panels"))


def extract(dashboard, subs):
    """Returns [(where, ref, expr)] for every panel target with an expression."""
    out = []
    for p in _panels(dashboard.get("panels")):
        for t in p.get("targets") or []:
            expr = t.get("expr")
            if expr is None:
                continue
            if not expr.strip():
                raise ValueError(f"panel {p.get('title')!r} target {t.get('refId')}: empty expr")
            out.append((p.get("title", "?"), t.get("refId", "?"), substitute(expr, subs)))
    return out


def variable_queries(dashboard, subs):
    """Returns [(name, selector, label)] for every label_values() variable."""
    out = []
    for v in (dashboard.get("templating") or {}).get("list") or []:
        if v.get("type") != "query":
            continue
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        m = LABEL_VALUES_RE.match(q or "")
        if not m:
            raise ValueError(f"variable {v.get('name')}: unsupported query {q!r}")
        out.append((v["name"], substitute(m.group(1), subs), m.group(2)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dashboard")
    ap.add_argument("--rate-interval", default="1m")
    ap.add_argument("--interval", default="15s")
    ap.add_argument("--range", default="1h")
    args = ap.parse_args()
    with open(args.dashboard, encoding="utf-8") as f:
        dash = json.load(f)
    subs = substitutions(args.rate_interval, args.interval, args.range)
    items = [{"panel": w, "ref": r, "expr": e} for w, r, e in extract(dash, subs)]
    items += [{"panel": f"variable {n}", "ref": "label_values", "match": s, "label": l}
              for n, s, l in variable_queries(dash, subs)]
    json.dump(items, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
