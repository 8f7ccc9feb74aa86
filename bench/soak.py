#!/usr/bin/env python3
"""HTTP load and soak of the real exporter (issue 10).

Starts the simulator (HTTPS, throwaway CA) with JOBS jobs and the
vb365_exporter against it (refresh_interval REFRESH), waits for the first
refresh, runs bench/http_load (SCRAPERS keep-alive scrapers, half of
them gzip, SLOW slow-header clients, a probe) for WARMUP seconds, samples,
then runs it again for SECONDS while, with
--faults, the simulator switches a fault on and off every few seconds
(POST /_sim/faults, /_sim/faults/clear; during the warm-up too). The
exporter's CPU time and RSS (/proc) are sampled after the warm-up and at the
end of the second run. Prints the figures and, with
--json, writes them for bench/summarize.py.

usage: soak.py --build BUILD [--jobs 1000] [--refresh 5s] [--seconds 60]
               [--scrapers 50] [--interval-ms 0] [--slow 0] [--warmup 15]
               [--faults] [--json FILE]
               [--exporter-arg=--web.max-connections=256 ...]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Simulator, exporter_log_tail, proc_figures,  # noqa: E402
                      server_config, start_exporter)
from benchlib import stop as stop_process  # noqa: E402

# Faults switched on and off in turn during the soak (the simulator's kinds).
FAULTS = [
    {"kind": "latency", "ms": 300},
    {"kind": "http_error", "endpoint": "job_sessions", "status": 500},
    {"kind": "malformed", "endpoint": "jobs"},
    {"kind": "reset", "endpoint": "job_sessions", "every": 3},
    {"kind": "down"},
]


def fault_switcher(sim, stop, period, log):
    i = 0
    while not stop.wait(period):
        try:
            if i % 2 == 0:
                fault = FAULTS[(i // 2) % len(FAULTS)]
                sim.control("/_sim/faults", fault)
                log.append(fault["kind"])
            else:
                sim.control("/_sim/faults/clear")
        except OSError as e:
            print(f"soak.py: fault switch failed: {e}", file=sys.stderr)
        i += 1


def wait_for_refresh(port, timeout):
    """Until /metrics shows vb365_up 1 (the first refresh published)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                if b'vb365_up{server="soak"} 1' in r.read():
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--refresh", default="5s")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--scrapers", type=int, default=50)
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--slow-mode", default="trickle")
    ap.add_argument("--warmup", type=float, default=15,
                    help="seconds of the same load before the first RSS/CPU sample")
    ap.add_argument("--interval-ms", type=int, default=0,
                    help="per scraper (0: back to back)")
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--fault-period", type=float, default=4)
    ap.add_argument("--json")
    ap.add_argument("--exporter-arg", action="append", default=[])
    a = ap.parse_args()

    build = os.path.abspath(a.build)
    tmp = tempfile.mkdtemp(prefix="vb365_soak.")
    sim = exporter = None
    try:
        sim = Simulator(os.path.join(build, "tests/simulator/vb365_simulator"), tmp,
                        ["--versions", "v8", "--jobs", str(a.jobs), "--sessions-per-job", "10",
                         "--session-interval", "20"], password="soak-password")
        exporter, port = start_exporter(
            os.path.join(build, "exporter/app/vb365_exporter"), tmp,
            f"refresh_interval: {a.refresh}\nservers:\n" + server_config("soak", sim, "v8"),
            a.exporter_arg)
        if not wait_for_refresh(port, 120):
            print("soak.py: the exporter did not publish a refresh in 120 s; log:\n" +
                  exporter_log_tail(tmp), file=sys.stderr)
            return 1
        out_json = os.path.join(tmp, "load.json")

        def run_load(seconds):
            return subprocess.run(
                [os.path.join(build, "bench/http_load"), "--port", str(port),
                 "--seconds", str(seconds), "--scrapers", str(a.scrapers),
                 "--interval-ms", str(a.interval_ms),
                 "--slow", str(a.slow), "--slow-mode", a.slow_mode,
                 "--slow-source", "127.0.0.2", "--json", out_json],
                capture_output=True, text=True)

        stop = threading.Event()
        switched = []
        switcher = None
        if a.faults:
            switcher = threading.Thread(target=fault_switcher,
                                        args=(sim, stop, a.fault_period, switched))
            switcher.start()
        # Warm-up: the same load (and faults), so that the first sample has
        # the buffers and allocator arenas that load needs.
        if a.warmup > 0:
            run_load(a.warmup)
        cpu0, rss0 = proc_figures(exporter.pid)
        load = run_load(a.seconds)
        cpu1, rss1 = proc_figures(exporter.pid)
        stop.set()
        if switcher:
            switcher.join()
            sim.control("/_sim/faults/clear")
        print(load.stdout, end="")
        if load.returncode != 0 or exporter.poll() is not None:
            print("soak.py: http_load failed or the exporter died:\n" + load.stderr,
                  file=sys.stderr)
            return 1
        with open(out_json) as f:
            figures = json.load(f)
        figures.update({
            "jobs": a.jobs, "seconds": a.seconds, "scrapers": a.scrapers,
            "interval_ms": a.interval_ms,
            "slow": a.slow, "faults_switched": len(switched),
            "cpu_seconds": round(cpu1 - cpu0, 2), "rss_start_kb": rss0,
            "rss_end_kb": rss1, "rss_growth_kb": rss1 - rss0,
        })
        print(f"exporter: cpu={cpu1 - cpu0:.1f}s rss_start={rss0} kB rss_end={rss1} kB "
              f"growth={rss1 - rss0} kB faults_switched={len(switched)} ({','.join(switched)})")
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
