#!/usr/bin/python3
"""Assertions of the Prometheus end-to-end test, through Prometheus's HTTP API.

Run by prometheus_e2e.sh once simulator -> exporter -> Prometheus are up.
Retries every assertion until all pass or the deadline passes (the rules need
a few evaluations), then prints what still fails.

The simulator's special jobs (tests/simulator/datagen.h): index 0 last
finished Success, 1 Failed, 2 Warning, 3 running, 4 disabled. Their names are
the first of the simulator's name list; they are pinned here on purpose (a
renamed special job must be noticed), and the alert sets are also compared
with what the metrics say for every job.

Usage: prometheus_e2e_check.py PROMETHEUS_URL DASHBOARD_JSON SERVERS DEADLINE_SECONDS
  SERVERS: comma-separated `server` label values the exporter is configured with.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy"))
import dashboard_exprs  # noqa: E402

HEALTHY = "Exchange Online - Daily"          # job 0: last session Success
FAILED = 'SharePoint "Projects" Sites'       # job 1: last session Failed
WARNING = "OneDrive C:\\Users\\Backup"       # job 2: last session Warning
DISABLED = "Archive (disabled)"              # job 4: disabled


class Prom:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}{path}?{q}", timeout=10) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body}")
        return body["data"]

    def query(self, expr):
        data = self.get("/api/v1/query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        return data["result"]


def labels_of(result, *names):
    return {tuple(r["metric"].get(n, "") for n in names) for r in result}


def check_all(prom, dashboard, servers):
    """Returns a list of failures (empty: everything holds)."""
    fails = []

    def expect(cond, msg):
        if not cond:
            fails.append(msg)

    up = prom.query('up{job="vb365"}')
    expect(up and all(r["value"][1] == "1" for r in up), f"exporter target not up: {up}")
    vb_up = {r["metric"]["server"]: r["value"][1] for r in prom.query("vb365_up")}
    expect(vb_up == {s: "1" for s in servers}, f"vb365_up per server: {vb_up}, want 1 for {servers}")

    # Every rule of the shipped file is loaded and evaluates without error
    # (a many-to-many match or a bad label would show here, not in promtool).
    groups = prom.get("/api/v1/rules")["groups"]
    rules = [r for g in groups for r in g["rules"]]
    expect(len(rules) >= 19, f"only {len(rules)} rules loaded")
    for r in rules:
        expect(r.get("health") == "ok", f"rule {r.get('name')}: health {r.get('health')} {r.get('lastError', '')}")
    for g in groups:
        expect(g.get("lastEvaluation", "").startswith("20"), f"group {g['name']} never evaluated")

    def firing(alertname):
        return prom.query(f'ALERTS{{alertname="{alertname}", alertstate="firing"}}')

    key = ("server", "job_id", "job_name")
    failed_jobs = labels_of(prom.query('vb365_job_last_session_status{status="Failed"} == 1 '
                                       'unless on (server, job_id) vb365_job_info{job_type="Copy"}'), *key)
    # Copy jobs have their own alert (the simulator's copy job 0 failed).
    failed_copies = labels_of(prom.query('vb365_job_last_session_status{status="Failed"} == 1 '
                                         'and on (server, job_id) vb365_job_info{job_type="Copy"}'), *key)
    copy_alerts = labels_of(firing("VB365CopyJobFailed"), *key)
    expect(failed_copies, "no copy job has a last session Failed (the simulator's copy job 0 should)")
    expect(copy_alerts == failed_copies,
           f"VB365CopyJobFailed fires for {sorted(copy_alerts)}, the metrics say {sorted(failed_copies)}")
    expect(not (copy_alerts & labels_of(firing("VB365JobFailed"), *key)),
           "a copy job fires VB365JobFailed too")
    failed_alerts = labels_of(firing("VB365JobFailed"), *key)
    expect(failed_jobs, "no job has a last session Failed (the simulator's job 1 should)")
    expect(failed_alerts == failed_jobs,
           f"VB365JobFailed fires for {sorted(failed_alerts)}, the metrics say {sorted(failed_jobs)}")
    warning_alerts = labels_of(firing("VB365JobWarning"), *key)
    disabled_alerts = labels_of(firing("VB365JobDisabled"), *key)
    nosuccess_alerts = labels_of(firing("VB365JobNoRecentSuccess"), *key)
    for server in servers:
        expect((server, FAILED) in {(s, n) for s, _, n in failed_alerts},
               f"{server}: VB365JobFailed not firing for the failing job {FAILED!r}")
        expect((server, HEALTHY) not in {(s, n) for s, _, n in failed_alerts | warning_alerts},
               f"{server}: a status alert fires for the healthy job {HEALTHY!r}")
        expect((server, HEALTHY) not in {(s, n) for s, _, n in nosuccess_alerts},
               f"{server}: VB365JobNoRecentSuccess fires for the healthy job {HEALTHY!r}")
        expect((server, WARNING) in {(s, n) for s, _, n in warning_alerts},
               f"{server}: VB365JobWarning not firing for {WARNING!r}: {sorted(warning_alerts)}")
        expect((server, DISABLED) in {(s, n) for s, _, n in disabled_alerts},
               f"{server}: VB365JobDisabled not firing for {DISABLED!r}: {sorted(disabled_alerts)}")
        expect((server, DISABLED) not in {(s, n) for s, _, n in nosuccess_alerts},
               f"{server}: VB365JobNoRecentSuccess fires for the disabled job {DISABLED!r}")
    for name in ("VB365ExporterDown", "VB365ExporterTargetMissing", "VB365ServerDown",
                 "VB365AuthenticationFailing", "VB365ApiErrors", "VB365ApiParseErrors",
                 "VB365ExporterRefreshStale"):
        a = firing(name)
        expect(not a, f"{name} fires on a healthy setup: {[x['metric'] for x in a]}")
    # The simulator's resource states by default fire their alerts (issue 9):
    # a repository 96% full, an offline proxy (not in maintenance), a license
    # 20 days from its end and over capacity, an organization backed up three
    # days ago and one never, a failed sync, an unhealthy PostgreSQL.
    for name in ("VB365RepositoryCriticalSpace", "VB365RepositoryLowSpace", "VB365ProxyOffline",
                 "VB365LicenseExpiringSoon", "VB365LicenseNearCapacity",
                 "VB365OrganizationNoRecentBackup", "VB365OrganizationNeverBackedUp",
                 "VB365OrganizationSyncFailed", "VB365ServerUnhealthy"):
        expect(firing(name), f"{name} does not fire for the simulator's resource states")
    # The healthy job has no alert of any kind (status, age, schedule, duration).
    healthy_alerts = prom.query(f'ALERTS{{alertstate="firing", job_name="{HEALTHY}"}}')
    expect(not healthy_alerts, f"alerts fire for the healthy job: {[a['metric'] for a in healthy_alerts]}")
    # Annotations name the server and the job.
    alerts = prom.get("/api/v1/alerts")["alerts"]
    for a in alerts:
        if a["labels"].get("alertname") == "VB365JobFailed":
            expect(a["labels"].get("severity") == "critical", f"VB365JobFailed severity: {a['labels']}")
            s = a["annotations"].get("summary", "")
            expect(a["labels"]["job_name"] in s and a["labels"]["server"] in s,
                   f"summary does not name job and server: {s!r}")

    # Every dashboard expression returns data; every variable has values.
    subs = dashboard_exprs.substitutions(rate_interval="10s", interval="2s", range_="1m")
    exprs = dashboard_exprs.extract(dashboard, subs)
    variables = dashboard_exprs.variable_queries(dashboard, subs)
    for panel, ref, expr in exprs:
        try:
            res = prom.query(expr)
        except (urllib.error.HTTPError, RuntimeError) as e:
            fails.append(f"dashboard {panel!r} {ref}: error {e}: {expr}")
            continue
        expect(res, f"dashboard {panel!r} {ref}: no data: {expr}")
    for name, selector, label in variables:
        values = prom.get(f"/api/v1/label/{label}/values", **{"match[]": selector})
        expect(values, f"dashboard variable {name}: label_values({selector}, {label}) is empty")
        if name == "server":
            expect(set(values) == set(servers), f"variable server has {values}, want {servers}")
    if not fails:
        names = sorted({a["labels"]["alertname"] for a in alerts if a["state"] == "firing"})
        print(f"firing alert names: {names}")
        print(f"rules: {len(rules)} ok; firing: VB365JobFailed {len(failed_alerts)}, "
              f"VB365JobWarning {len(warning_alerts)}, VB365JobDisabled {len(disabled_alerts)}, "
              f"VB365JobNoRecentSuccess {len(nosuccess_alerts)}; dashboard: {len(exprs)} expressions "
              f"and {len(variables)} variables return data")
    return fails


def main(url, dashboard_path, servers, deadline_s):
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)
    prom = Prom(url)
    deadline = time.monotonic() + float(deadline_s)
    attempt = 0
    while True:
        attempt += 1
        try:
            fails = check_all(prom, dashboard, servers.split(","))
        except (urllib.error.URLError, RuntimeError, OSError, KeyError) as e:
            fails = [f"query failed: {e}"]
        if not fails:
            print(f"all end-to-end assertions hold (attempt {attempt})")
            return 0
        if time.monotonic() > deadline:
            print(f"FAILED after {attempt} attempts:", file=sys.stderr)
            for f in fails:
                print(f"  - {f}", file=sys.stderr)
            return 1
        time.sleep(2)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
