#!/usr/bin/python3
"""The exporter accepts the configs shipped in deploy/ (`--config.check`).

deploy/vb365_exporter.yml and the config inside deploy/kubernetes/configmap.yaml
name files that exist only on a real host (/run/credentials/..., /etc/...). The
paths are moved into a temporary directory holding a password file and a real
CA certificate (tests/simulator/gen_certs.sh) for each, and the exporter's
`--config.check` must accept every config unchanged otherwise.

Usage: check_example_configs.py EXPORTER REPO_ROOT
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml  # Debian python3-yaml


def main(exporter, root):
    deploy = os.path.join(root, "deploy")
    with open(os.path.join(deploy, "vb365_exporter.yml"), encoding="utf-8") as f:
        example = f.read()
    with open(os.path.join(deploy, "kubernetes", "configmap.yaml"), encoding="utf-8") as f:
        configmap = yaml.safe_load(f)
    configs = {"deploy/vb365_exporter.yml": example,
               "deploy/kubernetes/configmap.yaml": configmap["data"]["vb365_exporter.yml"]}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        certs = os.path.join(tmp, "certs")
        os.mkdir(certs)
        subprocess.run([os.path.join(root, "tests", "simulator", "gen_certs.sh"), certs], check=True)
        with open(os.path.join(certs, "ca.pem"), encoding="utf-8") as f:
            ca_pem = f.read()
        for name, text in configs.items():
            # Every absolute path in a *_file key moves under tmp/files.
            def move(m):
                key, path = m.group(1), m.group(2)
                target = os.path.join(tmp, "files", path.lstrip("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as out:
                    out.write(ca_pem if key == "ca_file" else "not-the-real-password\n")
                return f"{key}: {target}"
            moved, n = re.subn(r"\b(password_file|ca_file):\s*(/\S+)", move, text)
            if n == 0:
                print(f"FAIL: {name}: no password_file/ca_file found", file=sys.stderr)
                failures += 1
                continue
            path = os.path.join(tmp, os.path.basename(name) + ".checked.yml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(moved)
            r = subprocess.run([exporter, f"--config.file={path}", "--config.check"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"FAIL: {name} rejected:\n{r.stdout}{r.stderr}", file=sys.stderr)
                failures += 1
            else:
                print(f"{name}: accepted ({n} files moved) {r.stdout.strip()}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
