#!/bin/bash
# End-to-end: two sharded exporter replicas, 20 VB365 servers, one real
# Prometheus with the shipped /probe config.
#
#   prometheus_shards_e2e.sh SIMULATOR_BINARY EXPORTER_BINARY
#
# 1. One simulator process stands for the 20 servers: --extra-listeners 19
#    gives it 20 ports (same data), and it counts logins per port, so each
#    port is one server's login counter.
# 2. The exporter config names 20 servers srv-00..srv-19, one port each; two
#    replicas read it with --servers.shard=0/2 and 1/2.
# 3. deploy/prometheus/vb365_probe_targets.py writes the file_sd targets (each
#    server at the replica that serves it); Prometheus runs
#    deploy/prometheus/probe.yml derived by prometheus_shards_config.py
#    (1s intervals, hashmod modulus 1 for one Prometheus server).
# 4. prometheus_shards_check.py: every server is a target with up 1, each
#    server's jobs appear exactly once, each port saw exactly one login (no
#    server logged in to by two replicas, none by none).
# 5. Replica 1 is killed: up is 0 for exactly the servers of shard 1.
# Everything binds 127.0.0.1 and is killed on exit (trap).
set -euo pipefail

sim_bin=${1:?usage: prometheus_shards_e2e.sh SIMULATOR EXPORTER}
exporter_bin=${2:?usage: prometheus_shards_e2e.sh SIMULATOR EXPORTER}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/chain.sh
. "$root/tests/lib/chain.sh"
promtool_bin=${PROMTOOL:-promtool}
servers=20
jobs=3

chain_scratch vb365_e2e_shards

die() { echo "prometheus_shards_e2e: $*" >&2; exit 1; }

# 1. One simulator, 20 listening ports.
chain_secrets "$tmp"
# No copy jobs: the count per server below is of the backup jobs.
chain_start_simulator "$sim_bin" "$tmp" --versions v8 --jobs "$jobs" --copy-jobs 0 --sessions-per-job 3 \
  --extra-listeners $((servers - 1)) --threads 2 --exit-after 600 --quiet
wait_for "the simulator's $servers ports" 30 test "$(wc -l < "$tmp/simulator.port")" -eq "$servers"
mapfile -t ports < "$tmp/simulator.port"

# 2. The config (20 servers) and two replicas.
{ echo "refresh_interval: 1s"
  echo "servers:"
  for i in $(seq 0 $((servers - 1))); do
    sim_port=${ports[$i]} chain_server_yaml "$(printf 'srv-%02d' "$i")" v8 "$tmp"
  done
} > "$tmp/vb365_exporter.yml"
"$exporter_bin" --config.file="$tmp/vb365_exporter.yml" --config.check >/dev/null \
  || die "exporter rejects the test config"
exporter_ports=()
exporter_pids=()
for shard in 0 1; do
  for attempt in 1 2 3; do
    port=$(free_port)
    "$exporter_bin" --config.file="$tmp/vb365_exporter.yml" --servers.shard="$shard/2" \
      --web.listen-address="127.0.0.1:$port" --log.level=info >"$tmp/exporter$shard.log" 2>&1 &
    pid=$!
    sleep 0.3
    if kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); break; fi
    [ "$attempt" -lt 3 ] || die "exporter replica $shard does not start"
  done
  exporter_ports+=("$port")
  exporter_pids+=("$pid")
done

# 3. Targets and Prometheus.
"$py" "$root/deploy/prometheus/vb365_probe_targets.py" "$tmp/vb365_exporter.yml" 2 \
  "127.0.0.1:${exporter_ports[0]},127.0.0.1:${exporter_ports[1]}" > "$tmp/targets.json"
"$py" "$here/prometheus_shards_config.py" "$root/deploy/prometheus/probe.yml" \
  "$tmp/prometheus.yml" "$tmp/targets.json" \
  "127.0.0.1:${exporter_ports[0]}" "127.0.0.1:${exporter_ports[1]}"
"$promtool_bin" check config "$tmp/prometheus.yml" >/dev/null || die "derived prometheus.yml is invalid"
chain_start_prometheus "$tmp" "$tmp/prometheus.yml"

check() {
  "$py" "$here/prometheus_shards_check.py" "http://127.0.0.1:$prom_port" \
    "https://127.0.0.1:${ports[0]}" "$tmp/certs/ca.pem" "$tmp/vb365_exporter.yml" \
    "$servers" "$jobs" "$1"
}
# 4. Every server once, one login each.
check all
# 5. Replica 1 goes away: up 0 for exactly its share.
kill "${exporter_pids[1]}"
wait "${exporter_pids[1]}" 2>/dev/null || true
kept=()
for pid in "${pids[@]}"; do [ "$pid" = "${exporter_pids[1]}" ] || kept+=("$pid"); done
pids=("${kept[@]}")
check down=1/2
echo "e2e_prometheus_shards: PASS"
