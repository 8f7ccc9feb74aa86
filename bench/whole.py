#!/usr/bin/env python3
"""A refresh with every collector beside a jobs-only one (issue 9).

Starts the simulator (HTTPS, throwaway CA, v8) with JOBS jobs of SESSIONS
sessions each, REPOSITORIES repositories, PROXIES proxies, ORGANIZATIONS
organizations and LICENSED_USERS licensed users (and its 3 default copy jobs
and 8 restore sessions), then runs the real vb365_exporter against it twice,
one process after the other:

  jobs-only       collectors: [jobs]
  all collectors  every collector (jobs, copy_jobs, license, repositories,
                  proxies, organizations, licensed_users, restore_sessions,
                  health), licensed_users_interval 1s so that every refresh
                  reads all LICENSED_USERS users (by default that read runs
                  once an hour)

For each: the first refresh (login, every job's history within
session_history, every resource): its vb365_refresh_duration_seconds, its
API response bytes and VmHWM after it; then it waits for the idle gap
after each of REFRESHES more refreshes (the simulator's request counters
still for 0.6 s; polled on the simulator), and reports the exporter's own
vb365_refresh_duration_seconds of those refreshes (median, max), the bytes
of API responses a refresh (vb365_api_response_bytes_total), CPU seconds a
refresh (utime+stime), VmRSS in the last idle gap and VmHWM (peak RSS of
the process, first refresh included).

usage: whole.py --build BUILD [--jobs 1000] [--sessions 10] [--repositories 50]
                [--proxies 20] [--organizations 200] [--licensed-users 100000]
                [--refreshes 3] [--interval 20s] [--json FILE]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Simulator, proc_figures, server_config, start_exporter,  # noqa: E402
                      status_kb, stop)
from receive import response_bytes, wait_idle_after  # noqa: E402

ALL = ["jobs", "copy_jobs", "license", "repositories", "proxies", "organizations",
       "licensed_users", "restore_sessions", "health"]


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        text = r.read().decode()
    m = re.search(rf"^{name}\{{[^}}]*\}} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def collectors_ok(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        text = r.read().decode()
    return {m.group(1): m.group(2) == "1" for m in re.finditer(
        r'^vb365_collector_success\{[^}]*collector="([^"]+)"[^}]*\} (\S+)$', text, re.M)}


def run_exporter(a, build, tmp, sim, collectors, label):
    extra = f"    collectors: [{', '.join(collectors)}]\n"
    if "licensed_users" in collectors:
        extra += "    licensed_users_interval: 1s\n"
    run_tmp = os.path.join(tmp, label)
    os.makedirs(run_tmp)
    log_path = os.path.join(run_tmp, "exporter.log")
    exporter, port = start_exporter(
        a.exporter or os.path.join(build, "exporter/app/vb365_exporter"), run_tmp,
        f"refresh_interval: {a.interval}\nservers:\n" +
        server_config("whole", sim, "v8", extra))
    try:
        first = wait_idle_after(sim, sim_jobs_requests(sim) + 1, timeout=600)
        wait_new_stamp(port, None, label)
        cpu0, _ = proc_figures(exporter.pid)
        bytes0 = response_bytes(port)
        first_seconds = metric(port, "vb365_refresh_duration_seconds")
        first_peak = status_kb(exporter.pid, "VmHWM")
        # /Jobs is paged on v8 (several requests a refresh): a refresh is
        # told by the exporter's last-success timestamp moving.
        durations = []
        last = first
        stamp = metric(port, "vb365_refresh_last_success_timestamp_seconds")
        for _ in range(a.refreshes):
            last = wait_idle_after(sim, last + 1, timeout=600)
            stamp = wait_new_stamp(port, stamp, label)
            durations.append(metric(port, "vb365_refresh_duration_seconds"))
        cpu1, rss = proc_figures(exporter.pid)
        peak = status_kb(exporter.pid, "VmHWM")
        bytes1 = response_bytes(port)
        ok = collectors_ok(port)
        if exporter.poll() is not None:
            raise RuntimeError("the exporter died; log:\n" + open(log_path).read()[-2000:])
        failed = [c for c, good in ok.items() if not good]
        if failed or set(ok) != set(collectors):
            raise RuntimeError(f"{label}: collectors {ok}, want every one of {collectors} "
                               "succeeding; log:\n" + open(log_path).read()[-2000:])
        refreshes = a.refreshes
        return {
            "collectors": collectors, "refreshes": refreshes,
            "first_refresh_seconds": round(first_seconds, 3),
            "first_refresh_bytes": int(bytes0), "peak_rss_kb_after_first": first_peak,
            "refresh_seconds_median": round(statistics.median(durations), 3),
            "refresh_seconds_max": round(max(durations), 3),
            "cpu_seconds_per_refresh": round((cpu1 - cpu0) / refreshes, 3),
            "bytes_per_refresh": int((bytes1 - bytes0) / refreshes),
            "idle_rss_kb": rss, "peak_rss_kb": peak,
        }
    finally:
        stop(exporter)


def wait_new_stamp(port, old, label, timeout=120):
    """The exporter's last-success timestamp once it differs from `old`: the
    refresh whose last request the idle gap followed has published (under
    load its render can outlast the 0.6 s gap)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        stamp = metric(port, "vb365_refresh_last_success_timestamp_seconds")
        if stamp is not None and stamp != old:
            return stamp
        time.sleep(0.2)
    raise RuntimeError(f"{label}: no new successful refresh after the idle gap")


def sim_jobs_requests(sim):
    return sim.stats()["requests"].get("jobs", 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--repositories", type=int, default=50)
    ap.add_argument("--proxies", type=int, default=20)
    ap.add_argument("--organizations", type=int, default=200)
    ap.add_argument("--licensed-users", type=int, default=100000)
    ap.add_argument("--refreshes", type=int, default=3)
    ap.add_argument("--interval", default="20s")
    ap.add_argument("--json")
    ap.add_argument("--exporter", help="default: BUILD/exporter/app/vb365_exporter")
    ap.add_argument("--simulator", help="default: BUILD/tests/simulator/vb365_simulator")
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="vb365_whole.")
    sim = None
    try:
        sim = Simulator(
            a.simulator or os.path.join(build, "tests/simulator/vb365_simulator"), tmp,
            ["--versions", "v8", "--jobs", str(a.jobs), "--sessions-per-job", str(a.sessions),
             "--repositories", str(a.repositories), "--proxies", str(a.proxies),
             "--organizations", str(a.organizations), "--licensed-users", str(a.licensed_users)],
            password="whole-password", exit_after=1800)
        figures = {"jobs": a.jobs, "sessions": a.sessions, "repositories": a.repositories,
                   "proxies": a.proxies, "organizations": a.organizations,
                   "licensed_users": a.licensed_users}
        for label, collectors in (("jobs_only", ["jobs"]), ("all", ALL)):
            r = run_exporter(a, build, tmp, sim, collectors, label)
            figures[label] = r
            print(f"whole {label}: {r['refreshes']} refreshes, refresh "
                  f"{r['refresh_seconds_median']:.2f} s (max {r['refresh_seconds_max']:.2f}), "
                  f"{r['cpu_seconds_per_refresh']:.3f} CPU-s, "
                  f"{r['bytes_per_refresh'] / 1e6:.1f} MB a refresh, idle RSS "
                  f"{r['idle_rss_kb']} kB, peak (VmHWM) {r['peak_rss_kb']} kB")
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f)
        return 0
    finally:
        if sim:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
