#!/usr/bin/env python3
"""One exporter watching many servers (issue 11, "one process, many servers").

Starts one simulator process serving SERVERS servers (--extra-listeners: one
port each, JOBS jobs each, v8) and one vb365_exporter with SERVERS server
entries (refresh_interval INTERVAL, the default pool of 16 workers and the
default start-up stagger), then for SECONDS samples the exporter every 0.2 s
(threads from /proc/PID/task, open sockets from /proc/PID/fd, RSS) and
scrapes /metrics (gzip, as Prometheus does) every 10 s (every server's
vb365_refresh_last_success_timestamp_seconds). Reports: whether every server
was refreshed within each interval (the longest gap between two successive
successes of any server, after its first), threads, sockets, RSS, the
exporter's CPU seconds per refresh cycle (after the first cycle), and the
size and time of a scrape with and without gzip. With --json, writes the
figures for bench/summarize.py.

usage: many_servers.py --build BUILD [--servers 300] [--jobs 30]
                       [--interval 60] [--seconds 200] [--json FILE]
"""
import argparse
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Simulator, exporter_log_tail, proc_figures,  # noqa: E402
                      server_config, start_exporter, status_kb)
from benchlib import stop as stop_process  # noqa: E402

SUCCESS = re.compile(
    rb'^vb365_refresh_last_success_timestamp_seconds\{server="([^"]+)"\} (\S+)$', re.M)
UP = re.compile(rb'^vb365_up\{server="([^"]+)"\} 1$', re.M)


def sockets(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def scrape(port, gz):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                 headers={"Accept-Encoding": "gzip"} if gz else {})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return body, time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--servers", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=30)
    ap.add_argument("--interval", type=int, default=60, help="refresh_interval, s")
    ap.add_argument("--seconds", type=float, default=200)
    ap.add_argument("--per-server", type=int, default=4,
                    help="each server's max_concurrent_requests (and the simulator's "
                         "threads per listener)")
    ap.add_argument("--json")
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="vb365_many.")
    sim = exporter = None
    try:
        sim = Simulator(
            os.path.join(build, "tests/simulator/vb365_simulator"), tmp,
            ["--extra-listeners", str(a.servers - 1), "--threads", str(a.per_server),
             "--versions", "v8", "--jobs", str(a.jobs), "--sessions-per-job", "10",
             "--session-interval", "20"],
            password="many-servers", exit_after=1800, listeners=a.servers)
        started = time.time()
        exporter, port = start_exporter(
            os.path.join(build, "exporter/app/vb365_exporter"), tmp,
            f"refresh_interval: {a.interval}s\nservers:\n" + "".join(
                server_config(f"vbo-{i:03d}", sim, "v8",
                              f"    max_concurrent_requests: {a.per_server}\n", port=p)
                for i, p in enumerate(sim.ports)))
        peak = {"threads": 0, "sockets": 0}
        stop = threading.Event()

        def sampler():
            while not stop.wait(0.2):
                try:
                    peak["threads"] = max(peak["threads"],
                                          len(os.listdir(f"/proc/{exporter.pid}/task")))
                    peak["sockets"] = max(peak["sockets"], sockets(exporter.pid))
                except OSError:
                    return
        threading.Thread(target=sampler, daemon=True).start()

        successes = {}  # server -> sorted distinct last-success timestamps
        first_cycle_done = None
        cpu_at_cycle = None
        deadline = started + a.seconds
        while time.time() < deadline:
            time.sleep(10)
            try:
                packed, _ = scrape(port, True)
                body = gzip.decompress(packed)
            except OSError:
                continue
            for name, value in SUCCESS.findall(body):
                v = float(value)
                if v > 0 and v not in successes.setdefault(name, []):
                    successes[name].append(v)
            if first_cycle_done is None and len(UP.findall(body)) == a.servers:
                first_cycle_done = time.time()
                cpu_at_cycle, _ = proc_figures(exporter.pid)
        stop.set()
        if exporter.poll() is not None:
            print("many_servers.py: the exporter died:\n" + exporter_log_tail(tmp),
                  file=sys.stderr)
            return 1
        cpu_end, rss_kb = proc_figures(exporter.pid)
        hwm_kb = status_kb(exporter.pid, "VmHWM")
        end = time.time()
        packed, gzip_s = scrape(port, True)
        at = time.time()
        last = [float(v) for _, v in SUCCESS.findall(gzip.decompress(packed))]
        plain, plain_s = scrape(port, False)
        gaps = []
        for values in successes.values():
            values.sort()
            gaps += [b - a_ for a_, b in zip(values, values[1:])]
        cycles = (end - first_cycle_done) / a.interval if first_cycle_done else 0
        figures = {
            "servers": a.servers, "jobs": a.jobs, "interval_s": a.interval,
            "seconds": a.seconds,
            "first_cycle_s": round(first_cycle_done - started, 1) if first_cycle_done else None,
            "servers_refreshed": len(successes),
            # At the final scrape: the oldest last success of any server.
            "max_staleness_s": round(at - min(last), 1) if last else None,
            "max_gap_s": round(max(gaps), 1) if gaps else None,
            "gaps": len(gaps),
            "peak_threads": peak["threads"], "peak_sockets": peak["sockets"],
            "rss_kb": rss_kb, "peak_rss_kb": hwm_kb,
            "cpu_seconds_per_cycle": round((cpu_end - cpu_at_cycle) / cycles, 2)
            if cycles > 0 else None,
            "scrape_bytes": len(plain), "scrape_gzip_bytes": len(packed),
            "scrape_ms": round(plain_s * 1000, 1), "scrape_gzip_ms": round(gzip_s * 1000, 1),
        }
        print(json.dumps(figures, indent=1))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f)
        return 0
    finally:
        stop_process(exporter)
        if sim:
            sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
