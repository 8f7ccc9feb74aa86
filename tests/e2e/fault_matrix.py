#!/usr/bin/env python3
"""The fault matrix: the real vb365_exporter under one fault at a time.

    fault_matrix.py --simulator BIN --exporter BIN [--rows NAME,...]
                    [--markdown FILE] [--no-netns] [--keep]

Two simulators ("a", API v8 probed with api_version auto, behind a TCP proxy
run by this script; "b", API v3) and one exporter configured with both
servers. For each row a fault is switched on for server a (the simulator's
/_sim/faults control endpoint, its other controls, or the proxy: closed port,
untrusted certificate, another certificate of the same CA where server a pins
its own, full listen backlog, stopped process), and the script
checks, while it scrapes /metrics every 100 ms:

  - the exporter keeps running and every scrape answers within 200 ms;
  - server b's series and, for a fault scoped to one job, server a's other
    jobs are equal before and during the fault;
  - /metrics shows what the row expects (vb365_up, the error counters that
    moved);
  - the warn/error lines the exporter logs during the fault are the pinned
    number, and one line names server a, the endpoint and the reason;
  - neither the log nor /metrics ever holds the password or any token the
    simulators issued (GET /_sim/tokens);
  - after the fault clears, server a recovers without a restart and every
    session added during the fault (/_sim/sessions/add) is counted exactly
    once in vb365_job_sessions_total.

The resource rows (ResRow) put one fault on one resource endpoint of server
a (/License, /BackupRepositories, /LicensedUsers, ...): vb365_up stays 1, that
collector's vb365_collector_success is 0 and its series keep their last good
values, every other series of a and b is unchanged, one warn line names server
a, the collector and the reason, and the collector recovers by itself.

Two rows need their own exporter (they cannot be switched at run time): a DNS
name that does not resolve, and a body over the 1 GiB size limit (which needs
a request timeout longer than the transfer).

The whole run is re-executed in a private network namespace (`unshare -rn`)
when the machine allows it, so nothing can reach or leave the machine and
ports cannot collide with other processes; without one everything still binds
127.0.0.1 only. The DNS row uses a name with a 64-character label, which the
resolver refuses before sending any query.

With --markdown FILE it writes the table of docs/reliability.md (make
reliability-doc). Exit status 0 when every row passes.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GEN_CERTS = os.path.join(ROOT, "tests", "simulator", "gen_certs.sh")

SCRAPE_EVERY = 0.1       # seconds between scrapes
SCRAPE_LIMIT = 0.200     # every scrape during a fault must answer within this
# A scrape over SCRAPE_LIMIT fails its row when the exporter answered other
# requests promptly while that scrape waited (see scrape_verdict): the probe
# thread of the scraper sends GET /-/healthy every PROBE_EVERY seconds on its
# own connection; a probe under PROBE_FAST is prompt, one over PROBE_SLOW
# means the machine (or the whole process) was slow at that moment.
PROBE_EVERY = 0.04
PROBE_FAST = 0.02
PROBE_SLOW = 0.05
PROBES_PROMPT = 2        # prompt probes inside a slow scrape that prove a wait
WAIT_LIMIT = 1.0         # a scrape waiting on a server waits this long (the request timeout)
OVERLOAD = 2.0           # load average per core above which the machine is overloaded
REFRESH = 1.0            # refresh_interval of the test config
TIMEOUT = "1s"           # per-request timeout of server a
MAX_BODY = 1 << 30       # CurlTransportOptions::max_body_bytes
# A host name that can never resolve and never causes a DNS query: a label of
# 64 characters is refused by the resolver itself (RFC 1035 allows 63).
DNS_NAME = "x" * 64 + ".vb365-fault-matrix.invalid"


def log(msg):
    print(f"[fault_matrix {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------ metrics text

SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$')


def parse_metrics(text):
    """{series text (name + labels): float}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SERIES.match(line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def label(series, name):
    m = re.search(r'[{,]' + name + r'="((?:[^"\\]|\\.)*)"', series)
    return m.group(1) if m else None


def family(series):
    return series.split("{", 1)[0]


def server_of(series):
    return label(series, "server")


# Families whose values move by themselves (refresh timing, request counts)
# or are the fault's symptoms: not compared for "untouched".
VOLATILE = ("vb365_refresh_duration_seconds", "vb365_collector_duration_seconds",
            "vb365_refresh_last_success_timestamp_seconds",
            "vb365_refresh_failures_total", "vb365_api_", "vb365_auth_",
            "vb365_parse_errors_total", "vb365_up", "vb365_scrape",
            "process_", "vb365_exporter_")


def stable(metrics, server, exclude_job=None, job=None):
    """The series of `server` that must not change while another server (or
    another job) fails; `job` keeps only that job's, `exclude_job` drops one."""
    out = {}
    for s, v in metrics.items():
        if server_of(s) != server or family(s).startswith(VOLATILE):
            continue
        jid = label(s, "job_id")
        if exclude_job is not None and jid == exclude_job:
            continue
        if job is not None and jid != job:
            continue
        out[s] = v
    return out


# What a job's sessions decide (the rest of a job's series come from /Jobs,
# whose lastRun moves when a session is added).
SESSION_FAMILIES = ("vb365_job_last_session_", "vb365_job_sessions_total",
                    "vb365_job_transferred_bytes_total",
                    "vb365_job_processed_objects_total", "vb365_job_running",
                    "vb365_job_last_status_timestamp_seconds")


def session_series(series):
    return {s: v for s, v in series.items() if family(s).startswith(SESSION_FAMILIES)}


def value(metrics, name, **labels):
    for s, v in metrics.items():
        if family(s) != name:
            continue
        if all(label(s, k) == str(want) for k, want in labels.items()):
            return v
    return None


def sessions_total(metrics, server, job_id):
    return sum(v for s, v in metrics.items()
               if family(s) == "vb365_job_sessions_total" and
               server_of(s) == server and label(s, "job_id") == job_id)


ERROR_FAMILIES = ("vb365_refresh_failures_total", "vb365_api_requests_total",
                  "vb365_auth_requests_total", "vb365_auth_failures_total",
                  "vb365_parse_errors_total")


def moved(before, during, server):
    """Counters of `server` that moved, except the routine 2xx requests."""
    out = []
    for s, v in during.items():
        if server_of(s) != server or family(s) not in ERROR_FAMILIES:
            continue
        code = label(s, "code")
        if code is not None and code.startswith("2"):
            continue
        # The version probe's answer without a token (a served version).
        if code == "401" and label(s, "endpoint") == "service_instance":
            continue
        delta = v - before.get(s, 0.0)
        if delta > 0:
            labels = [(k, label(s, k)) for k in ("endpoint", "grant", "code")
                      if label(s, k) is not None]
            short = family(s) + ("{" + ",".join(f'{k}="{v}"' for k, v in labels) +
                                 "}" if labels else "")
            out.append((short, delta))
    return sorted(out)


# ------------------------------------------------------------ HTTP helpers

class Sim:
    """One simulator process on 127.0.0.1:0 and its control endpoint."""

    def __init__(self, binary, work, name, certs, password_file, args):
        self.binary, self.work, self.name = binary, work, name
        self.certs, self.password_file, self.args = certs, password_file, args
        self.ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        self.proc = None
        self.start()

    def start(self, port=0):
        ready = os.path.join(self.work, f"sim_{self.name}.port")
        if os.path.exists(ready):
            os.unlink(ready)
        self.log = open(os.path.join(self.work, f"sim_{self.name}.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, f"--listen=127.0.0.1:{port}", f"--ready-file={ready}",
             f"--tls-cert={self.certs}/server.pem",
             f"--tls-key={self.certs}/server.key",
             f"--password-file={self.password_file}",
             "--username=VB365\\monitor", "--exit-after=900", "--quiet"] +
            self.args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not (os.path.exists(ready) and open(ready).read().strip()):
            check(self.proc.poll() is None, f"simulator {self.name} exited")
            check(time.time() < deadline, f"simulator {self.name} not ready")
            time.sleep(0.05)
        self.port = int(open(ready).read().strip())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def call(self, method, path, body=None):
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}",
                                     data=data, method=method)
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read() or b"null")

    def fault(self, **spec):
        return self.call("POST", "/_sim/faults", spec)

    def clear(self):
        self.call("POST", "/_sim/faults/clear", "")

    def jobs(self):
        return self.call("GET", "/_sim/jobs")

    def add_session(self, job_id, status):
        return self.call("POST", f"/_sim/sessions/add?job_id={job_id}&status={status}", "")

    def tokens(self):
        return self.call("GET", "/_sim/tokens")["issued"]

    def stats(self):
        return self.call("GET", "/_sim/stats")


class Proxy:
    """A TCP proxy in front of simulator a, whose modes make the network
    faults: forward, refuse (port closed), blackhole (listen backlog full:
    connects time out), tls_other (a certificate from another CA),
    tls_second (another certificate from server a's own CA: not the pinned
    one). In the tls_* modes it completes the handshake it can and counts
    connections on which the client sent anything after it (leaked)."""

    def __init__(self, upstream_port, other_certs, certs):
        self.upstream = upstream_port
        self.port = free_port()
        self.mode = "forward"
        self.conns = set()
        self.mu = threading.Lock()
        self.listener = None
        self.fillers = []
        self.leaked = 0
        self.tls = {}
        for mode, cert, key in (
                ("tls_other", os.path.join(other_certs, "server.pem"),
                 os.path.join(other_certs, "server.key")),
                ("tls_second", os.path.join(certs, "second.pem"),
                 os.path.join(certs, "server.key"))):
            self.tls[mode] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls[mode].load_cert_chain(cert, key)
        self.open_listener(backlog=64)

    def open_listener(self, backlog):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(backlog)
        self.listener = s
        if backlog > 0:
            threading.Thread(target=self.accept_loop, args=(s,), daemon=True).start()

    def close_listener(self):
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        for f in self.fillers:
            f.close()
        self.fillers = []

    def drop_connections(self):
        with self.mu:
            conns, self.conns = self.conns, set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def set_mode(self, mode):
        self.close_listener()
        self.drop_connections()  # pooled keep-alive connections see the change
        self.mode = mode
        if mode in ("forward", "tls_other", "tls_second"):
            self.open_listener(backlog=64)
        elif mode == "blackhole":
            # Never accepts; one queued connection fills a backlog of 0, so
            # the kernel drops every further SYN: connects time out. The
            # exporter may connect first and take that one slot (then this
            # connect times out): listen afresh and try again.
            for attempt in range(5):
                self.open_listener(backlog=0)
                try:
                    f = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                except OSError:
                    self.close_listener()
                    if attempt == 4:
                        raise
                    continue
                self.fillers.append(f)
                break
        elif mode == "refuse":
            pass
        else:
            raise ValueError(mode)

    def accept_loop(self, listener):
        while True:
            try:
                c, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def track(self, *socks):
        with self.mu:
            self.conns.update(socks)

    def serve(self, client):
        self.track(client)
        if self.mode in self.tls:
            try:
                client.settimeout(5)
                t = self.tls[self.mode].wrap_socket(client, server_side=True)
                # A client that accepted the certificate would now send its
                # request (with the token or the password).
                t.settimeout(0.5)
                try:
                    if t.recv(1):
                        with self.mu:
                            self.leaked += 1
                except (OSError, ssl.SSLError):
                    pass
                t.close()
            except (OSError, ssl.SSLError):
                pass
            client.close()
            return
        try:
            up = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
        except OSError:
            client.close()
            return
        up.settimeout(None)
        self.track(up)

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(1 << 16)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(up, client), daemon=True).start()
        pump(client, up)


class Exporter:
    def __init__(self, binary, work, name, servers_yaml):
        self.binary, self.work, self.name = binary, work, name
        self.config = os.path.join(work, f"exporter_{name}.yml")
        with open(self.config, "w") as f:
            f.write(f"refresh_interval: {int(REFRESH * 1000)}ms\nservers:\n" + servers_yaml)
        self.log_path = os.path.join(work, f"exporter_{name}.log")
        for attempt in range(3):
            self.port = free_port()
            self.log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [binary, f"--config.file={self.config}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=info"],
                stdout=self.log_file, stderr=subprocess.STDOUT)
            time.sleep(0.3)
            if self.proc.poll() is None:
                break
        check(self.proc.poll() is None, f"exporter {name} does not start: " +
              open(self.log_path, errors="replace").read()[-2000:])
        # The scraper is its own process, so this script's threads (the
        # proxy) never delay a scrape or its measurement.
        self.scrape_dir = os.path.join(work, f"scrapes_{name}")
        os.makedirs(self.scrape_dir, exist_ok=True)
        self.scraper = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--scraper",
             str(self.port), self.scrape_dir])
        self.windows = {}  # row -> [start, end]
        self.loads = {}  # row -> load averages seen during it
        self.row = None
        self.latest = {}
        self.latest_text = ""

    def begin(self, row):
        self.row = row
        self.windows[row] = [time.time(), None]
        self.loads[row] = [os.getloadavg()[0]]

    def end(self):
        if self.row is not None:
            self.windows[self.row][1] = time.time()
            self.loads[self.row].append(os.getloadavg()[0])
        self.row = None

    def scrape_records(self):
        path = os.path.join(self.scrape_dir, "scrapes.log")
        out = []
        if os.path.exists(path):
            for line in open(path):
                parts = line.split()
                if len(parts) == 3:
                    out.append((float(parts[0]), float(parts[1]), parts[2]))
        return out

    def scrape_times(self, row):
        return [sec for _, sec in self.row_scrapes(row)]

    def row_scrapes(self, row):
        """[(start, seconds)] of the row's scrapes."""
        start, end = self.windows[row]
        end = end or time.time()
        out = [(t, sec) for t, sec, _ in self.scrape_records() if start <= t <= end]
        check(len(out) >= 5, f"only {len(out)} scrapes during {row!r}")
        return out

    def probe_records(self):
        """[(start, seconds)] of the /-/healthy probes (status "error": inf)."""
        path = os.path.join(self.scrape_dir, "probes.log")
        out = []
        if os.path.exists(path):
            for line in open(path):
                parts = line.split()
                if len(parts) == 3:
                    sec = float(parts[1]) if parts[2] == "200" else float("inf")
                    out.append((float(parts[0]), sec))
        return out

    def failures(self):
        return [(t, st) for t, _, st in self.scrape_records() if st != "200"]

    def metrics(self):
        path = os.path.join(self.scrape_dir, "latest.prom")
        try:
            text = open(path, encoding="utf-8", errors="replace").read()
        except OSError:
            return {}
        self.latest_text = text
        self.latest = parse_metrics(text)
        return dict(self.latest)

    def text(self):
        self.metrics()
        return self.latest_text

    def wait(self, what, cond, timeout):
        deadline = time.time() + timeout
        while True:
            check(self.proc.poll() is None, f"the exporter exited while waiting for {what}")
            m = self.metrics()
            if m and cond(m):
                return m
            check(time.time() < deadline, f"timed out after {timeout}s waiting for {what}")
            if self.row is not None:
                self.loads[self.row].append(os.getloadavg()[0])
            time.sleep(0.05)

    def wait_refreshes(self, server, n, timeout=20):
        """Waits for n more finished refreshes of `server` (a success moves
        its timestamp, a failure its failure counter)."""
        def mark(m):
            return (value(m, "vb365_refresh_last_success_timestamp_seconds", server=server),
                    value(m, "vb365_refresh_failures_total", server=server))
        seen = [mark(self.metrics())]

        def cond(m):
            k = mark(m)
            if k != seen[-1]:
                seen.append(k)
            return len(seen) > n
        return self.wait(f"{n} refreshes of {server}", cond, timeout)

    def log_size(self):
        self.log_file.flush()
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace").splitlines()

    def stop(self):
        if self.scraper.poll() is None:
            self.scraper.terminate()
            self.scraper.wait()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


# ------------------------------------------------------------ the rows

class Row:
    """One fault. apply(ctx) switches it on (and may return a job id it is
    scoped to), clear(ctx) off. expect_up: vb365_up{server="a"} during it.
    expect_moved: regexes, each must match a counter that moved. warn_lines:
    (min, max) warn/error lines logged during the fault and recovery. logline:
    regex one line (server=a) must match (endpoint and reason)."""

    def __init__(self, name, how, apply, clear, expect_up, expect_moved,
                 logline, warn_lines=(1, 1), scope_job=None, recovery_s=30,
                 settle_refreshes=2, add_sessions=True, job_gone=False,
                 shows=None, peak_rss=False):
        self.name, self.how, self.apply, self.clear = name, how, apply, clear
        self.expect_up, self.expect_moved = expect_up, expect_moved
        self.logline, self.warn_lines = logline, warn_lines
        self.scope_job = scope_job  # job index the fault is scoped to
        self.recovery_s = recovery_s
        self.settle_refreshes = settle_refreshes
        self.add_sessions = add_sessions
        self.job_gone = job_gone
        self.shows = shows
        self.peak_rss = peak_rss


def rows_main():
    J = "job_sessions"

    def sim_fault(**spec):
        return lambda c: c.sim_a.fault(**spec)

    def job_fault(kind, **extra):
        def apply(c):
            c.sim_a.fault(kind=kind, endpoint=J, job_id=c.job_ids[1], **extra)
        return apply

    def clear_faults(c):
        c.sim_a.clear()

    def proxy(mode):
        return lambda c: c.proxy.set_mode(mode)

    def expire(refresh):
        return lambda c: c.sim_a.call(
            "POST", "/_sim/tokens/expire-all" + ("?refresh=true" if refresh else ""), "")

    def login_fault(**spec):
        def apply(c):
            c.sim_a.fault(endpoint="token", **spec)
            expire(True)(c)
        return apply

    def change_password(c):
        c.sim_a.call("POST", "/_sim/password", "changed-" + secrets.token_hex(8))
        expire(True)(c)

    def restore_password(c):
        c.sim_a.call("POST", "/_sim/password", c.password)

    def sigstop(c):
        c.sim_a.proc.send_signal(signal.SIGSTOP)

    def sigcont(c):
        c.sim_a.proc.send_signal(signal.SIGCONT)

    def delete_mid_refresh(c):
        # The simulator deletes the job at the first read of its sessions: the
        # refresh has listed it and is reading it, so the deletion falls
        # between the listing and the read every time, whatever the timing
        # (it used to be a sleep after a slowed refresh, which a loaded
        # machine could miss: the job was then deleted before a listing).
        c.sim_a.fault(kind="delete_job", endpoint=J, job_id=c.job_ids[1], count=1)

    def deleted_clear(c):
        pending = [f for f in c.sim_a.call("GET", "/_sim/faults") if f.get("kind") == "delete_job"]
        c.sim_a.clear()
        check(not pending, "the exporter never read the deleted job's sessions after "
              "listing it: the fault did not happen mid-refresh")
        check(c.job_ids[1] not in [j["id"] for j in c.sim_a.jobs()],
              "the job is still listed by the simulator")

    def pin_clear(c):
        leaked, c.proxy.leaked = c.proxy.leaked, 0
        c.proxy.set_mode("forward")
        check(leaked == 0, f"{leaked} connections sent a request after the "
              "handshake with an unpinned or untrusted certificate")

    up0 = r'vb365_refresh_failures_total$'
    rows = [
        Row("server down (503 maintenance)", "`/_sim/faults` kind=down: every API "
            "request answers 503 with Retry-After: 5", sim_fault(kind="down"), clear_faults,
            0, [up0, r'api_requests_total\{.*code="503"'],
            r'server=a .*error=".*jobs: HTTP 503'),
        Row("connection refused", "the proxy in front of server a closes its port",
            proxy("refuse"), proxy("forward"), 0,
            [up0, r'code="error"'], r'server=a .*curl error 7'),
        Row("server hangs (process stopped)", "SIGSTOP to simulator a: the kernel "
            "accepts, nothing answers; SIGCONT clears", sigstop, sigcont, 0,
            [up0, r'code="error"'], r'server=a .*curl error 28', add_sessions="before"),
        Row("TLS certificate untrusted", "the proxy answers with a certificate of "
            "another CA", proxy("tls_other"), pin_clear, 0,
            [up0, r'code="error"'], r'server=a .*curl error 60: .*certificate'),
        Row("certificate pin mismatch", "server a pins its certificate "
            "(`tls.server_certificate_sha256` with `ca_file`); the proxy answers with "
            "another certificate of the same CA (a renewal nobody re-pinned, or a "
            "substitute): the chain verifies, the pin does not; no byte of a request "
            "reaches the proxy", proxy("tls_second"), pin_clear, 0,
            [up0, r'code="error"'],
            r'server=a .*certificate pin mismatch: server presented SHA256 [0-9A-F:]{95}'),
        Row("connect timeout", "the proxy's port listens with a full backlog: "
            "SYNs are dropped", proxy("blackhole"), proxy("forward"), 0,
            [up0, r'code="error"'], r'server=a .*curl error 28: .*onnect'),
        Row("slow drip of the body", "kind=drip on /Jobs, 8 bytes every 20 ms "
            "(the body takes longer than the 1 s timeout)",
            sim_fault(kind="drip", endpoint="jobs", bytes=8, ms=20), clear_faults, 0,
            [up0, r'code="error"'], r'server=a .*jobs: curl error 28'),
        Row("a body over the size limit", "kind=huge on one job's sessions: a valid JSON "
            "body of 1 GiB + 1 MiB, announced in Content-Length (the limit is 1 GiB)",
            job_fault("huge", bytes=MAX_BODY + (1 << 20)), clear_faults, 1,
            [r'api_requests_total\{endpoint="job_sessions",code="error"'],
            r'msg="reading job sessions failed" server=a .*job_sessions: response body '
            r'larger than 1073741824 bytes', scope_job=1, peak_rss=True),
        Row("connection reset mid-body", "kind=reset on /Jobs: half the announced "
            "body, then the connection closes",
            sim_fault(kind="reset", endpoint="jobs"), clear_faults, 0,
            [up0, r'code="error"'], r'server=a .*jobs: curl error 18'),
        Row("500 on /Jobs", "kind=http_error status=500 on /Jobs",
            sim_fault(kind="http_error", endpoint="jobs", status=500), clear_faults, 0,
            [up0, r'code="500"'], r'server=a .*jobs: HTTP 500: Simulated server error'),
        Row("502 with an HTML body", "kind=html_error status=502 on /Jobs "
            "(an nginx error page, text/html)",
            sim_fault(kind="html_error", endpoint="jobs", status=502), clear_faults, 0,
            [up0, r'code="502"'], r'server=a .*jobs: HTTP 502'),
        Row("404 on one job", "kind=not_found on one job's sessions (the job stays "
            "listed)", job_fault("not_found"), clear_faults, 1,
            [r'api_requests_total\{endpoint="job_sessions",code="404"'],
            r'msg="reading job sessions failed" server=a .*not found: GET /JobSessions\?jobId=',
            scope_job=1),
        Row("401 once", "`/_sim/tokens/expire-all`: the cached token stops working",
            expire(False), lambda c: None, 1,
            [r'code="401"'], r'level=info msg="token rejected, logging in again" '
            r'server=a endpoint=\w+', warn_lines=(0, 0), settle_refreshes=2),
        Row("401 always", "kind=http_error status=401 on /Jobs: every token is "
            "rejected, also a fresh one",
            sim_fault(kind="http_error", endpoint="jobs", status=401), clear_faults, 0,
            [up0, r'endpoint="jobs",code="401"'],
            r'server=a .*jobs: HTTP 401 again after a new login'),
        Row("400 on the password grant (password changed)", "`POST /_sim/password` "
            "changes the account's password and every token is expired",
            change_password, restore_password, 0,
            [up0, r'auth_failures_total', r'endpoint="token",code="400"'],
            r'server=a .*token \(password\): HTTP 400: invalid_grant',
            warn_lines=(2, 3), recovery_s=45),
        Row("429 on /Token with Retry-After", "kind=http_error status=429 "
            "retry_after=2 on /Token, every token expired",
            login_fault(kind="http_error", status=429, retry_after=2), clear_faults, 0,
            [up0, r'endpoint="token",code="429"'], r'server=a .*token.*HTTP 429',
            warn_lines=(2, 6), recovery_s=45),
        Row("429 on /Token without Retry-After", "kind=http_error status=429 on "
            "/Token, every token expired",
            login_fault(kind="http_error", status=429), clear_faults, 0,
            [up0, r'endpoint="token",code="429"'], r'server=a .*token.*HTTP 429',
            warn_lines=(2, 4), recovery_s=60),
        Row("malformed JSON", "kind=malformed on /Jobs (garbage in the middle)",
            sim_fault(kind="malformed", endpoint="jobs"), clear_faults, 0,
            [up0, r'parse_errors_total\{endpoint="jobs"'],
            r'server=a .*jobs: malformed response to GET /Jobs'),
        Row("truncated JSON", "kind=truncated on one job's sessions (half the body, "
            "matching Content-Length)", job_fault("truncated"), clear_faults, 1,
            [r'parse_errors_total\{endpoint="job_sessions"'],
            r'server=a .*job_sessions: malformed response', scope_job=1),
        Row("wrong-type JSON", "kind=numbers_as_strings on one job's sessions "
            "(\"123\" for numbers)", job_fault("numbers_as_strings"), clear_faults, 1,
            [r'parse_errors_total\{endpoint="job_sessions"'],
            r'server=a .*job_sessions: malformed response', scope_job=1),
        Row("null-filled JSON", "kind=nulls on one job's sessions (status, "
            "creationTime, progress, statistics null)", job_fault("nulls"),
            clear_faults, 1, [r'parse_errors_total\{endpoint="job_sessions"'],
            r'server=a .*job_sessions: malformed response', scope_job=1),
        Row("missing fields", "kind=missing_fields on one job's sessions",
            job_fault("missing_fields"), clear_faults, 1,
            [r'parse_errors_total\{endpoint="job_sessions"'],
            r'server=a .*job_sessions: malformed response', scope_job=1),
        Row("unknown enum values", "kind=unknown_enums on one job's sessions "
            "(status \"Postponed\", bottleneck \"Network\")", job_fault("unknown_enums"),
            clear_faults, 1, [], None, warn_lines=(0, 0), scope_job=1,
            shows="status and bottleneck read as `Unknown`; a session that finishes during it "
            "is counted once, under `status=\"Unknown\"`"),
        Row("duplicate sessions across pages", "kind=page_overlap page_size=3 on one "
            "job's sessions: each page repeats the previous page's last session",
            job_fault("page_overlap", page_size=3), clear_faults, 1, [], None,
            warn_lines=(0, 0), scope_job=1, shows="nothing: each session counted once"),
        Row("a page that repeats forever", "kind=page_loop page_size=3 on one job's "
            "sessions: the offset is ignored, `_links.next` is the page itself",
            job_fault("page_loop", page_size=3), clear_faults, 1, [],
            r'server=a .*job_sessions: .*page', scope_job=1),
        # Server a is v8: a later refresh reads every job's recent sessions in
        # one /JobSessions read, and the deletion lands on that read; the job
        # is not in it (no error, nothing to warn about) and the next listing
        # drops it. (A per-job read of a deleted job answers 404 and keeps the
        # job's last values: the "404 on one job" row.)
        Row("job deleted mid-refresh", "`/_sim/faults` kind=delete_job on one job: the "
            "job is deleted at the read of its sessions (the one read of every job's recent "
            "sessions), after the refresh listed it", delete_mid_refresh,
            deleted_clear, 1, [], None, warn_lines=(0, 0), scope_job=1,
            job_gone=True,
            shows="the job's series vanish at the next refresh; no warning: a deleted "
            "job's sessions are simply not in the read"),
    ]
    return rows


# ------------------------------------------------------------ the resource rows

# The families each resource collector renders (docs/metrics.md, "Resources
# beyond jobs"); a fault on one collector's endpoint must leave every other
# family alone and keep these at their last good values.
COLLECTOR_FAMILIES = {
    "license": ("vb365_license_",),
    "repositories": ("vb365_repository_",),
    "proxies": ("vb365_proxy_",),
    "organizations": ("vb365_organization_info", "vb365_organization_backed_up",
                      "vb365_organization_first_backup_", "vb365_organization_last_backup_",
                      "vb365_organization_sync_"),
    "licensed_users": ("vb365_organization_licensed_users",
                       "vb365_organization_users_not_backed_up"),
    "restore_sessions": ("vb365_restore_sessions_",),
    "health": ("vb365_server_healthy", "vb365_server_component_healthy"),
}


def collector_series(metrics, server, collector):
    """The series of `collector` on `server` (its success included)."""
    out = {}
    for s, v in metrics.items():
        if server_of(s) != server:
            continue
        if family(s).startswith(COLLECTOR_FAMILIES[collector]) or (
                family(s) == "vb365_collector_success" and label(s, "collector") == collector):
            out[s] = v
    return out


def other_series(metrics, server, collector, busy_job):
    """`server`'s series that a fault on `collector` must not touch: all but
    the volatile ones, the collector's own and those of `busy_job` (which
    gets a session during the fault)."""
    mine = collector_series(metrics, server, collector)
    return {s: v for s, v in stable(metrics, server).items()
            if s not in mine and label(s, "job_id") != busy_job}


class ResRow:
    """One fault on one resource endpoint of server a (a simulator fault
    scoped with `endpoint`). During it: vb365_up 1, the collector's success 0
    and its other series at their last good values, server a's other
    resources and jobs and server b unchanged, one warn line naming server a,
    the collector and `reason`; after it the collector succeeds again."""

    def __init__(self, name, collector, fault, how, reason, expect_moved=()):
        self.name, self.collector, self.fault = name, collector, fault
        self.how, self.reason = how, reason
        self.expect_moved = list(expect_moved)


def rows_resources():
    return [
        ResRow("500 on /License", "license",
               dict(kind="http_error", endpoint="license", status=500),
               "kind=http_error status=500 on /License", r'HTTP 500',
               [r'api_requests_total\{endpoint="license",code="500"']),
        ResRow("malformed JSON on /BackupRepositories", "repositories",
               dict(kind="malformed", endpoint="repositories"),
               "kind=malformed on /BackupRepositories (garbage in the middle)",
               r'malformed'),
        ResRow("a page that repeats forever on /LicensedUsers", "licensed_users",
               dict(kind="page_loop", endpoint="licensed_users", page_size=3),
               "kind=page_loop page_size=3 on /LicensedUsers: the offset is ignored, "
               "`_links.next` is the page itself (`licensed_users_interval: 1s`)",
               r'repeats|page'),
        ResRow("401 always on /RestoreSessions", "restore_sessions",
               dict(kind="http_error", endpoint="restore_sessions", status=401),
               "kind=http_error status=401 on /RestoreSessions: every token is rejected "
               "there, also a fresh one (the other endpoints accept it)",
               r'HTTP 401', [r'endpoint="restore_sessions",code="401"']),
        ResRow("404 on /Organizations", "organizations",
               dict(kind="not_found", endpoint="organizations"),
               "kind=not_found on /Organizations, a resource the server served before "
               "(a reverse proxy's route missing for a while)",
               r'not found|404', [r'endpoint="organizations",code="404"']),
        ResRow("wrong-type JSON on /Proxies", "proxies",
               dict(kind="numbers_as_strings", endpoint="proxies"),
               "kind=numbers_as_strings on /Proxies (every number written as a string)",
               r'malformed|type|number'),
        ResRow("slow drip on /Health", "health",
               dict(kind="drip", endpoint="health", bytes=4, ms=50),
               "kind=drip on /Health, 4 bytes every 50 ms (the body takes longer than "
               "the 1 s timeout)", r'curl error 28',
               [r'endpoint="health",code="error"']),
    ]


def run_resource_row(c, row):
    ex = c.exporter
    log(f"row: {row.name}")
    coll = row.collector
    busy = c.job_ids[0]  # gets a session during the fault

    def success(m):
        return value(m, "vb365_collector_success", server="a", collector=coll)

    ex.wait("server a up, the collector succeeding",
            lambda m: value(m, "vb365_up", server="a") == 1 and success(m) == 1, 60)
    before = ex.wait_refreshes("a", 2)
    check(success(before) == 1, f"collector {coll} not succeeding before the fault")
    mine_before = collector_series(before, "a", coll)
    check(len(mine_before) > 1, f"collector {coll} has no series before the fault")
    others_before = other_series(before, "a", coll, busy)
    b_before = stable(before, "b")
    counted_before = sessions_total(before, "a", busy)
    offset = ex.log_size()
    ex.begin(row.name)
    c.sim_a.fault(**row.fault)
    c.sim_a.add_session(busy, "Success")

    def shows(m):
        if success(m) != 0:
            return False
        names = [s for s, _ in moved(before, m, "a")]
        return all(any(re.search(p, s) for s in names) for p in row.expect_moved)
    ex.wait(f"row {row.name!r} to show on /metrics", shows, 30)
    during = ex.wait_refreshes("a", 2, timeout=30)
    check(success(during) == 0, f"{row.name}: collector {coll} succeeded while the fault was on")
    check(value(during, "vb365_up", server="a") == 1,
          f"vb365_up{{server=a}} is {value(during, 'vb365_up', server='a')} during a "
          f"fault of one resource; expected 1")
    mine = {s: v for s, v in collector_series(during, "a", coll).items()
            if family(s) != "vb365_collector_success"}
    kept = {s: v for s, v in mine_before.items() if family(s) != "vb365_collector_success"}
    check(mine == kept, f"collector {coll}'s series did not keep their last good values: " +
          str(sorted(set(mine.items()) ^ set(kept.items()))[:5]))
    others = other_series(during, "a", coll, busy)
    check(others == others_before, "another resource or job of server a changed: " +
          str(sorted(set(others.items()) ^ set(others_before.items()))[:5]))
    check(stable(during, "b") == b_before, "server b's series changed during the fault: " +
          str(sorted(set(stable(during, "b").items()) ^ set(b_before.items()))[:5]))
    moved_during = moved(before, during, "a")

    c.sim_a.clear()
    t_off = time.time()
    ex.wait(f"collector {coll} to recover after {row.name!r}",
            lambda m: success(m) == 1 and sessions_total(m, "a", busy) >= counted_before + 1,
            30)
    t_rec = time.time() - t_off
    ex.end()
    after = ex.wait_refreshes("a", 2)
    check(collector_series(after, "a", coll) == mine_before,
          f"collector {coll}'s series differ after recovery: " + str(sorted(
              set(collector_series(after, "a", coll).items()) ^ set(mine_before.items()))[:5]))
    check(other_series(after, "a", coll, busy) == others_before,
          "another resource or job of server a changed after the fault")
    got = sessions_total(after, "a", busy) - counted_before
    check(got == 1, f"{got} sessions counted for the session added during the fault")
    check(stable(after, "b") == b_before, "server b's series changed after the fault")

    lines = [l for l in ex.log_since(offset) if l.strip()]
    warn = [l for l in lines if re.search(r'level=(warn|error)', l)]
    check(len(warn) == 1, f"{len(warn)} warn/error lines, expected 1:\n" + "\n".join(warn))
    pattern = rf'server=a .*collector={coll} .*error=".*(?:{row.reason})'
    check(re.search(pattern, warn[0]), f"the warn line does not match {pattern!r}: {warn[0]}")
    check(not [l for l in lines if "server=b" in l and "level=warn" in l],
          "server b logged a warning during a fault of server a")
    slowest, scrapes, note = scrape_verdict(ex, row.name)
    check(ex.proc.poll() is None, "the exporter exited")
    shown = (f"`vb365_up` 1; `vb365_collector_success{{collector=\"{coll}\"}}` 0, its "
             f"{len(kept)} series keep their last good values; the other resources, the "
             "jobs and server b unchanged")
    if moved_during:
        shown += "; " + ", ".join(f"`{s}` +{int(d)}" for s, d in moved_during)
    return {"fault": row.name, "how": row.how, "shows": shown,
            "slowest_ms": slowest * 1000, "scrapes": scrapes, "note": note,
            "log": short_log(warn[0]), "warn_lines": len(warn),
            "recovery": f"{t_rec:.1f} s after clearing (`collector succeeded again`, info); "
            "every series as before; 1 session added during the fault counted once"}


# ------------------------------------------------------------ running a row

class Context:
    pass


def run_row(c, row):
    ex = c.exporter
    log(f"row: {row.name}")
    # A steady start: server a up, two more refreshes.
    ex.wait("server a up", lambda m: value(m, "vb365_up", server="a") == 1, 60)
    before = ex.wait_refreshes("a", 2)
    scope = c.job_ids[row.scope_job] if row.scope_job is not None else None
    targets = [scope] if scope else [c.job_ids[0], c.job_ids[5]]
    if row.job_gone:
        targets = [c.job_ids[5]]
    counted_before = {j: sessions_total(before, "a", j) for j in targets}
    b_before = stable(before, "b")
    others_before = stable(before, "a", exclude_job=scope) if scope else None
    if row.job_gone:  # the job that gets the sessions is checked by its count
        others_before = {k: v for k, v in others_before.items()
                         if label(k, "job_id") not in (None, targets[0])}
    offset = ex.log_size()
    added = {j: 0 for j in targets}

    def add_sessions():
        for j, status in zip(targets, ("Success", "Failed")):
            c.sim_a.add_session(j, status)
            added[j] += 1

    if row.add_sessions == "before":
        add_sessions()
    ex.begin(row.name)
    t_on = time.time()
    row.apply(c)
    if row.add_sessions is True:
        add_sessions()

    # During: what the row expects shows up, then a few refreshes more.
    def shows(m):
        if row.expect_up is not None and value(m, "vb365_up", server="a") != row.expect_up:
            return False
        names = [s for s, _ in moved(before, m, "a")]
        if not all(any(re.search(p, s) for s in names) for p in row.expect_moved):
            return False
        if row.job_gone:
            return not any(label(s, "job_id") == c.job_ids[1] for s in m)
        return True
    during = ex.wait(f"row {row.name!r} to show on /metrics", shows, 30)
    during = ex.wait_refreshes("a", row.settle_refreshes, timeout=30) if row.settle_refreshes else during
    check(shows(during) or row.expect_moved == [] or row.name == "401 once",
          f"{row.name}: the fault's signs went away while it was on")
    if row.expect_up is not None:
        check(value(during, "vb365_up", server="a") == row.expect_up,
              f"vb365_up{{server=a}} is {value(during, 'vb365_up', server='a')}, "
              f"expected {row.expect_up}")
    b_during = stable(during, "b")
    check(b_during == b_before, f"server b's series changed during the fault: " +
          str(sorted(set(b_during.items()) ^ set(b_before.items()))[:5]))
    if others_before is not None:
        others = stable(during, "a", exclude_job=scope)
        if row.job_gone:
            others = {k: v for k, v in others.items()
                      if label(k, "job_id") not in (None, targets[0])}
        check(others == others_before, "another job of server a changed: " +
              str(sorted(set(others.items()) ^ set(others_before.items()))[:5]))
    moved_during = moved(before, during, "a")
    up_during = value(during, "vb365_up", server="a")
    shown_text = ""
    if scope and row.shows is None:
        jobs_series = session_series(stable(during, "a", job=scope))
        check(jobs_series == session_series(stable(before, "a", job=scope)),
              f"{row.name}: the failing job's series changed; it should keep its "
              "last good values")
        shown_text = "the job keeps its last good values; "
    if row.name == "unknown enum values":
        st = [s for s, v in during.items() if family(s) == "vb365_job_last_session_status"
              and label(s, "job_id") == scope and v == 1]
        check(len(st) == 1 and label(st[0], "status") == "Unknown",
              f"unknown status should read as Unknown, got {st}")
        bn = [s for s, v in during.items() if family(s) == "vb365_job_last_session_bottleneck"
              and label(s, "job_id") == scope and v == 1]
        check(len(bn) == 1 and label(bn[0], "bottleneck") == "Unknown",
              f"unknown bottleneck should read as Unknown, got {bn}")
        unknown = [value(m, "vb365_job_sessions_total", server="a", job_id=scope,
                         status="Unknown") or 0 for m in (before, during)]
        check(unknown[1] - unknown[0] == added[scope],
              f"sessions finished during the fault: {unknown[1] - unknown[0]} counted "
              f"as Unknown, {added[scope]} added")

    # Clear, and recover.
    row.clear(c)
    t_off = time.time()

    def recovered(m):
        if value(m, "vb365_up", server="a") != 1:
            return False
        if row.job_gone and any(label(s, "job_id") == c.job_ids[1] for s in m):
            return False
        return all(sessions_total(m, "a", j) >= counted_before[j] + added[j]
                   for j in targets)
    ex.wait(f"server a to recover after {row.name!r}", recovered, row.recovery_s)
    t_rec = time.time() - t_off
    ex.end()
    after = ex.wait_refreshes("a", 2)
    for j in targets:
        got = sessions_total(after, "a", j) - counted_before[j]
        check(got == added[j], f"job {j}: {got} sessions counted, {added[j]} finished")
    check(stable(after, "b") == b_before, "server b's series changed after the fault")

    # The log: bounded, one line naming server, endpoint and reason.
    lines = [l for l in ex.log_since(offset) if l.strip()]
    warn = [l for l in lines if re.search(r'level=(warn|error)', l)]
    inflight = []
    if row.expect_up == 0:
        warn, inflight = split_inflight(warn)
    lo, hi = row.warn_lines
    check(lo <= len(warn) <= hi, f"{len(warn)} warn/error lines, pinned {lo}..{hi}:\n" +
          "\n".join(warn))
    mentioned = [l for l in lines if "server=a" in l]
    named = None
    if row.logline:
        match = [l for l in mentioned if re.search(row.logline, l)]
        check(match, f"no log line matches {row.logline!r}:\n" + "\n".join(lines))
        named = match[0]
    elif warn:
        named = warn[0]
    check(not [l for l in lines if "server=b" in l and "level=warn" in l],
          "server b logged a warning during a fault of server a")
    slowest, scrapes, note = scrape_verdict(ex, row.name)
    check(ex.proc.poll() is None, "the exporter exited")

    shown = f"`vb365_up` {int(up_during)}"
    if row.peak_rss:
        shown_text += f"peak RSS of the exporter so far {rss_kb(ex.proc.pid) / 1024:.0f} MiB; "
    if row.shows:
        shown += "; " + row.shows
    elif shown_text:
        shown += "; " + shown_text.rstrip("; ")
    if moved_during:
        shown += "; " + ", ".join(f"`{s}` +{int(d)}" for s, d in moved_during)
    recovery = f"{t_rec:.1f} s after clearing; {sum(added.values())} sessions " \
               "added during the fault counted once"
    if row.job_gone:
        recovery = "the job's series are gone; the other jobs unchanged; " \
                   f"{sum(added.values())} sessions added to another job counted once"
    return {"fault": row.name, "how": row.how, "shows": shown,
            "slowest_ms": slowest * 1000, "scrapes": scrapes, "note": note,
            "log": short_log(named),
            "warn_lines": len(warn), "warn_inflight": len(inflight), "recovery": recovery}


INFLIGHT = re.compile(r'msg="(collector failed|reading job sessions failed|listing copy jobs failed)" server=a '
                      r'(collector=\S+|job="(?:[^"\\]|\\.)*"|error="copy_jobs)')


def split_inflight(warn):
    """For a fault of the whole server: the refresh that was running when the
    fault began still makes its remaining requests (the job reads in flight,
    each resource collector in turn), and each fails and logs once; whether
    there are any depends only on when in the refresh the fault began. Those
    lines come before the first "refresh failed" (the next refresh stops at
    its listing and logs once per failure streak). Returns (the lines the
    row's pin counts, the in-flight lines); each in-flight line must name
    server a and a collector or job that no other in-flight line names."""
    first = next((i for i, l in enumerate(warn) if 'msg="refresh failed"' in l), None)
    if first is None:
        return warn, []
    inflight = [l for l in warn[:first] if INFLIGHT.search(l)]
    keys = [INFLIGHT.search(l).group(2) for l in inflight]
    check(len(set(keys)) == len(keys), "the refresh in flight logged one collector or job "
          "twice:\n" + "\n".join(inflight))
    return [l for l in warn if l not in inflight], inflight


def scrape_verdict(ex, row):
    """Every scrape of the row should answer within SCRAPE_LIMIT, and a scrape
    that waited on a server (a lock held over a request, a refresh on the
    scrape's thread) fails the row. Wall time alone cannot tell that wait from
    a loaded machine (CI's 2 cores run two ctest tests at once), so each
    scrape over the limit is judged by the probes (GET /-/healthy on another
    connection, every PROBE_EVERY s, same scraper process) that ran during it.
    The exporter was answering promptly during the scrape when at least
    PROBES_PROMPT probes began and were answered inside it, each within
    PROBE_FAST, and no probe overlapping it took PROBE_SLOW or more. Then the
    row fails when

      - the scrape took WAIT_LIMIT (server a's request timeout, what a wait on
        a hung server lasts) or more, on any machine; or
      - the machine was not overloaded (load average at most OVERLOAD per
        core during the row): nothing but a wait explains it there.

    Otherwise (a probe as slow at the same moment: the machine or the scraper
    was stalled; or an overloaded machine, where a scrape's own CPU work can
    take a few hundred ms while a probe's tiny one does not) the scrape is
    reported in the table's note and tolerated. The slowest scrape is in the
    table either way."""
    scrapes = ex.row_scrapes(row)
    times = [sec for _, sec in scrapes]
    slowest = max(times)
    slow = [(t, sec) for t, sec in scrapes if sec >= SCRAPE_LIMIT]
    if not slow:
        return slowest, len(times), ""
    probes = ex.probe_records()
    load = max(ex.loads.get(row, [0.0]))
    cores = os.cpu_count() or 1
    overloaded = load > OVERLOAD * cores
    for t, sec in slow:
        end = t + sec
        overlap = [(p, d) for p, d in probes if p < end and p + d > t]
        inside = [(p, d) for p, d in overlap if p >= t and p + d <= end]
        prompt = [d for _, d in inside if d < PROBE_FAST]
        stalled = [d for _, d in overlap if d >= PROBE_SLOW]
        waited = not stalled and len(prompt) >= PROBES_PROMPT
        check(not (waited and (sec >= WAIT_LIMIT or not overloaded)),
              f"a scrape took {sec * 1000:.0f} ms while the exporter answered "
              f"{len(prompt)} probes within {PROBE_FAST * 1000:.0f} ms each (none "
              f"slower than {PROBE_SLOW * 1000:.0f} ms): the scrape waited on something "
              f"(load average {load:.1f} on {cores} cores)")
    note = (f"{len(slow)} of {len(times)} scrapes over {SCRAPE_LIMIT * 1000:.0f} ms "
            f"with the load average at {load:.1f} on {cores} cores")
    log(f"  note: {note}: tolerated, the machine was slow, not the scrape")
    return slowest, len(times), note


def short_log(line):
    if not line:
        return "none"
    line = re.sub(r'^ts=\S+ ', "", line)
    if len(line) > 230:
        line = line[:227] + "..."
    return line


def check_secrets(c, exporters):
    secrets_ = [c.password] + c.sim_a.tokens() + c.sim_b.tokens()
    check(len(secrets_) > 3, "the simulators issued no tokens?")
    for ex in exporters:
        text = open(ex.log_path, errors="replace").read()
        metrics = ex.text()
        for s in secrets_:
            check(s not in text, f"a secret ({s[:4]}...) is in exporter {ex.name}'s log")
            check(s not in metrics, f"a secret ({s[:4]}...) is in /metrics")
    return len(secrets_)


def server_yaml(name, url, c, extra="", pin=""):
    return (f"  - name: {name}\n    url: {url}\n    api_version: "
            f"{'v3' if name == 'b' else 'auto'}\n"
            f"    username: 'VB365\\monitor'\n    password_file: {c.password_file}\n"
            f"    tls:\n      ca_file: {c.certs}/ca.pem\n" +
            (f"      server_certificate_sha256: '{pin}'\n" if pin else "") +
            f"    timeout: {TIMEOUT if name != 'b' else '5s'}\n"
            f"    max_concurrent_requests: 4\n{extra}")


def run_dns_row(c):
    """A server whose host name never resolves, beside a healthy one."""
    log("row: DNS name that does not resolve")
    yaml = server_yaml("a", f"https://{DNS_NAME}:4443", c) + \
        server_yaml("b", f"https://127.0.0.1:{c.sim_b.port}", c)
    ex = Exporter(c.exporter_bin, c.work, "dns", yaml)
    c.extra_exporters.append(ex)
    try:
        ex.begin("dns")
        m = ex.wait("b up, a failing", lambda m: value(m, "vb365_up", server="b") == 1 and
                    (value(m, "vb365_refresh_failures_total", server="a") or 0) >= 1, 30)
        b0 = stable(m, "b")
        m = ex.wait_refreshes("a", 3)
        check(value(m, "vb365_up", server="a") == 0, "a should be down")
        check(stable(m, "b") == b0, "server b's series changed")
        lines = open(ex.log_path, errors="replace").read().splitlines()
        warn = [l for l in lines if "level=warn" in l and "server=a" in l]
        check(len(warn) == 1, f"{len(warn)} warn lines for a:\n" + "\n".join(warn))
        check(re.search(r'curl error 6: .*resolve', warn[0]), warn[0])
        ex.end()
        slowest, scrapes, note = scrape_verdict(ex, "dns")
        return {"fault": "DNS name that does not resolve",
                "how": "server a's URL host is a name with a 64-character label under "
                "`.invalid` (its own exporter; the resolver refuses it, no query is sent)",
                "shows": "`vb365_up` 0; " + ", ".join(
                    f"`{s}` +{int(d)}" for s, d in moved({}, m, "a")),
                "slowest_ms": slowest * 1000, "scrapes": scrapes, "note": note,
                "log": short_log(warn[0]),
                "warn_lines": len(warn),
                "recovery": "none needed from the exporter: the name never resolves; "
                "server b unaffected"}
    finally:
        ex.stop()


def rss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


NOT_SUPPORTED = []  # rows for faults the exporter cannot be given yet


def sha256_fingerprint(pem_path):
    """"AA:BB:..." of a PEM certificate, as `openssl x509 -fingerprint -sha256`."""
    der = ssl.PEM_cert_to_DER_cert(open(pem_path).read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def markdown(results):
    out = ["| # | fault | how it is made | what /metrics shows during it | slowest "
           "scrape | warn lines | the log line | recovery |",
           "|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(results, 1):
        slow = "—" if r["slowest_ms"] is None else f"{r['slowest_ms']:.1f} ms"
        if r.get("scrapes"):
            slow += f" ({r['scrapes']} scrapes)"
        if r.get("note"):
            slow += f"; {r['note']}"
        warn = "—" if r["warn_lines"] is None else str(r["warn_lines"])
        if r.get("warn_inflight"):
            warn += f" (+{r['warn_inflight']} from the refresh in flight)"
        logl = r["log"] if r["log"] in ("—", "none") else \
            "`" + r["log"].replace("`", "'").replace("|", "\\|") + "`"
        cells = [str(i), r["fault"], r["how"], r["shows"], slow, warn, logl, r["recovery"]]
        out.append("| " + " | ".join(c.replace("\n", " ").replace("|", "\\|")
                                     if j not in (6,) else c
                                     for j, c in enumerate(cells)) + " |")
    return "\n".join(out) + "\n"


def scraper_main(port, out_dir):
    """GET /metrics every SCRAPE_EVERY seconds over one keep-alive connection
    (as Prometheus does): one line "time seconds status" per scrape in
    scrapes.log, the latest good body in latest.prom."""
    parent = os.getppid()
    threading.Thread(target=probe_loop, args=(port, out_dir, parent), daemon=True).start()
    conn = None
    records = open(os.path.join(out_dir, "scrapes.log"), "a")
    latest = os.path.join(out_dir, "latest.prom")
    while os.getppid() == parent:
        started = time.perf_counter()
        wall = time.time()
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            body = r.read()
            status = str(r.status)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = None
            body, status = b"", "error"
        seconds = time.perf_counter() - started
        records.write(f"{wall:.6f} {seconds:.6f} {status}\n")
        records.flush()
        if status == "200":
            with open(latest + ".tmp", "wb") as f:
                f.write(body)
            os.replace(latest + ".tmp", latest)
        time.sleep(max(0.0, SCRAPE_EVERY - (time.perf_counter() - started)))
    return 0


def probe_loop(port, out_dir, parent):
    """GET /-/healthy every PROBE_EVERY seconds over its own keep-alive
    connection: "start seconds status" per probe in probes.log (the control
    that tells a scrape that waited from a machine that was slow)."""
    conn = None
    records = open(os.path.join(out_dir, "probes.log"), "a")
    while os.getppid() == parent:
        started = time.perf_counter()
        wall = time.time()
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/-/healthy")
            r = conn.getresponse()
            r.read()
            status = str(r.status)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = None
            status = "error"
        seconds = time.perf_counter() - started
        records.write(f"{wall:.6f} {seconds:.6f} {status}\n")
        records.flush()
        time.sleep(max(0.0, PROBE_EVERY - (time.perf_counter() - started)))


BEGIN = "<!-- BEGIN GENERATED by tests/e2e/fault_matrix.py (make reliability-doc): do not edit -->"
END = "<!-- END GENERATED -->"


def update_doc(path, table):
    text = open(path).read()
    check(BEGIN in text and END in text, f"{path} lacks the generated-table markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path + ".tmp", "w") as f:
        f.write(head + BEGIN + "\n" + table + END + tail)
    os.replace(path + ".tmp", path)


def netns_available():
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.call(["unshare", "-rn", "sh", "-c", "ip link set lo up"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--scraper":
        return scraper_main(int(sys.argv[2]), sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--rows", default="", help="comma-separated row names (substrings)")
    ap.add_argument("--markdown", default="", help="write the table here ('-': stdout)")
    ap.add_argument("--update-doc", default="",
                    help="rewrite the generated table in this file (docs/reliability.md)")
    ap.add_argument("--no-netns", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if args.update_doc and args.rows:
        ap.error("--update-doc writes the whole table: not with --rows")

    if not args.no_netns and os.environ.get("VB365_FAULT_MATRIX_NETNS") != "1":
        if netns_available():
            env = dict(os.environ, VB365_FAULT_MATRIX_NETNS="1")
            cmd = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                   sys.executable] + sys.argv
            os.execvpe("unshare", cmd, env)
        log("no private network namespace here (unshare -rn); running on 127.0.0.1")
    elif os.environ.get("VB365_FAULT_MATRIX_NETNS") == "1":
        log("running in a private network namespace")

    started = time.time()
    c = Context()
    c.work = tempfile.mkdtemp(prefix="vb365_fault_matrix.")
    c.exporter_bin = args.exporter
    c.extra_exporters = []
    sims, exporters = [], []
    ok = False
    results = []
    try:
        c.certs = os.path.join(c.work, "certs")
        other = os.path.join(c.work, "other_ca")
        for d in (c.certs, other):
            os.makedirs(d)
            subprocess.check_call([GEN_CERTS, d], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        c.password = secrets.token_hex(16)
        c.password_file = os.path.join(c.work, "password")
        fd = os.open(c.password_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (c.password + "\n").encode())
        os.close(fd)
        anchor = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        c.sim_a = Sim(args.simulator, c.work, "a", c.certs, c.password_file,
                      ["--versions=v8", "--jobs=8", "--sessions-per-job=8", "--seed=11",
                       f"--anchor-time={anchor}", "--token-lifetime=600"])
        sims.append(c.sim_a)
        c.sim_b = Sim(args.simulator, c.work, "b", c.certs, c.password_file,
                      ["--versions=v3", "--jobs=6", "--sessions-per-job=8", "--seed=12",
                       f"--anchor-time={anchor}", "--token-lifetime=600"])
        sims.append(c.sim_b)
        c.job_ids = [j["id"] for j in sorted(c.sim_a.jobs(), key=lambda j: j["index"])]
        c.proxy = Proxy(c.sim_a.port, other, c.certs)
        # Server a pins its certificate (and verifies the chain with its CA).
        yaml = server_yaml("a", f"https://127.0.0.1:{c.proxy.port}", c,
                           extra="    licensed_users_interval: 1s\n",
                           pin=sha256_fingerprint(os.path.join(c.certs, "server.pem"))) + \
            server_yaml("b", f"https://127.0.0.1:{c.sim_b.port}", c)
        c.exporter = Exporter(args.exporter, c.work, "main", yaml)
        exporters.append(c.exporter)
        c.exporter.wait("both servers up", lambda m: value(m, "vb365_up", server="a") == 1
                        and value(m, "vb365_up", server="b") == 1, 60)
        wanted = [w.strip().lower() for w in args.rows.split(",") if w.strip()]

        def selected(name):
            return not wanted or any(w in name.lower() for w in wanted)

        failed = []
        for row in rows_main():
            if not selected(row.name):
                continue
            try:
                results.append(run_row(c, row))
                r = results[-1]
                log(f"  ok: slowest {r['slowest_ms']:.1f} ms; {r['shows']}; "
                    f"log: {r['log']}; {r['recovery']}")
            except Failure as e:
                failed.append(row.name)
                log(f"  FAILED: {e}")
                row.clear(c)
                c.sim_a.clear()
                if c.exporter.proc.poll() is not None:
                    break
        for row in rows_resources():
            if not selected(row.name) or c.exporter.proc.poll() is not None:
                continue
            try:
                results.append(run_resource_row(c, row))
                r = results[-1]
                log(f"  ok: slowest {r['slowest_ms']:.1f} ms; {r['shows']}; "
                    f"log: {r['log']}; {r['recovery']}")
            except Failure as e:
                failed.append(row.name)
                log(f"  FAILED: {e}")
                c.sim_a.clear()
        check(not c.exporter.failures(), f"failed scrapes: {c.exporter.failures()[:3]}")
        exporters += []
        for fn, name in ((run_dns_row, "DNS name that does not resolve"),):
            if not selected(name):
                continue
            try:
                results.append(fn(c))
                r = results[-1]
                log(f"  ok: slowest {r['slowest_ms']:.1f} ms; {r['shows']}; log: {r['log']}")
            except Failure as e:
                failed.append(name)
                log(f"  FAILED: {e}")
        n = check_secrets(c, exporters + c.extra_exporters)
        log(f"no secret in any log or /metrics ({n} checked: the password and every "
            "token the simulators issued)")
        rc = c.exporter.stop()
        check(rc == 0, f"the exporter exited with {rc} on SIGTERM")
        results += NOT_SUPPORTED
        summary = (f"Run of {time.strftime('%Y-%m-%d', time.gmtime())} on a "
                   f"{os.cpu_count()}-core machine, "
                   f"{'in a private network namespace' if os.environ.get('VB365_FAULT_MATRIX_NETNS') == '1' else 'on the host loopback'}, "
                   f"{sum(1 for r in results if r['slowest_ms'] is not None)} rows tested "
                   f"and {sum(1 for r in results if r['slowest_ms'] is None)} not supported "
                   f"in {time.time() - started:.0f} s, "
                   f"{sum(r.get('scrapes') or 0 for r in results)} scrapes during faults, "
                   f"{n} secrets searched for in the logs and /metrics, none found.\n\n")
        if args.update_doc and not failed:
            update_doc(args.update_doc, summary + markdown(results))
            log(f"wrote the table to {args.update_doc}")
        if args.markdown:
            table = summary + markdown(results)
            if args.markdown == "-":
                sys.stdout.write(table)
            else:
                with open(args.markdown, "w") as f:
                    f.write(table)
        check(not failed, f"rows failed: {failed}")
        ok = True
        log(f"PASS: {len(results)} rows in {time.time() - started:.0f} s")
    except Failure as e:
        log(f"FAIL: {e}")
    finally:
        for ex in exporters + c.extra_exporters:
            ex.stop()
        for s in sims:
            s.stop()
        if not ok:
            for f in sorted(os.listdir(c.work)):
                if f.endswith(".log"):
                    log(f"----- last lines of {f}")
                    print("\n".join(open(os.path.join(c.work, f), errors="replace")
                                    .read().splitlines()[-25:]), flush=True)
        if args.keep:
            log(f"kept {c.work}")
        else:
            shutil.rmtree(c.work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
