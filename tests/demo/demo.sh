#!/bin/bash
# `make demo`: the whole chain on this machine, on 127.0.0.1 only.
#
#   tests/demo/demo.sh BUILD_DIR
#
# - a throwaway CA and server certificate (tests/simulator/gen_certs.sh);
# - the VB365 simulator with a few dozen jobs (job 1 always fails, job 2 ends
#   with warnings, job 3 runs, job 4 is disabled, some others fail now and
#   then) and time moving (a new session per job every 2 minutes);
# - vb365_exporter reading it over verified HTTPS (API v8, as server "demo");
# - Prometheus with the shipped scrape config and rules (deploy/prometheus/),
#   scraping and evaluating every 5 seconds, on 127.0.0.1:9090 (or a free
#   port when 9090 is taken). The failing job's VB365JobFailed alert fires
#   about a minute after the start (its `for:` is 1m) at /alerts.
# State lives in .demo/ (gitignored); Ctrl-C stops everything.
set -euo pipefail

build=${1:?usage: demo.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
# shellcheck source-path=SCRIPTDIR source=../lib/chain.sh
. "$root/tests/lib/chain.sh"

# The binaries: where CMake puts them, else wherever they are in the build tree.
find_bin() {
  local name=$1 expected=$2
  if [ -x "$build/$expected" ]; then echo "$build/$expected"; return; fi
  local found
  found=$(find "$build" -type f -name "$name" -perm -u+x 2>/dev/null | head -n 1)
  [ -n "$found" ] || { echo "demo: $name not found under $build (run make build)" >&2; exit 1; }
  echo "$found"
}
sim_bin=$(find_bin vb365_simulator tests/simulator/vb365_simulator)
exporter_bin=$(find_bin vb365_exporter exporter/app/vb365_exporter)
for tool in prometheus curl openssl; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make deps)" >&2; exit 1; }
done

state=$root/.demo
rm -rf "$state"
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping the demo..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped. Logs are in $state/."
}
trap cleanup EXIT
trap 'exit 0' INT TERM

die() { echo "demo: $*" >&2; for log in "$state"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done; exit 1; }

echo "Generating a throwaway CA and server certificate in $state/certs ..."
chain_secrets "$state"

chain_start_simulator "$sim_bin" "$state" \
  --versions v3,v6,v7,v8 --jobs 36 --sessions-per-job 40 --seed 42 \
  --session-interval 120

{ echo "# Written by tests/demo/demo.sh. See deploy/vb365_exporter.yml for every key."
  echo "refresh_interval: 10s"
  echo "servers:"
  chain_server_yaml demo auto "$state"
} > "$state/vb365_exporter.yml"
exporter_port=9865
port_free "$exporter_port" || exporter_port=$(free_port)
"$exporter_bin" --config.file="$state/vb365_exporter.yml" \
  --web.listen-address="127.0.0.1:$exporter_port" >"$state/exporter.log" 2>&1 &
pids+=($!)
wait_for "the exporter's first refresh" 60 \
  sh -c "curl -fsS http://127.0.0.1:$exporter_port/metrics | grep -q '^vb365_up{server=\"demo\"} 1'"

prom_port=9090
port_free "$prom_port" || prom_port=$(free_port)
"$py" "$root/tests/e2e/prometheus_e2e_config.py" "$root/deploy/prometheus" "$state/prometheus" \
  "127.0.0.1:$exporter_port" 5s >/dev/null
"$(command -v prometheus)" --config.file="$state/prometheus/prometheus.yml" \
  --storage.tsdb.path="$state/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
  --log.level=warn >"$state/prometheus.log" 2>&1 &
pids+=($!)
wait_for "Prometheus" 60 curl -fsS "http://127.0.0.1:$prom_port/-/ready"

cat <<EOF

vb365 demo is running (everything on 127.0.0.1):

  Simulator (VB365 REST API)   https://127.0.0.1:$sim_port/v8/Jobs   (CA: $state/certs/ca.pem)
  Exporter metrics             http://127.0.0.1:$exporter_port/metrics
  Prometheus                   http://127.0.0.1:$prom_port/
  Prometheus alerts            http://127.0.0.1:$prom_port/alerts
                               (the failing job's VB365JobFailed fires after about a minute)
  Grafana dashboard            deploy/grafana/vb365-overview.json (import it into a Grafana
                               with a Prometheus data source at http://127.0.0.1:$prom_port)

A few lines of /metrics:
EOF
curl -fsS "http://127.0.0.1:$exporter_port/metrics" -o "$state/metrics.txt" || true
{ grep -E '^vb365_(up|jobs|server_info)\{' "$state/metrics.txt"
  grep -E '^vb365_job_last_session_status\{.*status="Failed"\} 1' "$state/metrics.txt" | head -n 3
  grep -E '^vb365_job_last_session_(duration_seconds|transferred_bytes)\{' "$state/metrics.txt" | head -n 4
  grep -E '^vb365_job_running\{.*\} 1' "$state/metrics.txt" | head -n 2
} | sed 's/^/  /' || true
echo
echo "Press Ctrl-C to stop."
while true; do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process of the demo exited"; done
  sleep 2
done
