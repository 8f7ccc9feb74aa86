"""What the load benchmarks (soak.py, receive.py, compare_load.py) share.

The simulator over HTTPS with a throwaway CA on 127.0.0.1 (port 0: it says
its port in the ready file), the exporter started against a config text,
/proc figures of a process, and stopping what was started. Everything binds
to loopback and stops by itself (the simulator's --exit-after).
"""
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_figures(pid):
    """(CPU seconds user+system, VmRSS kB) of pid from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    return cpu, status_kb(pid, "VmRSS")


def status_kb(pid, key):
    """A kB line of /proc/PID/status (VmRSS, VmHWM), 0 when absent."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_for(what, seconds, check, proc=None):
    """check() until it returns something true; fails after seconds or when
    proc has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited (code {proc.returncode})")
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {seconds} s waiting for {what}")


def stop(*procs):
    """terminate, then kill what is still there after 10 s."""
    for p in procs:
        if p is not None and p.poll() is None:
            p.terminate()
    for p in procs:
        if p is None:
            continue
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Simulator:
    """vb365_simulator on 127.0.0.1:PORT (0: any) over HTTPS, its CA and
    password file in tmp; args are the simulator's data options (with
    --extra-listeners N among them, listeners=N+1: self.ports)."""

    def __init__(self, simulator, tmp, args, port=0, password="bench-password",
                 exit_after=900, listeners=1):
        subprocess.run(["bash", os.path.join(ROOT, "tests/simulator/gen_certs.sh"), tmp],
                       check=True, capture_output=True)
        self.ca_file = os.path.join(tmp, "ca.pem")
        self.password_file = os.path.join(tmp, "password")
        with open(self.password_file, "w") as f:
            f.write(password + "\n")
        ready = os.path.join(tmp, "sim.ready")
        self.log = open(os.path.join(tmp, "sim.log"), "w")
        self.proc = subprocess.Popen(
            [simulator, "--listen", f"127.0.0.1:{port}", "--ready-file", ready,
             "--tls-cert", os.path.join(tmp, "server.pem"),
             "--tls-key", os.path.join(tmp, "server.key"),
             "--password-file", self.password_file,
             "--exit-after", str(exit_after), "--quiet"] + list(args),
            stdout=self.log, stderr=self.log)
        # The ready file names every listener's port (--extra-listeners).
        def ports():
            if not os.path.exists(ready):
                return None
            found = [int(p) for p in open(ready).read().split()]
            return found if len(found) == listeners else None
        self.ports = wait_for("the simulator", 120, ports, self.proc)
        self.port = self.ports[0]
        self.ctx = ssl.create_default_context(cafile=self.ca_file)

    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def control(self, path, body=None):
        req = urllib.request.Request(
            self.url() + path, method="POST",
            data=json.dumps(body).encode() if body is not None else b"",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return r.read()

    def stats(self):
        with urllib.request.urlopen(self.url() + "/_sim/stats", context=self.ctx,
                                    timeout=10) as r:
            return json.load(r)

    def stop(self):
        stop(self.proc)


def start_exporter(exporter, tmp, config_text, args=(), log_level="warn"):
    """vb365_exporter with config_text as its config file on a free loopback
    port; returns (process, port). Its output goes to tmp/exporter.log."""
    config = os.path.join(tmp, "exporter.yml")
    with open(config, "w") as f:
        f.write(config_text)
    port = free_port()
    log = open(os.path.join(tmp, "exporter.log"), "w")
    proc = subprocess.Popen(
        [exporter, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
         f"--log.level={log_level}"] + list(args),
        stdout=log, stderr=log)
    return proc, port


def exporter_log_tail(tmp, chars=2000):
    with open(os.path.join(tmp, "exporter.log")) as f:
        return f.read()[-chars:]


def server_config(name, sim, api_version, extra="", port=None):
    """One servers: entry for the simulator (its CA, its password file), on
    its first listener or on `port`."""
    url = f"https://127.0.0.1:{port}" if port else sim.url()
    return (f"  - name: {name}\n    url: {url}\n    api_version: {api_version}\n"
            f"    username: 'VB365\\monitor'\n    password_file: {sim.password_file}\n"
            f"{extra}    tls:\n      ca_file: {sim.ca_file}\n")
