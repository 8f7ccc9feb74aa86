#!/usr/bin/env python3
"""What one exporter costs at a given size: the figures README's "How it compares" cites.

For each JOBSxSESSIONS load: starts vb365_simulator (v8, HTTPS, time frozen, every session
inside session_history) and vb365_exporter on loopback, waits for the first refresh, then
measures scrapes (median and max of 20 GET /metrics, bytes of a scrape), the first refresh
(wall time, the exporter's CPU seconds), a later refresh (CPU seconds of one cycle) and the
exporter's RSS. Everything stops by itself.

Usage: compare_load.py SIMULATOR EXPORTER [LOAD ...]   (LOAD like 100x100)
"""
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Simulator, proc_figures, start_exporter, stop, wait_for  # noqa: E402

INTERVAL = 5  # refresh_interval, seconds


def cpu_seconds(pid):
    return proc_figures(pid)[0]


def rss_mb(pid):
    return proc_figures(pid)[1] / 1024


def scrape(port):
    start = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        body = r.read()
    return time.monotonic() - start, body


def metric(body, name):
    m = re.search(rb"^" + re.escape(name.encode()) + rb"(\{[^}]*\})? ([0-9.e+-]+)$", body, re.M)
    return float(m.group(2)) if m else None


def jobs_requests(body):
    """Sum of vb365_api_requests_total over the /Jobs endpoint: one per page read."""
    return sum(float(v) for v in re.findall(
        rb'^vb365_api_requests_total\{[^}]*endpoint="jobs"[^}]*\} ([0-9.e+-]+)$', body, re.M))


def measure(sim_path, exporter_path, jobs, sessions, tmp):
    sim = exp = None
    try:
        sim = Simulator(sim_path, tmp, ["--versions", "v8", "--jobs", str(jobs),
                                        "--sessions-per-job", str(sessions)],
                        password=secrets.token_hex(16))
        exp, port = start_exporter(exporter_path, tmp, f"""refresh_interval: {INTERVAL}s
servers:
  - name: sim
    url: {sim.url()}
    api_version: v8
    username: 'VB365\\monitor'
    password_file: {sim.password_file}
    session_history: 36500d
    tls:
      ca_file: {sim.ca_file}
""")
        started = time.monotonic()

        def first_refresh_done():
            try:
                _, body = scrape(port)
            except OSError:
                return None
            return body if metric(body, "vb365_refresh_last_success_timestamp_seconds") else None
        body = wait_for("the first refresh", 600, first_refresh_done, exp)
        first_wall = metric(body, "vb365_refresh_duration_seconds")
        first_cpu = cpu_seconds(exp.pid)
        rss_first = rss_mb(exp.pid)
        times, size = [], 0
        for _ in range(20):
            t, b = scrape(port)
            times.append(t)
            size = len(b)
        # Later refreshes: a window of about three refresh intervals without scrapes, its CPU
        # divided by the refreshes in it (counted by the /Jobs reads).
        jobs_reads = jobs_requests(scrape(port)[1])
        cpu_before = cpu_seconds(exp.pid)
        time.sleep(3 * INTERVAL + 1)
        cpu_after = cpu_seconds(exp.pid)
        refreshes = jobs_requests(scrape(port)[1]) - jobs_reads
        later_cpu = (cpu_after - cpu_before) / refreshes if refreshes else float("nan")
        return {
            "load": f"{jobs}x{sessions}",
            "first_refresh_s": first_wall,
            "first_refresh_cpu_s": first_cpu,
            "later_refresh_cpu_s": later_cpu,
            "scrape_median_ms": statistics.median(times) * 1000,
            "scrape_max_ms": max(times) * 1000,
            "scrape_kb": size / 1024,
            "rss_mb": max(rss_first, rss_mb(exp.pid)),
            "start_to_first_s": time.monotonic() - started,
        }
    finally:
        stop(exp)
        if sim:
            sim.stop()


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    sim, exporter = sys.argv[1:3]
    loads = sys.argv[3:] or ["100x100", "300x300", "1000x1000"]
    print("| load (jobs x sessions) | first refresh | its CPU | later refresh CPU | "
          "scrape median / max | scrape size | RSS |")
    print("|---|---|---|---|---|---|---|")
    for load in loads:
        jobs, sessions = (int(x) for x in load.split("x"))
        tmp = tempfile.mkdtemp(prefix="vb365_compare.")
        try:
            r = measure(sim, exporter, jobs, sessions, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"| {r['load']} | {r['first_refresh_s']:.2f} s | {r['first_refresh_cpu_s']:.2f} "
              f"CPU-s | {r['later_refresh_cpu_s']:.3f} CPU-s | {r['scrape_median_ms']:.1f} / "
              f"{r['scrape_max_ms']:.1f} ms | {r['scrape_kb']:.0f} kB | {r['rss_mb']:.1f} MB |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
