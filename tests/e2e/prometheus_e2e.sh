#!/bin/bash
# End-to-end: simulator -> exporter (verified HTTPS) -> a real Prometheus with
# the shipped scrape config and rules -> a real Alertmanager with the shipped
# routing -> a webhook receiver; assertions through Prometheus's and
# Alertmanager's HTTP APIs and on the notifications received.
#
#   prometheus_e2e.sh SIMULATOR_BINARY EXPORTER_BINARY
#
# 1. A throwaway CA and server certificate (tests/simulator/gen_certs.sh).
# 2. The simulator on 127.0.0.1:0 (port from --ready-file) with 36 jobs whose
#    special jobs are healthy (0), Failed (1), Warning (2), running (3) and
#    disabled (4); time frozen so the states stay put.
# 3. The exporter, refreshing every second, watching the simulator twice: as
#    "east" over API v8 and as "legacy" over v3, both verifying the CA.
#    `promtool check metrics` lints its /metrics.
# 4. Prometheus (Debian package) on a free loopback port, storage in the temp
#    dir, config and rules derived from deploy/prometheus/ by
#    prometheus_e2e_config.py: intervals of 1s, and every alert's `for:` cut to
#    1s, because the shipped windows (1 minute to 12 hours) cannot elapse in a
#    test of seconds. Expressions, labels and annotations are the shipped ones;
#    the `for:` semantics are pinned by deploy/prometheus/vb365_rules_test.yml.
#    Prometheus sends its alerts to (6).
# 5. prometheus_e2e_check.py polls (deadline) until: every rule evaluates with
#    health ok, VB365JobFailed fires for exactly the jobs whose last session
#    failed (the failing job among them, the healthy one not), Warning and
#    Disabled fire for their jobs, no server/exporter alert fires, and every
#    PromQL expression of deploy/grafana/vb365-overview.json returns data.
# 6. A real Alertmanager (Debian prometheus-alertmanager) with the shipped
#    routing deploy/alertmanager/alertmanager.yml, derived by
#    alertmanager_e2e_config.py: only the webhook URLs point at a local
#    listener (tests/lib/webhook_receiver.py, one path per receiver) and
#    group_wait/group_interval are 1s. alertmanager_e2e_check.py: the failing
#    job's alert reaches the critical receiver with its labels and summary,
#    grouped per server; after the simulator's control endpoint gives the job a
#    Success session the resolved notification arrives; with the simulator's
#    API down, VB365ServerDown inhibits that server's job alerts.
# Everything binds 127.0.0.1 and is killed on exit (trap); the simulator also
# stops by itself after 10 minutes (--exit-after).
set -euo pipefail

sim_bin=${1:?usage: prometheus_e2e.sh SIMULATOR EXPORTER}
exporter_bin=${2:?usage: prometheus_e2e.sh SIMULATOR EXPORTER}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/chain.sh
. "$root/tests/lib/chain.sh"
promtool_bin=${PROMTOOL:-promtool}

chain_scratch vb365_e2e_prom

die() { echo "prometheus_e2e: $*" >&2; exit 1; }

# 1. Certificates and the password (in a file; never on a command line).
chain_secrets "$tmp"

# 2. Simulator.
chain_start_simulator "$sim_bin" "$tmp" \
  --versions v3,v8 --jobs 36 --sessions-per-job 12 --seed 5 \
  --token-lifetime 600 --exit-after 600 --quiet

# 3. Exporter.
{ echo "refresh_interval: 1s"
  echo "servers:"
  chain_server_yaml east v8 "$tmp"
  chain_server_yaml legacy v3 "$tmp"
} > "$tmp/vb365_exporter.yml"
"$exporter_bin" --config.file="$tmp/vb365_exporter.yml" --config.check >"$tmp/config_check.log" 2>&1 \
  || die "exporter rejects the test config: $(cat "$tmp/config_check.log")"
exporter_up() {
  curl -fsS "http://127.0.0.1:$exporter_port/metrics" -o "$tmp/metrics.txt" &&
    grep -q '^vb365_up{server="east"} 1' "$tmp/metrics.txt" &&
    grep -q '^vb365_up{server="legacy"} 1' "$tmp/metrics.txt"
}
for attempt in 1 2 3; do
  exporter_port=$(free_port)
  "$exporter_bin" --config.file="$tmp/vb365_exporter.yml" \
    --web.listen-address="127.0.0.1:$exporter_port" --log.level=info >"$tmp/exporter.log" 2>&1 &
  exporter_pid=$!
  sleep 0.3
  if kill -0 "$exporter_pid" 2>/dev/null; then pids+=("$exporter_pid"); break; fi
  [ "$attempt" -lt 3 ] || die "the exporter does not start"
done
wait_for "the exporter to serve vb365_up 1 for both servers" 60 exporter_up
# Let a second refresh finish (sessions counters are created at the first).
sleep 2
curl -fsS "http://127.0.0.1:$exporter_port/metrics" -o "$tmp/metrics.txt"
# A lint failure is reported at the end, after the other assertions ran.
lint_failed=0
if "$promtool_bin" check metrics < "$tmp/metrics.txt" >"$tmp/lint.txt" 2>&1; then
  echo "promtool check metrics: OK ($(grep -c '^vb365_' "$tmp/metrics.txt") vb365_ samples)"
else
  lint_failed=1
  echo "promtool check metrics FAILS on the exporter's /metrics:" >&2
  cat "$tmp/lint.txt" >&2
fi

# 6 (started before Prometheus, which sends to it). The webhook receiver and
# Alertmanager with the shipped routing (webhook URLs and group timings swapped).
chain_start_webhook "$tmp"
"$py" "$here/alertmanager_e2e_config.py" "$root/deploy/alertmanager/alertmanager.yml" \
  "$tmp/alertmanager.yml" "http://127.0.0.1:$webhook_port" --group-wait 1s --group-interval 1s
"${AMTOOL:-amtool}" check-config "$tmp/alertmanager.yml" >/dev/null || die "derived alertmanager.yml is invalid"
chain_start_alertmanager "$tmp" "$tmp/alertmanager.yml"

# 4. Prometheus with the shipped rules (alert windows cut to 1s, see above).
"$py" "$here/prometheus_e2e_config.py" "$root/deploy/prometheus" "$tmp/prom" \
  "127.0.0.1:$exporter_port" 1s --max-for 1s --alertmanager "127.0.0.1:$am_port"
"$promtool_bin" check config "$tmp/prom/prometheus.yml" >/dev/null || die "derived prometheus.yml is invalid"
chain_start_prometheus "$tmp" "$tmp/prom/prometheus.yml"

# 5. Assertions (poll until they hold or 120 s pass).
"$py" "$here/prometheus_e2e_check.py" "http://127.0.0.1:$prom_port" \
  "$root/deploy/grafana/vb365-overview.json" east,legacy 120
# 6. Alertmanager: delivered, grouped per server, resolved, inhibited (120 s per step).
"$py" "$here/alertmanager_e2e_check.py" "$tmp/notifications.jsonl" "http://127.0.0.1:$am_port" \
  "https://127.0.0.1:$sim_port" "$tmp/certs/ca.pem" east,legacy 120
[ "$lint_failed" = 0 ] || die "alerts and dashboard OK, but promtool check metrics failed (above)"
echo "e2e_prometheus: PASS"
