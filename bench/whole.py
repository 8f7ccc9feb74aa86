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
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from soak import free_port, proc_figures  # noqa: E402
from receive import peak_rss_kb, response_bytes, wait_idle_after  # noqa: E402

ALL = ["jobs", "copy_jobs", "license", "repositories", "proxies", "organizations",
       "licensed_users", "restore_sessions", "health"]


def start_simulator(simulator, tmp, port, a):
    subprocess.run(["bash", os.path.join(ROOT, "tests/simulator/gen_certs.sh"), tmp],
                   check=True, capture_output=True)
    password_file = os.path.join(tmp, "password")
    with open(password_file, "w") as f:
        f.write("whole-password\n")
    ready = os.path.join(tmp, "sim.ready")
    log = open(os.path.join(tmp, "sim.log"), "w")
    proc = subprocess.Popen(
        [simulator,
         "--listen", f"127.0.0.1:{port}", "--ready-file", ready,
         "--tls-cert", os.path.join(tmp, "server.pem"),
         "--tls-key", os.path.join(tmp, "server.key"),
         "--versions", "v8", "--jobs", str(a.jobs), "--sessions-per-job", str(a.sessions),
         "--repositories", str(a.repositories), "--proxies", str(a.proxies),
         "--organizations", str(a.organizations), "--licensed-users", str(a.licensed_users),
         "--password-file", password_file, "--exit-after", "1800", "--quiet"],
        stdout=log, stderr=log)
    for _ in range(1200):
        if os.path.exists(ready) and open(ready).read().strip():
            return proc, password_file
        if proc.poll() is not None:
            raise RuntimeError("simulator exited at start")
        time.sleep(0.1)
    raise RuntimeError("simulator not ready in 120 s")


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


def run_exporter(a, build, tmp, sim_port, ctx, password_file, collectors, label):
    config = os.path.join(tmp, f"exporter_{label}.yml")
    extra = "    licensed_users_interval: 1s\n" if "licensed_users" in collectors else ""
    with open(config, "w") as f:
        f.write(f"refresh_interval: {a.interval}\nservers:\n  - name: whole\n"
                f"    url: https://127.0.0.1:{sim_port}\n    api_version: v8\n"
                f"    username: 'VB365\\monitor'\n    password_file: {password_file}\n"
                f"    tls:\n      ca_file: {tmp}/ca.pem\n"
                f"    collectors: [{', '.join(collectors)}]\n" + extra)
    port = free_port()
    log_path = os.path.join(tmp, f"exporter_{label}.log")
    exporter = subprocess.Popen(
        [a.exporter or os.path.join(build, "exporter/app/vb365_exporter"),
         f"--config.file={config}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    try:
        first = wait_idle_after(sim_port, ctx, sim_jobs_requests(sim_port, ctx) + 1, timeout=600)
        wait_new_stamp(port, None, label)
        cpu0, _ = proc_figures(exporter.pid)
        bytes0 = response_bytes(port)
        first_seconds = metric(port, "vb365_refresh_duration_seconds")
        first_peak = peak_rss_kb(exporter.pid)
        # /Jobs is paged on v8 (several requests a refresh): a refresh is
        # told by the exporter's last-success timestamp moving.
        durations = []
        last = first
        stamp = metric(port, "vb365_refresh_last_success_timestamp_seconds")
        for _ in range(a.refreshes):
            last = wait_idle_after(sim_port, ctx, last + 1, timeout=600)
            stamp = wait_new_stamp(port, stamp, label)
            durations.append(metric(port, "vb365_refresh_duration_seconds"))
        cpu1, rss = proc_figures(exporter.pid)
        peak = peak_rss_kb(exporter.pid)
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
        exporter.terminate()
        try:
            exporter.wait(10)
        except subprocess.TimeoutExpired:
            exporter.kill()


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


def sim_jobs_requests(port, ctx):
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/_sim/stats",
                                context=ctx, timeout=10) as r:
        return json.load(r)["requests"].get("jobs", 0)


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
        sim_port = free_port()
        sim, password_file = start_simulator(
            a.simulator or os.path.join(build, "tests/simulator/vb365_simulator"), tmp, sim_port, a)
        ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
        figures = {"jobs": a.jobs, "sessions": a.sessions, "repositories": a.repositories,
                   "proxies": a.proxies, "organizations": a.organizations,
                   "licensed_users": a.licensed_users}
        for label, collectors in (("jobs_only", ["jobs"]), ("all", ALL)):
            r = run_exporter(a, build, tmp, sim_port, ctx, password_file, collectors, label)
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
            sim.terminate()
            sim.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
