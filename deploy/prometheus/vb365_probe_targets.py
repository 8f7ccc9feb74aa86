#!/usr/bin/python3
"""Writes the file_sd targets of deploy/prometheus/probe.yml from the
exporter's config file: one target per server (its name), grouped by the
exporter replica that serves it under --servers.shard=I/N, that replica's
address in the __vb365_exporter label.

The shard of a server is FNV-1a 64 of its name's UTF-8 bytes mod N, the hash
vb365_exporter uses (exporter/config/src/shard.cc; pinned by its tests).

  vb365_probe_targets.py CONFIG REPLICAS ADDRESS_TEMPLATE > targets.json
  e.g. vb365_probe_targets.py vb365_exporter.yml 3 \\
         'vb365-exporter-{i}.vb365-exporter-shards:9865'

ADDRESS_TEMPLATE's {i} becomes the replica index (0..N-1); without {i} it is
a comma-separated list of the N replicas' addresses, in shard order. With
REPLICAS 1 every server goes to the one address.
"""
import json
import sys

import yaml  # Debian python3-yaml


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def shard_of(name: str, replicas: int) -> int:
    return fnv1a64(name.encode("utf-8")) % replicas if replicas > 1 else 0


def address(template: str, replicas: int, i: int) -> str:
    if "{i}" in template:
        return template.format(i=i)
    addresses = template.split(",")
    if len(addresses) != replicas:
        raise SystemExit(f"want {replicas} comma-separated addresses or a template with {{i}}")
    return addresses[i]


def targets(config_path: str, replicas: int, template: str):
    with open(config_path, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    groups = {}
    for server in config.get("servers") or []:
        groups.setdefault(shard_of(server["name"], replicas), []).append(server["name"])
    return [{"targets": names, "labels": {"__vb365_exporter": address(template, replicas, i)}}
            for i, names in sorted(groups.items())]


def main(argv):
    if len(argv) != 4 or not argv[2].isdigit() or int(argv[2]) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(targets(argv[1], int(argv[2]), argv[3]), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
