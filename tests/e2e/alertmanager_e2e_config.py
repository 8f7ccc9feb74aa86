#!/usr/bin/python3
"""Derives an Alertmanager config for a test or the demo from the shipped one.

Reads deploy/alertmanager/alertmanager.yml and writes OUT_YML with the same
routes, grouping, inhibit rules and receivers, except:
- every webhook URL becomes WEBHOOK_BASE/<receiver name> (a local listener,
  tests/lib/webhook_receiver.py, which sees by the path which receiver a
  notification was routed to);
- with --group-wait / --group-interval, every route that sets them (and the
  root) uses these instead (a test cannot wait the shipped 30 s / 5 min).
A receiver with any other kind of integration (email, Slack, ...) stops the
derivation: the test could not see where its notifications go.

Usage: alertmanager_e2e_config.py SHIPPED_YML OUT_YML WEBHOOK_BASE
         [--group-wait 1s] [--group-interval 1s]
"""
import argparse
import sys

import yaml  # Debian python3-yaml


def routes(route):
    yield route
    for child in route.get("routes", []):
        yield from routes(child)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shipped")
    ap.add_argument("out")
    ap.add_argument("webhook_base", help="e.g. http://127.0.0.1:PORT")
    ap.add_argument("--group-wait")
    ap.add_argument("--group-interval")
    args = ap.parse_args()
    with open(args.shipped, encoding="utf-8") as f:
        config = yaml.safe_load(f)

    hooks = 0
    for receiver in config.get("receivers", []):
        others = [k for k in receiver if k.endswith("_configs") and k != "webhook_configs"]
        if others:
            raise SystemExit(f"receiver {receiver['name']}: {others} cannot be redirected to the "
                             "test's webhook listener")
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = f"{args.webhook_base.rstrip('/')}/{receiver['name']}"
            hooks += 1
    if not hooks:
        raise SystemExit("no webhook receiver in the shipped config")
    for route in routes(config["route"]):
        for key, value in (("group_wait", args.group_wait), ("group_interval", args.group_interval)):
            if value and (key in route or route is config["route"]):
                route[key] = value

    with open(args.out, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    print(f"alertmanager config {args.out}: {hooks} webhooks to {args.webhook_base}"
          + (f", group_wait {args.group_wait}" if args.group_wait else "")
          + (f", group_interval {args.group_interval}" if args.group_interval else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
