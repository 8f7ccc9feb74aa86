#!/usr/bin/env python3
"""Receive path of a full read (issue 11): the real exporter's CPU per byte.

Starts the simulator (HTTPS, throwaway CA) serving v3 with JOBS jobs of
SESSIONS sessions each (every v3 refresh reads every job's whole history)
and the vb365_exporter against it (refresh_interval INTERVAL, otherwise
defaults). After the first refresh (TLS handshakes, login) it waits for an
idle gap (the simulator's request counters still for 0.6 s; the bench polls
the simulator, never the exporter, so scrapes cost the exporter nothing),
reads the exporter's utime+stime from /proc/PID/stat and its
vb365_api_response_bytes_total (one scrape), lets REFRESHES more refreshes
run, and reads both again in the idle gap after the last one. The figures:
CPU seconds a refresh, bytes a refresh, MB (10^6 bytes) per CPU-second, and
the VmRSS in that last idle gap and VmHWM (peak) then.

usage: receive.py --build BUILD [--jobs 300] [--sessions 1000]
                  [--refreshes 5] [--interval 4s] [--json FILE]
                  [--exporter PATH] [--simulator PATH]
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Simulator, exporter_log_tail, proc_figures,  # noqa: E402
                      server_config, start_exporter, status_kb, stop)


def sim_requests(sim):
    req = sim.stats()["requests"]
    return req.get("jobs", 0), sum(v for v in req.values() if isinstance(v, int))


def wait_idle_after(sim, min_jobs_requests, timeout=300):
    """Until /Jobs was asked at least min_jobs_requests times and no request
    arrived for 0.6 s; returns the /Jobs count then."""
    deadline = time.time() + timeout
    last = None
    still_since = time.time()
    while time.time() < deadline:
        jobs, total = sim_requests(sim)
        now = time.time()
        if last != total:
            last, still_since = total, now
        elif jobs >= min_jobs_requests and now - still_since >= 0.6:
            return jobs
        time.sleep(0.1)
    raise RuntimeError("no idle gap after the refresh")


def response_bytes(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        text = r.read().decode()
    total = 0.0
    for m in re.finditer(r"^vb365_api_response_bytes_total\{[^}]*\} (\S+)$", text, re.M):
        total += float(m.group(1))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--jobs", type=int, default=300)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--refreshes", type=int, default=5)
    ap.add_argument("--interval", default="4s")
    ap.add_argument("--json")
    ap.add_argument("--exporter", help="default: BUILD/exporter/app/vb365_exporter")
    ap.add_argument("--simulator", help="default: BUILD/tests/simulator/vb365_simulator")
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="vb365_receive.")
    sim = exporter = None
    try:
        sim = Simulator(a.simulator or os.path.join(build, "tests/simulator/vb365_simulator"),
                        tmp, ["--versions", "v3", "--jobs", str(a.jobs),
                              "--sessions-per-job", str(a.sessions)])
        exporter, port = start_exporter(
            a.exporter or os.path.join(build, "exporter/app/vb365_exporter"), tmp,
            f"refresh_interval: {a.interval}\nservers:\n" + server_config("receive", sim, "v3"))
        first = wait_idle_after(sim, 1)
        cpu0, _ = proc_figures(exporter.pid)
        bytes0 = response_bytes(port)
        last = wait_idle_after(sim, first + a.refreshes)
        cpu1, rss = proc_figures(exporter.pid)
        peak = status_kb(exporter.pid, "VmHWM")
        bytes1 = response_bytes(port)
        if exporter.poll() is not None:
            raise RuntimeError("the exporter died; log:\n" + exporter_log_tail(tmp))
        refreshes = last - first
        cpu = (cpu1 - cpu0) / refreshes
        per_refresh = (bytes1 - bytes0) / refreshes
        figures = {
            "jobs": a.jobs, "sessions": a.sessions, "refreshes": refreshes,
            "cpu_seconds_per_refresh": round(cpu, 3),
            "bytes_per_refresh": int(per_refresh),
            "mb_per_cpu_second": round(per_refresh / 1e6 / cpu, 1) if cpu > 0 else 0,
            "idle_rss_kb": rss, "peak_rss_kb": peak,
        }
        print(f"receive: {refreshes} refreshes, {cpu:.3f} CPU-s a refresh, "
              f"{per_refresh / 1e6:.1f} MB a refresh, "
              f"{figures['mb_per_cpu_second']} MB per CPU-second, idle RSS {rss} kB, "
              f"peak (VmHWM) {peak} kB")
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f)
        return 0
    finally:
        stop(exporter)
        if sim:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
