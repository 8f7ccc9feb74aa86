#!/usr/bin/python3
"""Derives the e2e Prometheus config from deploy/prometheus/probe.yml: the
shipped scrape jobs and relabelling, with 1s intervals, one Prometheus server
(hashmod modulus 1), the file_sd path and the exporters' own /metrics
targets set, and no rule files (the rules run in e2e_prometheus).

  prometheus_shards_config.py PROBE_YML OUT_YML TARGETS_JSON EXPORTER_ADDR...
"""
import sys

import yaml  # Debian python3-yaml


def main(probe_yml, out, targets_json, exporters):
    with open(probe_yml, encoding="utf-8") as f:
        config = yaml.safe_load(f)
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config.pop("rule_files", None)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    probe = jobs["vb365"]
    probe["file_sd_configs"] = [{"files": [targets_json], "refresh_interval": "1s"}]
    hashmods = [r for r in probe["relabel_configs"] if r.get("action") == "hashmod"]
    assert len(hashmods) == 1, "probe.yml should shard with one hashmod rule"
    hashmods[0]["modulus"] = 1
    jobs["exporter_vb365_self"]["static_configs"] = [{"targets": exporters}]
    with open(out, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, sort_keys=False)


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
