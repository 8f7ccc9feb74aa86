#!/usr/bin/env python3
"""What one exporter costs at a given size: the figures README's "How it compares" cites.

For each JOBSxSESSIONS load: starts vb365_simulator (v8, HTTPS, time frozen, every session
inside session_history) and vb365_exporter on loopback, waits for the first refresh, then
measures scrapes (median and max of 20 GET /metrics, bytes of a scrape), the first refresh
(wall time, the exporter's CPU seconds), a later refresh (CPU seconds of one cycle) and the
exporter's RSS. Everything stops by itself.

Usage: compare_load.py SIMULATOR EXPORTER GEN_CERTS [LOAD ...]   (LOAD like 100x100)
"""
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")
INTERVAL = 5  # refresh_interval, seconds


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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


def wait(what, seconds, check):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def measure(sim, exporter, gen_certs, jobs, sessions, tmp):
    certs = os.path.join(tmp, "certs")
    os.makedirs(certs, exist_ok=True)
    subprocess.run([gen_certs, certs], check=True)
    password = os.path.join(tmp, "password")
    with open(password, "w") as f:
        f.write(secrets.token_hex(16) + "\n")
    ready = os.path.join(tmp, "sim.port")
    procs = []
    try:
        procs.append(subprocess.Popen(
            [sim, "--listen", "127.0.0.1:0", "--ready-file", ready, "--tls-cert",
             f"{certs}/server.pem", "--tls-key", f"{certs}/server.key", "--password-file",
             password, "--versions", "v8", "--jobs", str(jobs), "--sessions-per-job",
             str(sessions), "--exit-after", "900", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sim_port = wait("the simulator", 60, lambda: os.path.exists(ready) and
                        open(ready).read().strip())
        port = free_port()
        config = os.path.join(tmp, "exporter.yml")
        with open(config, "w") as f:
            f.write(f"""refresh_interval: {INTERVAL}s
servers:
  - name: sim
    url: https://127.0.0.1:{sim_port}
    api_version: v8
    username: 'VB365\\monitor'
    password_file: {password}
    session_history: 36500d
    tls:
      ca_file: {certs}/ca.pem
""")
        exp = subprocess.Popen([exporter, f"--config.file={config}",
                                f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(exp)
        started = time.monotonic()

        def first_refresh_done():
            try:
                _, body = scrape(port)
            except OSError:
                return None
            return body if metric(body, "vb365_refresh_last_success_timestamp_seconds") else None
        body = wait("the first refresh", 600, first_refresh_done)
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
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    sim, exporter, gen_certs = sys.argv[1:4]
    loads = sys.argv[4:] or ["100x100", "300x300", "1000x1000"]
    print("| load (jobs x sessions) | first refresh | its CPU | later refresh CPU | "
          "scrape median / max | scrape size | RSS |")
    print("|---|---|---|---|---|---|---|")
    for load in loads:
        jobs, sessions = (int(x) for x in load.split("x"))
        tmp = tempfile.mkdtemp(prefix="vb365_compare.")
        try:
            r = measure(sim, exporter, gen_certs, jobs, sessions, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"| {r['load']} | {r['first_refresh_s']:.2f} s | {r['first_refresh_cpu_s']:.2f} "
              f"CPU-s | {r['later_refresh_cpu_s']:.3f} CPU-s | {r['scrape_median_ms']:.1f} / "
              f"{r['scrape_max_ms']:.1f} ms | {r['scrape_kb']:.0f} kB | {r['rss_mb']:.1f} MB |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
