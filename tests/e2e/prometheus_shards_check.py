#!/usr/bin/python3
"""Assertions of e2e_prometheus_shards through Prometheus's HTTP API and the
simulator's control endpoint.

  prometheus_shards_check.py PROM_URL SIM_URL CA_FILE CONFIG SERVERS JOBS PHASE
    PHASE "all":  every server is a /probe target with up 1 and
                  instance = its name; each server's jobs appear exactly
                  once (one series per server and job_id); each of the
                  simulator's listening ports (one per server) saw exactly
                  one login: no server was logged in to by two replicas.
    PHASE "down=I/N": replica I of N is gone: up is 0 for exactly the
                  servers on shard I (FNV-1a 64 mod N, as the exporter) and
                  1 for every other.
Polls until the phase holds or 120 s pass.
"""
import json
import os
import ssl
import sys
import time
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "deploy", "prometheus"))
import vb365_probe_targets  # noqa: E402

import yaml  # noqa: E402  Debian python3-yaml


def query(prom, expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


def sim_stats(sim, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(sim + "/_sim/stats", timeout=10, context=ctx) as r:
        return json.load(r)


def check_all(prom, sim, ca, servers, jobs, ports):
    up = {r["metric"]["instance"]: r["value"][1] for r in query(prom, 'up{job="vb365"}')}
    if up != {s: "1" for s in servers}:
        return f"up by target: {up}"
    for r in query(prom, 'vb365_up{job="vb365"}'):
        if r["metric"].get("server") != r["metric"]["instance"]:
            return f"a probe answered for another server: {r['metric']}"
    per_job = query(prom, 'count by (server, job_id) (vb365_job_running{job="vb365"})')
    counts = {}
    for r in per_job:
        if r["value"][1] != "1":
            return f"job series seen {r['value'][1]} times: {r['metric']}"
        counts[r["metric"]["server"]] = counts.get(r["metric"]["server"], 0) + 1
    if counts != {s: jobs for s in servers}:
        return f"jobs per server: {counts}"
    # The per-server self series are dropped from the exporters' own job.
    if query(prom, 'vb365_api_requests_total{job="exporter_vb365_self"}'):
        return "per-server series also came through the exporters' /metrics job"
    if len(query(prom, 'vb365_exporter_build_info{job="exporter_vb365_self"}')) != 2:
        return "the two replicas' build info is not scraped"
    logins = sim_stats(sim, ca)["logins_by_port"]
    if logins != {str(p): 1 for p in ports}:
        return f"logins by port (one port per server): {logins}"
    return None


def check_down(prom, servers, index, count):
    up = {r["metric"]["instance"]: r["value"][1] for r in query(prom, 'up{job="vb365"}')}
    want = {s: "0" if vb365_probe_targets.shard_of(s, count) == index else "1" for s in servers}
    if up != want:
        return f"up by target {up}, want {want}"
    if not 0 < list(want.values()).count("0") < len(servers):
        return f"shard {index}/{count} holds none or all of the servers: {want}"
    return None


def main(prom, sim, ca, config_path, nservers, jobs, phase):
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    servers = [s["name"] for s in config["servers"]]
    ports = [int(s["url"].rsplit(":", 1)[1]) for s in config["servers"]]
    assert len(servers) == int(nservers) and len(set(ports)) == len(ports)
    deadline = time.monotonic() + 120
    while True:
        try:
            if phase == "all":
                problem = check_all(prom, sim, ca, servers, int(jobs), ports)
            else:
                index, count = (int(x) for x in phase.split("=", 1)[1].split("/"))
                problem = check_down(prom, servers, index, count)
        except (OSError, ValueError, KeyError, AssertionError) as e:
            problem = f"{type(e).__name__}: {e}"
        if problem is None:
            print(f"prometheus_shards_check {phase}: OK")
            return 0
        if time.monotonic() > deadline:
            print(f"prometheus_shards_check {phase}: FAIL: {problem}", file=sys.stderr)
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    if len(sys.argv) != 8:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
