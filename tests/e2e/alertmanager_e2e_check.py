#!/usr/bin/python3
"""Assertions of the end-to-end test on Alertmanager and the notifications it sent.

Run by prometheus_e2e.sh after prometheus_e2e_check.py, with a real
Alertmanager running the shipped routing (deploy/alertmanager/alertmanager.yml;
webhook URLs pointed at tests/lib/webhook_receiver.py, group_wait and
group_interval cut to seconds) and Prometheus sending its alerts to it.
Each step polls until it holds or the deadline passes:

1. firing: for every server, VB365JobFailed of the failing job reaches the
   receiver of its severity (vb365-critical) in a notification whose group is
   that server's (groupLabels server and alertname, the server in the
   groupKey, every alert of the notification on that server), with the labels
   server, job_id, job_name and the summary annotation Prometheus rendered;
   VB365JobWarning of the warning job reaches vb365-warning; the healthy job
   is in no notification;
2. resolved: the control endpoint adds a Success session to the failing job
   (POST /_sim/sessions/add); for every server a notification then reports
   that job's VB365JobFailed with status "resolved";
3. inhibition: the simulator's API goes down (fault `down`): VB365ServerDown
   reaches vb365-critical for every server, and Alertmanager suppresses that
   server's job alerts (inhibitedBy set), so no new job notification is sent.

Usage: alertmanager_e2e_check.py NOTIFICATIONS_JSONL ALERTMANAGER_URL SIM_URL CA_FILE
         SERVERS DEADLINE_SECONDS
"""
import json
import ssl
import sys
import time
import urllib.request

HEALTHY = "Exchange Online - Daily"          # simulator job 0
FAILED = 'SharePoint "Projects" Sites'       # job 1
WARNING = "OneDrive C:\\Users\\Backup"       # job 2
FAILED_INDEX = 1


def notifications(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def alerts_in(n, **labels):
    return [a for a in n["body"].get("alerts", [])
            if all(a["labels"].get(k) == v for k, v in labels.items())]


class Check:
    def __init__(self, jsonl, am_url, sim_url, ca_file, servers, deadline_s):
        self.jsonl, self.am_url, self.sim_url = jsonl, am_url.rstrip("/"), sim_url.rstrip("/")
        self.ssl = ssl.create_default_context(cafile=ca_file)
        self.servers = servers
        self.deadline_s = deadline_s

    def poll(self, what, step):
        """Calls step() (a list of failures) until it returns none or time runs out."""
        deadline = time.monotonic() + self.deadline_s
        start = time.monotonic()
        while True:
            try:
                fails = step()
            except (OSError, ValueError, KeyError) as e:
                fails = [f"{type(e).__name__}: {e}"]
            if not fails:
                print(f"{what}: OK after {time.monotonic() - start:.1f} s")
                return True
            if time.monotonic() > deadline:
                print(f"FAILED: {what} (after {self.deadline_s} s):", file=sys.stderr)
                for f in fails:
                    print(f"  - {f}", file=sys.stderr)
                return False
            time.sleep(1)

    def sim_post(self, path):
        req = urllib.request.Request(f"{self.sim_url}{path}", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=10, context=self.ssl) as r:
            return json.load(r)

    def am_alerts(self):
        with urllib.request.urlopen(f"{self.am_url}/api/v2/alerts", timeout=10) as r:
            return json.load(r)

    def firing(self):
        fails = []
        ns = notifications(self.jsonl)
        for server in self.servers:
            got = [n for n in ns if n["body"].get("status") == "firing"
                   and alerts_in(n, alertname="VB365JobFailed", server=server, job_name=FAILED)]
            if not got:
                fails.append(f"{server}: no firing notification of VB365JobFailed for {FAILED!r} "
                             f"({len(ns)} notifications so far)")
                continue
            n = got[0]
            body = n["body"]
            if n["path"] != "/vb365-critical" or body.get("receiver") != "vb365-critical":
                fails.append(f"{server}: VB365JobFailed went to {n['path']} / {body.get('receiver')}, "
                             "want the critical receiver")
            if body.get("groupLabels") != {"alertname": "VB365JobFailed", "server": server}:
                fails.append(f"{server}: groupLabels {body.get('groupLabels')}, want alertname and server")
            if f'server="{server}"' not in body.get("groupKey", ""):
                fails.append(f"{server}: groupKey {body.get('groupKey')!r} does not hold the server")
            others = {a["labels"].get("server") for a in body["alerts"]} - {server}
            if others:
                fails.append(f"{server}: its group also holds alerts of {others}")
            a = alerts_in(n, alertname="VB365JobFailed", server=server, job_name=FAILED)[0]
            if not a["labels"].get("job_id") or a["labels"].get("severity") != "critical":
                fails.append(f"{server}: alert labels {a['labels']}")
            want = f"VB365 job {FAILED} on {server} failed"
            if a["annotations"].get("summary") != want:
                fails.append(f"{server}: summary {a['annotations'].get('summary')!r}, want {want!r}")
            if a.get("status") != "firing":
                fails.append(f"{server}: alert status {a.get('status')}")
            warn = [n for n in ns if alerts_in(n, alertname="VB365JobWarning", server=server,
                                                job_name=WARNING)]
            if not warn:
                fails.append(f"{server}: no notification of VB365JobWarning for {WARNING!r}")
            elif any(w["path"] != "/vb365-warning" for w in warn):
                fails.append(f"{server}: VB365JobWarning went to {[w['path'] for w in warn]}")
        healthy = [n for n in ns if alerts_in(n, job_name=HEALTHY)]
        if healthy:
            fails.append(f"the healthy job {HEALTHY!r} was notified: {healthy[0]['body']['alerts']}")
        return fails

    def resolved(self):
        fails = []
        ns = notifications(self.jsonl)
        for server in self.servers:
            got = [a for n in ns for a in alerts_in(n, alertname="VB365JobFailed", server=server,
                                                    job_name=FAILED)
                   if a.get("status") == "resolved" and n["path"] == "/vb365-critical"]
            if not got:
                fails.append(f"{server}: no resolved notification of VB365JobFailed for {FAILED!r}")
            elif got[0]["endsAt"] < got[0]["startsAt"]:
                fails.append(f"{server}: resolved alert ends before it starts: {got[0]}")
        return fails

    def inhibited(self):
        fails = []
        ns = notifications(self.jsonl)
        alerts = self.am_alerts()
        for server in self.servers:
            down = [n for n in ns if n["path"] == "/vb365-critical"
                    and alerts_in(n, alertname="VB365ServerDown", server=server)]
            if not down:
                fails.append(f"{server}: no notification of VB365ServerDown")
            jobs = [a for a in alerts if a["labels"].get("server") == server
                    and a["labels"]["alertname"].startswith("VB365Job")]
            if not jobs:
                fails.append(f"{server}: Alertmanager holds no job alert (they should stay, inhibited)")
            for a in jobs:
                st = a["status"]
                if st.get("state") != "suppressed" or not st.get("inhibitedBy"):
                    fails.append(f"{server}: {a['labels']['alertname']} {a['labels'].get('job_name')!r} "
                                 f"is {st}, want suppressed by VB365ServerDown")
        return fails


def main(jsonl, am_url, sim_url, ca_file, servers, deadline_s):
    check = Check(jsonl, am_url, sim_url, ca_file, servers.split(","), float(deadline_s))
    if not check.poll("firing notifications reach the receivers, grouped per server", check.firing):
        return 1
    added = check.sim_post(f"/_sim/sessions/add?job_index={FAILED_INDEX}&status=Success")
    print(f"simulator: job {FAILED_INDEX} got a Success session ({added.get('status')})")
    if not check.poll("resolved notification of the failing job", check.resolved):
        return 1
    req = urllib.request.Request(f"{check.sim_url}/_sim/faults", data=b'{"kind":"down"}',
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10, context=check.ssl) as r:
        print(f"simulator: API down (fault {json.load(r)})")
    if not check.poll("VB365ServerDown notified, the server's job alerts inhibited", check.inhibited):
        return 1
    print(f"alertmanager: {len(notifications(jsonl))} notifications received by the webhook")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
