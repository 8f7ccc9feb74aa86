# shellcheck shell=bash
# Sourced (not run) by tests/demo/demo.sh and the shell end-to-end tests
# (tests/e2e/prometheus_e2e.sh, prometheus_shards_e2e.sh, status_page_browser.sh):
# the steps they take to start the chain simulator -> vb365_exporter ->
# Prometheus -> Alertmanager -> a webhook receiver, everything on 127.0.0.1.
#
# The caller defines die MESSAGE (prints and exits non-zero) and calls
# chain_scratch first (the scratch folder `tmp`, the array `pids` of the
# processes started, which wait_for watches and the exit trap kills; the demo
# keeps its own trap). Sets `py`, the Python 3 to use.

py=/usr/bin/python3
[ -x "$py" ] || py=python3
chain_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# chain_scratch NAME: makes the scratch folder `tmp` (under $TMPDIR, named
# NAME.XXXXXX) and the empty array `pids`, and sets the exit traps: every
# process in `pids` is killed and waited for, the last lines of each log in
# `tmp` are printed when the script fails, and `tmp` is removed.
chain_scratch() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  pids=()
  trap chain_cleanup EXIT
  trap 'exit 130' INT TERM
}

chain_cleanup() {
  local rc=$? pid log
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$rc" != 0 ]; then
    for log in "$tmp"/*.log; do
      [ -f "$log" ] || continue
      echo "----- last lines of $(basename "$log")" >&2
      tail -n 30 "$log" >&2
    done
  fi
  rm -rf "$tmp"
  exit "$rc"
}

# port_free PORT: succeeds when 127.0.0.1:PORT can be bound now.
port_free() {
  "$py" -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# A free loopback port (bound then released: another process may take it
# before the caller does, so a start on it may fail and want a retry).
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND until it succeeds;
# dies after SECONDS or as soon as a process in `pids` has exited.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${seconds}s waiting for $what"
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process died while waiting for $what"; done
    sleep 0.2
  done
}

# chain_secrets DIR: a throwaway CA and server certificate in DIR/certs and a
# random password in DIR/password (a file, readable by its owner only, so it
# never appears on a command line).
chain_secrets() {
  local dir=$1
  mkdir -p "$dir/certs"
  "$chain_root/tests/simulator/gen_certs.sh" "$dir/certs"
  (umask 077; "$py" -c 'import secrets; print(secrets.token_hex(16))' > "$dir/password")
}

# chain_start_simulator SIMULATOR DIR ARGS...: starts the simulator on a free
# loopback port with DIR's certificate and password (user VB365\monitor) and
# ARGS, logging to DIR/simulator.log; waits for its ready file and sets
# `sim_port`.
chain_start_simulator() {
  local bin=$1 dir=$2; shift 2
  "$bin" --listen 127.0.0.1:0 --ready-file "$dir/simulator.port" \
    --tls-cert "$dir/certs/server.pem" --tls-key "$dir/certs/server.key" \
    --username 'VB365\monitor' --password-file "$dir/password" \
    "$@" >"$dir/simulator.log" 2>&1 &
  pids+=($!)
  wait_for "the simulator's ready file" 30 test -s "$dir/simulator.port"
  sim_port=$(cat "$dir/simulator.port")
}

# chain_server_yaml NAME API_VERSION DIR: the exporter config's entry (under
# `servers:`) for the simulator at `sim_port`, verified with DIR's CA.
chain_server_yaml() {
  cat <<EOF
  - name: $1
    url: https://127.0.0.1:$sim_port
    api_version: $2
    username: 'VB365\monitor'
    password_file: $3/password
    tls:
      ca_file: $3/certs/ca.pem
EOF
}

# The Alertmanager binary: $ALERTMANAGER, else Debian's prometheus-alertmanager.
chain_alertmanager_bin() {
  if [ -n "${ALERTMANAGER:-}" ]; then echo "$ALERTMANAGER"; return; fi
  command -v prometheus-alertmanager || command -v alertmanager ||
    die "prometheus-alertmanager is missing (Debian package prometheus-alertmanager; make deps)"
}

# chain_start_webhook DIR [EXIT_AFTER]: the webhook receiver
# (tests/lib/webhook_receiver.py) on a free loopback port; every notification
# it gets is a line of DIR/notifications.jsonl. It stops by itself after
# EXIT_AFTER seconds (default 900; 0: never). Sets `webhook_port`.
chain_start_webhook() {
  local dir=$1 exit_after=${2:-900}
  "$py" "$chain_root/tests/lib/webhook_receiver.py" "$dir/webhook.port" \
    "$dir/notifications.jsonl" --exit-after "$exit_after" >"$dir/webhook.log" 2>&1 &
  pids+=($!)
  wait_for "the webhook receiver's ready file" 30 test -s "$dir/webhook.port"
  # shellcheck disable=SC2034  # read by the caller
  webhook_port=$(cat "$dir/webhook.port")
}

# chain_start_alertmanager DIR CONFIG [PORT]: a real Alertmanager with CONFIG
# on 127.0.0.1:PORT (when PORT is given and free, else a free port), state in
# DIR/alertmanager-data, clustering off (it would listen on 0.0.0.0:9094),
# logging to DIR/alertmanager.log. Waits until it is ready; sets `am_port`.
chain_start_alertmanager() {
  local dir=$1 config=$2 want=${3:-} bin attempt pid
  bin=$(chain_alertmanager_bin)
  for attempt in 1 2 3; do
    if [ -n "$want" ] && [ "$attempt" = 1 ] && port_free "$want"; then am_port=$want; else am_port=$(free_port); fi
    "$bin" --config.file="$config" --storage.path="$dir/alertmanager-data" \
      --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
      --log.level=warn >"$dir/alertmanager.log" 2>&1 &
    pid=$!
    sleep 0.5
    if kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); break; fi
    [ "$attempt" -lt 3 ] || die "alertmanager does not start: $(tail -n 5 "$dir/alertmanager.log")"
  done
  wait_for "alertmanager to be ready" 60 curl -fsS "http://127.0.0.1:$am_port/-/ready"
}

# chain_start_prometheus DIR CONFIG: a real Prometheus ($PROMETHEUS, else
# Debian's prometheus) with CONFIG on a free loopback port, its TSDB in
# DIR/tsdb, logging to DIR/prometheus.log (three tries: a port taken between
# choosing and binding). Waits until it is ready; sets `prom_port`.
chain_start_prometheus() {
  local dir=$1 config=$2 bin=${PROMETHEUS:-prometheus} attempt pid
  for attempt in 1 2 3; do
    prom_port=$(free_port)
    "$bin" --config.file="$config" --storage.tsdb.path="$dir/tsdb" \
      --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$dir/prometheus.log" 2>&1 &
    pid=$!
    sleep 1
    if kill -0 "$pid" 2>/dev/null; then pids+=("$pid"); break; fi
    [ "$attempt" -lt 3 ] || die "prometheus does not start: $(tail -n 5 "$dir/prometheus.log")"
  done
  wait_for "prometheus to be ready" 60 curl -fsS "http://127.0.0.1:$prom_port/-/ready"
}
