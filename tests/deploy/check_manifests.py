#!/usr/bin/python3
"""Offline checks of deploy/: every YAML file parses, and the Kubernetes
manifests fit together (what `kubectl apply` cannot tell us on this machine).

- every *.yml / *.yaml under deploy/ parses (all documents);
- deploy/kubernetes: each document has apiVersion, kind, metadata.name; the
  kustomization lists exactly the manifests; the Service selects the
  Deployment's pods and targets a port the container has; the ServiceMonitor
  selects the Service and scrapes one of its ports; the Deployment mounts the
  ConfigMap and Secret that exist, runs as non-root with a read-only root
  filesystem and one replica; the --storage.state-file lies on a mounted,
  writable PersistentVolumeClaim that exists; every file the exporter config names under the
  Secret's mount is a key of the Secret; the PrometheusRule carries the same
  groups as deploy/prometheus/vb365_rules.yml;
- deploy/kubernetes/sharded (the StatefulSet variant): its kustomization lists
  exactly its files; the headless Service selects the StatefulSet's pods and
  is its serviceName; the ServiceMonitor selects that Service; the container
  runs --servers.shard=$(SHARD_INDEX)/$(SHARD_COUNT) with SHARD_INDEX from the
  pod-index label and SHARD_COUNT equal to spec.replicas; it mounts the
  single-replica variant's ConfigMap and Secret at the same paths, with the
  same args otherwise and the same hardening;
- the Grafana provisioning files have apiVersion 1;
- deploy/prometheus/vb365_probe_targets.py hashes server names as the
  exporter does (the values pinned by tests/unit/shard_test.cc).

Usage: check_manifests.py DEPLOY_DIR
"""
import os
import sys

import yaml  # Debian python3-yaml

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)
    return cond


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def main(deploy):
    docs = {}
    for root, _, files in os.walk(deploy):
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")):
                path = os.path.join(root, name)
                try:
                    docs[os.path.relpath(path, deploy)] = load_all(path)
                except yaml.YAMLError as e:
                    errors.append(f"{path}: {e}")
    check(len(docs) >= 10, f"expected the deploy YAML files, found {sorted(docs)}")

    k8s = {rel: d for rel, d in docs.items()
           if rel.startswith("kubernetes/") and not rel.startswith("kubernetes/sharded/")}
    by_kind = {}
    for rel, ds in k8s.items():
        for d in ds:
            if d.get("kind") == "Kustomization":
                continue
            for key in ("apiVersion", "kind"):
                check(d.get(key), f"{rel}: no {key}")
            check((d.get("metadata") or {}).get("name"), f"{rel}: no metadata.name")
            by_kind.setdefault(d.get("kind"), []).append(d)
    for kind in ("Deployment", "Service", "Secret", "ConfigMap", "ServiceMonitor", "PrometheusRule"):
        if not check(len(by_kind.get(kind, [])) == 1, f"kubernetes: expected one {kind}"):
            return
    dep, svc, sec = by_kind["Deployment"][0], by_kind["Service"][0], by_kind["Secret"][0]
    cm, sm, pr = by_kind["ConfigMap"][0], by_kind["ServiceMonitor"][0], by_kind["PrometheusRule"][0]

    kust = docs.get("kubernetes/kustomization.yaml", [{}])[0]
    listed = sorted(kust.get("resources", []))
    present = sorted(os.path.basename(r) for r in k8s if not r.endswith("kustomization.yaml"))
    check(listed == present, f"kustomization resources {listed} != files {present}")

    pod = dep["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    check(dep["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(),
          "Deployment selector does not match its pod labels")
    check(dep["spec"].get("replicas") == 1, "Deployment must run one replica (per-job alerts would double)")
    check(svc["spec"]["selector"].items() <= pod_labels.items(), "Service selector does not match the pods")
    (container,) = pod["spec"]["containers"]
    cports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    for p in svc["spec"]["ports"]:
        tp = p.get("targetPort")
        check(tp in cports or tp in cports.values(), f"Service targetPort {tp} is not a container port {cports}")
    check(sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items(),
          "ServiceMonitor does not select the Service")
    svc_ports = {p["name"] for p in svc["spec"]["ports"]}
    for ep in sm["spec"]["endpoints"]:
        check(ep.get("port") in svc_ports, f"ServiceMonitor port {ep.get('port')} not in Service {svc_ports}")
    check(svc["metadata"]["name"].startswith("vb365"),
          "Service name (the scrape job label) must start with vb365: the rules select up{job=~\"vb365.*\"}")

    psc, csc = pod["spec"].get("securityContext", {}), container.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0, "pod must run as non-root")
    check(csc.get("readOnlyRootFilesystem") is True, "container needs readOnlyRootFilesystem")
    check(csc.get("allowPrivilegeEscalation") is False, "container must not allow privilege escalation")

    vols = {v["name"]: v for v in pod["spec"]["volumes"]}
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    check(set(vols) == set(mounts), f"volumes {set(vols)} != mounts {set(mounts)}")
    secret_vol = [n for n, v in vols.items() if "secret" in v]
    cm_vol = [n for n, v in vols.items() if "configMap" in v]
    check(len(secret_vol) == 1 and vols[secret_vol[0]]["secret"]["secretName"] == sec["metadata"]["name"],
          "Deployment must mount the Secret")
    check(len(cm_vol) == 1 and vols[cm_vol[0]]["configMap"]["name"] == cm["metadata"]["name"],
          "Deployment must mount the ConfigMap")
    state_args = [a for a in container.get("args", []) if a.startswith("--storage.state-file=")]
    if check(len(state_args) == 1, "Deployment must pass --storage.state-file (counters survive restarts)"):
        state_path = state_args[0].split("=", 1)[1]
        state_mounts = [m for m in container["volumeMounts"]
                        if state_path.startswith(m["mountPath"].rstrip("/") + "/")]
        check(len(state_mounts) == 1 and not state_mounts[0].get("readOnly"),
              f"state file {state_path} is not on one writable volume mount")
        if state_mounts:
            claim = (vols[state_mounts[0]["name"]].get("persistentVolumeClaim") or {}).get("claimName")
            claims = [d["metadata"]["name"] for d in by_kind.get("PersistentVolumeClaim", [])]
            check(claim in claims, f"state volume's claim {claim} is not one of the PVCs {claims}")
    if errors:
        return
    secret_dir = mounts[secret_vol[0]]["mountPath"].rstrip("/") + "/"
    cm_mount = mounts[cm_vol[0]]
    config_path = cm_mount["mountPath"]
    args = container.get("args", [])
    check(f"--config.file={config_path}" in args, f"args {args} do not load the mounted config {config_path}")
    check(cm_mount.get("subPath") in cm["data"], "ConfigMap has no key for the mounted subPath")
    config = yaml.safe_load(cm["data"][cm_mount["subPath"]])
    secret_keys = set((sec.get("stringData") or {}).keys()) | set((sec.get("data") or {}).keys())
    for server in config["servers"]:
        for path in (server.get("password_file"), (server.get("tls") or {}).get("ca_file")):
            if path:
                check(path.startswith(secret_dir) and path[len(secret_dir):] in secret_keys,
                      f"config names {path}, not a key of the Secret mounted at {secret_dir}")

    check_sharded(docs, dep, svc, sm)
    check_probe_targets_hash(deploy)

    rules = docs["prometheus/vb365_rules.yml"][0]
    check(pr["spec"]["groups"] == rules["groups"],
          "PrometheusRule groups differ from deploy/prometheus/vb365_rules.yml (both are generated by deploy/mixin/generate.py: run `make mixin`)")

    for rel in ("grafana/provisioning/datasources/vb365-prometheus.yml",
                "grafana/provisioning/dashboards/vb365.yml"):
        check(rel in docs and docs[rel][0].get("apiVersion") == 1, f"{rel}: apiVersion 1 expected")


def check_probe_targets_hash(deploy):
    sys.dont_write_bytecode = True  # nothing written into deploy/
    sys.path.insert(0, os.path.join(deploy, "prometheus"))
    import vb365_probe_targets as t  # noqa: E402
    check(t.fnv1a64(b"") == 0xCBF29CE484222325 and t.fnv1a64(b"foobar") == 0x85944171F73967E8,
          "vb365_probe_targets.py: FNV-1a 64 differs from the reference vectors")
    pinned = {("east", 3): 2, ("west", 2): 0, ("sim-00", 2): 1, ("sim-01", 2): 0, ("x", 1): 0}
    for (name, n), want in pinned.items():
        check(t.shard_of(name, n) == want,
              f"vb365_probe_targets.py: {name} mod {n} -> {t.shard_of(name, n)}, the exporter says {want}")


def check_sharded(docs, dep, svc, sm):
    """The StatefulSet variant against the single-replica Deployment."""
    sharded = {rel: d for rel, d in docs.items() if rel.startswith("kubernetes/sharded/")}
    kust = sharded.get("kubernetes/sharded/kustomization.yaml", [{}])[0]
    present = sorted(os.path.basename(r) for r in sharded if not r.endswith("kustomization.yaml"))
    check(sorted(kust.get("resources", [])) == present,
          f"sharded kustomization resources {kust.get('resources')} != files {present}")
    by_kind = {}
    for rel, ds in sharded.items():
        for d in ds:
            if d.get("kind") != "Kustomization":
                by_kind.setdefault(d.get("kind"), []).append(d)
    for kind in ("StatefulSet", "Service", "ServiceMonitor"):
        if not check(len(by_kind.get(kind, [])) == 1, f"kubernetes/sharded: expected one {kind}"):
            return
    sts, hsvc, hsm = by_kind["StatefulSet"][0], by_kind["Service"][0], by_kind["ServiceMonitor"][0]
    pod = sts["spec"]["template"]
    labels = pod["metadata"]["labels"]
    check(sts["spec"]["selector"]["matchLabels"].items() <= labels.items(),
          "StatefulSet selector does not match its pod labels")
    check(hsvc["spec"].get("clusterIP") == "None", "the sharded Service must be headless (clusterIP: None)")
    check(sts["spec"].get("serviceName") == hsvc["metadata"]["name"],
          "StatefulSet serviceName must be the headless Service")
    check(hsvc["spec"]["selector"].items() <= labels.items(), "sharded Service does not select the pods")
    check(hsm["spec"]["selector"]["matchLabels"].items() <= hsvc["metadata"]["labels"].items(),
          "sharded ServiceMonitor does not select the headless Service")
    check(hsvc["metadata"]["name"].startswith("vb365"),
          "sharded Service name (the scrape job) must start with vb365")
    check(not (labels.items() <= svc["spec"]["selector"].items()),
          "the single-replica Service would select the sharded pods too")
    (c,) = pod["spec"]["containers"]
    env = {e["name"]: e for e in c.get("env", [])}
    replicas = sts["spec"].get("replicas")
    check(isinstance(replicas, int) and replicas >= 2, "StatefulSet should run at least 2 replicas")
    check("--servers.shard=$(SHARD_INDEX)/$(SHARD_COUNT)" in c.get("args", []),
          "container must run --servers.shard=$(SHARD_INDEX)/$(SHARD_COUNT)")
    field = ((env.get("SHARD_INDEX") or {}).get("valueFrom") or {}).get("fieldRef") or {}
    check(field.get("fieldPath") == "metadata.labels['apps.kubernetes.io/pod-index']",
          "SHARD_INDEX must come from the pod-index label (the ordinal)")
    check((env.get("SHARD_COUNT") or {}).get("value") == str(replicas),
          f"SHARD_COUNT {env.get('SHARD_COUNT')} must equal spec.replicas {replicas}")
    (dc,) = dep["spec"]["template"]["spec"]["containers"]
    other_args = [a for a in c.get("args", []) if not a.startswith("--servers.shard=")]
    # The state volume is a per-replica claim template, not the Deployment's
    # one shared claim.
    dep_volumes = [v for v in dep["spec"]["template"]["spec"].get("volumes", []) if v["name"] != "state"]
    templates = {t["metadata"]["name"]: t for t in sts["spec"].get("volumeClaimTemplates", [])}
    check("state" in templates
          and (templates["state"].get("spec") or {}).get("accessModes") == ["ReadWriteOnce"],
          "the StatefulSet needs a ReadWriteOnce volumeClaimTemplate 'state' for each replica's state file")
    check(other_args == dc.get("args"), f"sharded args {other_args} differ from the Deployment's {dc.get('args')}")
    check(c.get("volumeMounts") == dc.get("volumeMounts"), "sharded mounts differ from the Deployment's")
    check(pod["spec"].get("volumes") == dep_volumes,
          "sharded volumes (ConfigMap, Secret) differ from the Deployment's")
    check(pod["spec"].get("securityContext") == dep["spec"]["template"]["spec"].get("securityContext")
          and c.get("securityContext") == dc.get("securityContext"),
          "sharded pods must keep the Deployment's hardening")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
    for e in errors:
        print(f"FAIL: {e}", file=sys.stderr)
    if not errors:
        print("deploy manifests OK")
    sys.exit(1 if errors else 0)
