# shellcheck shell=bash
# Sourced (not run) by tests/demo/demo.sh and tests/e2e/prometheus_e2e.sh: the
# steps both take to start the chain simulator -> vb365_exporter ->
# Prometheus, everything on 127.0.0.1.
#
# The caller defines die MESSAGE (prints and exits non-zero) and the array
# `pids` (the processes started; wait_for gives up when one of them dies, and
# the caller's exit trap kills them). Sets `py`, the Python 3 to use.

py=/usr/bin/python3
[ -x "$py" ] || py=python3
chain_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

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
