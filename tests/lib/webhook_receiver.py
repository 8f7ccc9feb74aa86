#!/usr/bin/python3
"""A webhook receiver for Alertmanager, for the end-to-end test and the demo.

Listens on 127.0.0.1 (port 0: any free port), appends every POSTed JSON
notification to OUT_JSONL as one line {"path": ..., "body": {...}}, answers
200, and writes the bound port to READY_FILE (atomically) once listening.
Stops on SIGTERM/SIGINT or after --exit-after seconds (safety net; 0: never,
for the demo, which its own trap stops).

Usage: webhook_receiver.py READY_FILE OUT_JSONL [--port 0] [--exit-after 600]
"""
import argparse
import http.server
import json
import os
import signal
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ready_file")
    ap.add_argument("out_jsonl")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--exit-after", type=float, default=600)
    args = ap.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            with lock, open(args.out_jsonl, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            sys.stderr.write("webhook_receiver: " + (fmt % a) + "\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    open(args.out_jsonl, "a", encoding="utf-8").close()
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, args.ready_file)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_after > 0:
        timer = threading.Timer(args.exit_after, stop)
        timer.daemon = True
        timer.start()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
