#!/usr/bin/python3
"""Generates the shipped rules, dashboard and PrometheusRule from the mixin.

deploy/mixin/ (jsonnet) is the one source; this writes

  deploy/prometheus/vb365_rules.yml      rules.jsonnet           (recording rules + alerts)
  deploy/grafana/vb365-overview.json     dashboard.jsonnet
  deploy/kubernetes/prometheusrule.yaml  prometheusrule.jsonnet  (the same groups)

Usage (Debian's jsonnet and python3-yaml; `make mixin` runs the first):

  generate.py                  # rewrite the three files
  generate.py --check          # exit 1 if a checked-in file differs from the mixin's output
                               # (or a mixin source is not jsonnetfmt-formatted)
  generate.py --out-dir DIR    # write them under DIR instead (same relative paths)
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.dirname(HERE)

RULES_HEADER = """\
# GENERATED from deploy/mixin/ (rules/, alerts/, config.libsonnet) by
# deploy/mixin/generate.py. Do not edit: edit the mixin and run `make mixin`.
#
# Recording rules and alerts for vb365_exporter (Veeam Backup for Microsoft 365).
# Load with `rule_files: [vb365_rules.yml]` (see prometheus.yml next to this file).
# Tested by vb365_rules_test.yml (`promtool test rules vb365_rules_test.yml`).
#
# The exporter's scrape job must be named "vb365..." (prometheus.yml uses
# "vb365"; a Kubernetes ServiceMonitor gives "vb365-exporter"): the two
# exporter-level alerts select up{job=~"vb365.*"}.
#
# Per-job backup-age threshold (VB365JobNoRecentSuccess): 26 hours unless a
# series named vb365:job_max_backup_age_seconds:override with the labels
# server and job_name exists for that job; its value (seconds) is the
# threshold. Define overrides as recording rules in a file of your own, e.g.
# vb365_overrides.example.yml next to this file:
#
#   - record: vb365:job_max_backup_age_seconds:override
#     expr: vector(8 * 86400)
#     labels: {server: east, job_name: Weekly archive}

"""

PROMETHEUSRULE_HEADER = """\
# GENERATED from deploy/mixin/ (prometheusrule.jsonnet) by deploy/mixin/generate.py.
# Do not edit: edit the mixin and run `make mixin`. Same groups as
# deploy/prometheus/vb365_rules.yml.
"""

# (entry file, output relative to deploy/, kind, header)
OUTPUTS = [
    ("rules.jsonnet", "prometheus/vb365_rules.yml", "yaml", RULES_HEADER),
    ("dashboard.jsonnet", "grafana/vb365-overview.json", "json", ""),
    ("prometheusrule.jsonnet", "kubernetes/prometheusrule.yaml", "yaml", PROMETHEUSRULE_HEADER),
]

# jsonnet sorts object keys; YAML readers expect this order (the rest follow
# alphabetically).
KEY_ORDER = ["apiVersion", "kind", "metadata", "spec", "name", "interval", "record", "alert",
             "expr", "for", "labels", "annotations", "summary", "description"]


# While a description is folded, the spaces inside its Prometheus templates
# ({{ $value | humanize }}) are a private-use character, so no line breaks there.
_TEMPLATE = re.compile(r"{{.*?}}")
_NBSP = "\ue000"


class _Folded(str):
    """A description: written as a folded block (`>-`), broken at spaces."""


def _ordered(value, key=None):
    if isinstance(value, dict):
        rank = {k: i for i, k in enumerate(KEY_ORDER)}
        keys = sorted(value, key=lambda k: (rank.get(k, len(KEY_ORDER)), k))
        return {k: _ordered(value[k], k) for k in keys}
    if key == "description" and isinstance(value, str) and "\n" not in value:
        return _Folded(_TEMPLATE.sub(lambda m: m.group(0).replace(" ", _NBSP), value))
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Block style like a hand-written rule file: list items indented under
    their key, PromQL with line breaks as literal blocks, long text folded."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _str_representer(dumper, value):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _folded_representer(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=">")


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(_Folded, _folded_representer)


def to_yaml(data):
    if _NBSP in json.dumps(data, ensure_ascii=False):
        raise RuntimeError("the mixin's output contains U+E000, used by the YAML folding")
    text = yaml.dump(_ordered(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=80, indent=2)
    return text.replace(_NBSP, " ")


def evaluate(jsonnet, entry):
    r = subprocess.run([jsonnet, os.path.join(HERE, entry)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"jsonnet {entry} failed:\n{r.stderr}")
    return json.loads(r.stdout)


def render(jsonnet):
    """Returns {path relative to deploy/: text} for every generated file."""
    out = {}
    for entry, rel, kind, header in OUTPUTS:
        data = evaluate(jsonnet, entry)
        if kind == "yaml":
            text = header + to_yaml(data)
            if yaml.safe_load(text) != data:  # the emitter must not change a value
                raise RuntimeError(f"{rel}: YAML does not read back as the mixin's output")
        else:
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        out[rel] = text
    return out


def check_format(jsonnetfmt):
    """Returns the number of mixin sources that jsonnetfmt would change."""
    if not os.path.exists(jsonnetfmt):
        jsonnetfmt = shutil.which("jsonnetfmt")
    if not jsonnetfmt:
        print("jsonnetfmt not found (Debian package jsonnet)", file=sys.stderr)
        return 1
    bad = 0
    for root, _, names in os.walk(HERE):
        for name in sorted(names):
            if name.endswith((".jsonnet", ".libsonnet")):
                path = os.path.join(root, name)
                if subprocess.run([jsonnetfmt, "--test", path]).returncode != 0:
                    print(f"{path}: not formatted; run jsonnetfmt -i {path}", file=sys.stderr)
                    bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="fail if a checked-in file differs from the mixin's output")
    ap.add_argument("--out-dir", default=DEPLOY, help="deploy/ directory to write or check")
    ap.add_argument("--jsonnet", default=shutil.which("jsonnet") or "jsonnet")
    args = ap.parse_args()

    try:
        files = render(args.jsonnet)
    except (RuntimeError, OSError) as e:
        print(e, file=sys.stderr)
        return 1
    bad = 0
    if args.check:
        bad += check_format(os.path.join(os.path.dirname(args.jsonnet), "jsonnetfmt"))
    for rel, text in files.items():
        path = os.path.join(args.out_dir, rel)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    current = f.read()
            except OSError as e:
                print(f"{path}: {e.strerror}", file=sys.stderr)
                bad += 1
                continue
            if current != text:
                diff = difflib.unified_diff(text.splitlines(True), current.splitlines(True),
                                            "mixin output", path, n=1)
                print(f"{path} differs from the mixin (hand-edited, or the mixin changed "
                      "without `make mixin`):", file=sys.stderr)
                sys.stderr.writelines(list(diff)[:40])
                bad += 1
            else:
                print(f"{path}: matches the mixin")
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
