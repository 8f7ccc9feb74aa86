#!/bin/bash
# `make demo`: the whole chain on this machine, on 127.0.0.1 only.
#
#   tests/demo/demo.sh BUILD_DIR           # runs until Ctrl-C
#   tests/demo/demo.sh --check BUILD_DIR   # starts, checks, stops (ctest demo_check)
#
# - a throwaway CA and server certificate (tests/simulator/gen_certs.sh);
# - the VB365 simulator with a few dozen jobs (job 1 always fails, job 2 ends
#   with warnings, job 3 runs, job 4 is disabled, some others fail now and
#   then) and time moving (a new session per job every 2 minutes);
# - vb365_exporter reading it over verified HTTPS (API v8, as server "demo");
# - Alertmanager (Debian prometheus-alertmanager) with the shipped routing
#   (deploy/alertmanager/alertmanager.yml, timings unchanged) on
#   127.0.0.1:9093 (or a free port), its webhook receivers pointed at a local
#   listener (tests/lib/webhook_receiver.py) that writes every notification
#   to STATE/notifications.jsonl. Debian's Alertmanager has no web UI: the
#   alert shows in its API (/api/v2/alerts) and in `amtool alert query`;
# - Prometheus with the shipped scrape config and rules (deploy/prometheus/),
#   scraping and evaluating every 5 seconds, sending alerts to Alertmanager,
#   on 127.0.0.1:9090 (or a free port). The failing job's VB365JobFailed fires
#   about a minute after the start (its `for:` is 1m) at /classic/alerts
#   (Debian's Prometheus has only the classic UI: /alerts answers 404).
#   Demo-only override: every `for:` longer than one minute is cut to one
#   minute (prometheus_e2e_config.py --max-for 1m; the shipped windows, up to
#   26 hours, are pinned by the promtool tests), so that the simulator's
#   default resource states fire their alerts within about a minute too: a
#   repository 96 % full, an offline proxy, a license 20 days from its end and
#   over capacity, an organization backed up three days ago and one never, a
#   failed sync, a failed copy job, an unhealthy PostgreSQL; and a restore
#   that the demo makes fail once the exporter has its baseline
#   (VB365RestoreFailed counts restores that fail while it watches). The demo
#   prints the firing alerts from Prometheus's API once they all fire.
# After start-up the demo fetches every URL it printed and requires status 200
# and a marker of the page it promises (check_urls), else it stops with an
# error. --check then waits (at most 4 minutes) until the failing job's alert
# is in Alertmanager and every alert above fires in Prometheus (and none
# that a healthy part should not fire: the healthy job's, the exporter's and
# the server's), checks the alert URLs again, and stops; it takes free ports
# only and a temporary state directory.
# State lives in .demo/ (gitignored); Ctrl-C stops everything.
set -euo pipefail

check_mode=0
if [ "${1:-}" = --check ]; then check_mode=1; shift; fi
build=${1:?usage: demo.sh [--check] BUILD_DIR}
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
for tool in prometheus curl openssl amtool; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make deps)" >&2; exit 1; }
done

if [ "$check_mode" = 1 ]; then
  state=$(mktemp -d "${TMPDIR:-/tmp}/vb365_demo_check.XXXXXX")
  safety=(--exit-after 600)   # everything the check starts stops by itself too
  webhook_exit=600
else
  state=$root/.demo
  rm -rf "$state"
  safety=()
  webhook_exit=0
fi
pids=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  echo "Stopping the demo..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$check_mode" = 1 ]; then
    rm -rf "$state"
    echo "Stopped."
  else
    echo "Stopped. Logs are in $state/."
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$check_mode" = 1 ] || trap 'exit 0' INT TERM

die() { echo "demo: $*" >&2; for log in "$state"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done; exit 1; }

# The port the demo prefers (and a user knows) when it is free; --check takes
# free ones only, so that it runs beside a demo or other tests.
prefer() { if [ "$check_mode" = 0 ] && port_free "$1"; then echo "$1"; else free_port; fi; }

echo "Generating a throwaway CA and server certificate in $state/certs ..."
chain_secrets "$state"

chain_start_simulator "$sim_bin" "$state" \
  --versions v3,v6,v7,v8 --jobs 36 --sessions-per-job 40 --seed 42 \
  --session-interval 120 "${safety[@]}"

{ echo "# Written by tests/demo/demo.sh. See deploy/vb365_exporter.yml for every key."
  echo "refresh_interval: 10s"
  echo "servers:"
  chain_server_yaml demo auto "$state"
} > "$state/vb365_exporter.yml"
exporter_port=$(prefer 9865)
"$exporter_bin" --config.file="$state/vb365_exporter.yml" \
  --web.listen-address="127.0.0.1:$exporter_port" >"$state/exporter.log" 2>&1 &
pids+=($!)
wait_for "the exporter's first refresh" 60 \
  sh -c "curl -fsS http://127.0.0.1:$exporter_port/metrics | grep -q '^vb365_up{server=\"demo\"} 1'"
# Alertmanager before Prometheus (which sends to it): the shipped routing and
# timings; only the webhook URLs go to the local listener.
chain_start_webhook "$state" "$webhook_exit"
"$py" "$root/tests/e2e/alertmanager_e2e_config.py" "$root/deploy/alertmanager/alertmanager.yml" \
  "$state/alertmanager.yml" "http://127.0.0.1:$webhook_port" >/dev/null
amtool check-config "$state/alertmanager.yml" >/dev/null || die "derived alertmanager.yml is invalid"
am_want=9093
[ "$check_mode" = 0 ] || am_want=
chain_start_alertmanager "$state" "$state/alertmanager.yml" $am_want
am=http://127.0.0.1:$am_port

prom_port=$(prefer 9090)
"$py" "$root/tests/e2e/prometheus_e2e_config.py" "$root/deploy/prometheus" "$state/prometheus" \
  "127.0.0.1:$exporter_port" 5s --max-for 1m --alertmanager "127.0.0.1:$am_port" >/dev/null
"$(command -v prometheus)" --config.file="$state/prometheus/prometheus.yml" \
  --storage.tsdb.path="$state/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
  --log.level=warn >"$state/prometheus.log" 2>&1 &
pids+=($!)
wait_for "Prometheus" 60 curl -fsS "http://127.0.0.1:$prom_port/-/ready"
# A restore fails now, after the exporter's baseline read (its first read
# of the restores) and after Prometheus has a sample of that counter at 0:
# increase() needs one before the step (a counter first seen at 1 is no
# increase). The next refresh counts it and VB365RestoreFailed fires.
wait_for "Prometheus's sample of the restore baseline" 60 \
  sh -c "curl -fsS 'http://127.0.0.1:$prom_port/api/v1/query' \
    --data-urlencode 'query=vb365_restore_sessions_total{type=\"Vex\",result=\"Failed\"}' |
    grep -q '\"value\"'"
curl -fsS --cacert "$state/certs/ca.pem" -d "" -o /dev/null \
  "https://127.0.0.1:$sim_port/_sim/restores/add?type=Vex&result=Failed" ||
  die "the simulator did not take the failed restore"

banner=$(cat <<EOF

vb365 demo is running (everything on 127.0.0.1):

  Simulator jobs (control API)  https://127.0.0.1:$sim_port/_sim/jobs   (CA: $state/certs/ca.pem)
                                the VB365 REST API is under /v3/ to /v8/ on the same port
                                (bearer token; see docs/simulator.md)
  Exporter status page          http://127.0.0.1:$exporter_port/
  Exporter metrics              http://127.0.0.1:$exporter_port/metrics
  Prometheus                    http://127.0.0.1:$prom_port/classic/graph
  Prometheus alerts             http://127.0.0.1:$prom_port/classic/alerts
                                (the failing job's VB365JobFailed and the resource alerts
                                fire after about a minute; every for: over 1m cut to 1m)
  Alertmanager                  $am/
                                (Debian's package has no web UI; that page says so)
  Alertmanager alerts (JSON)    $am/api/v2/alerts
                                or: amtool alert query --alertmanager.url=$am/
                                (VB365JobFailed arrives when it fires; the webhook receiver
                                gets it 30 s later, in $state/notifications.jsonl)
  Grafana dashboard             deploy/grafana/vb365-overview.json (import it into a Grafana
                                whose Prometheus data source has the address 127.0.0.1:$prom_port)
EOF
)
echo "$banner"

# Every URL printed above, and a marker of the page it promises.
declare -A marker=(
  ["https://127.0.0.1:$sim_port/_sim/jobs"]='"last_finished_status"'
  ["http://127.0.0.1:$exporter_port/"]='<title>VB365 Exporter status</title>'
  ["http://127.0.0.1:$exporter_port/metrics"]='vb365_up{server="demo"} 1'
  ["http://127.0.0.1:$prom_port/classic/graph"]='<title>Prometheus Time Series Collection and Processing Server</title>'
  ["http://127.0.0.1:$prom_port/classic/alerts"]='VB365JobFailed'
  ["$am/"]='<title>Alertmanager</title>'
  ["$am/api/v2/alerts"]='['
)
# check_urls: fetches every http(s) URL in the banner (redirects not
# followed); each must answer 200 with its marker in the body. A printed URL
# without a marker fails too: no line of the banner goes unchecked.
check_urls() {
  local url code failed=0
  while read -r url; do
    if [ -z "${marker[$url]+set}" ]; then
      echo "  FAIL  $url: printed, but the demo has no check for it" >&2; failed=1; continue
    fi
    code=$(curl -sS --max-time 10 --cacert "$state/certs/ca.pem" -o "$state/page.out" \
      -w '%{http_code}' "$url" 2>"$state/curl.err") || code="error $(cat "$state/curl.err")"
    if [ "$code" != 200 ]; then
      echo "  FAIL  $url: $code, want 200" >&2; failed=1
    elif ! grep -qF -- "${marker[$url]}" "$state/page.out"; then
      echo "  FAIL  $url: 200, but the page lacks ${marker[$url]}" >&2; failed=1
    else
      echo "  ok    $url: 200, has ${marker[$url]}"
    fi
  done < <(grep -oE 'https?://[^ )]+' <<<"$banner" | sort -u)
  return "$failed"
}
echo
echo "Checking every URL above:"
check_urls || die "a URL the demo printed does not answer as promised (above)"

# The failing job's alert in Alertmanager (its API, which amtool reads too).
failing_job='SharePoint "Projects" Sites'
alert_in_alertmanager() {
  curl -fsS --max-time 10 "$am/api/v2/alerts?filter=alertname%3D%22VB365JobFailed%22" |
    "$py" -c 'import json, sys
sys.exit(0 if any(a["labels"].get("job_name") == sys.argv[1] for a in json.load(sys.stdin)) else 1)' \
      "$failing_job"
}
show_alert() {
  echo
  echo "VB365JobFailed is in Alertmanager (amtool alert query --alertmanager.url=$am/ alertname=VB365JobFailed):"
  amtool alert query --alertmanager.url="$am/" alertname=VB365JobFailed | sed 's/^/  /' || true
}

# The alerts the simulator's default states fire (and the failed restore).
expected_alerts="VB365JobFailed VB365CopyJobFailed VB365RepositoryCriticalSpace VB365RepositoryLowSpace"
expected_alerts+=" VB365ProxyOffline VB365LicenseExpiringSoon VB365LicenseNearCapacity"
expected_alerts+=" VB365LicenseUsersExceeded VB365OrganizationNoRecentBackup"
expected_alerts+=" VB365OrganizationNeverBackedUp VB365OrganizationSyncFailed VB365RestoreFailed"
expected_alerts+=" VB365ServerUnhealthy"
# Never in the demo: the healthy parts (the exporter, the server, the healthy job).
unexpected_alerts="VB365ExporterDown VB365ExporterTargetMissing VB365ServerDown"
unexpected_alerts+=" VB365AuthenticationFailing VB365CollectorFailing VB365ExporterRefreshStale"
# prometheus_alerts [--print]: exit 0 when every expected alert fires in
# Prometheus (its API, /api/v1/alerts) and no unexpected one; --print lists
# the firing ones, one line each, with the labels that say what fires.
prometheus_alerts() {
  curl -fsS --max-time 10 "http://127.0.0.1:$prom_port/api/v1/alerts" |
    "$py" -c 'import json, sys
want, never, show = set(sys.argv[1].split()), set(sys.argv[2].split()), sys.argv[3] == "1"
alerts = [a for a in json.load(sys.stdin)["data"]["alerts"] if a["state"] == "firing"]
names = {a["labels"]["alertname"] for a in alerts}
if show:
    keys = ("job_name", "backup_job_id", "repository_name", "proxy_host", "organization_name",
            "type", "collector")
    for a in sorted(alerts, key=lambda a: (a["labels"]["alertname"], sorted(a["labels"].items()))):
        l = a["labels"]
        what = " ".join(f"{k}={l[k]!r}" for k in keys if l.get(k))
        name, severity = l["alertname"], l.get("severity", "")
        print(f"  {name:<32} {severity:<9} {what}")
    for name in sorted(want - names):
        print(f"  MISSING  {name} does not fire", file=sys.stderr)
    for name in sorted(names & never):
        print(f"  UNEXPECTED  {name} fires", file=sys.stderr)
sys.exit(0 if want <= names and not names & never else 1)' \
      "$expected_alerts" "$unexpected_alerts" "${1:+1}"
}
show_prometheus_alerts() {
  echo
  echo "Firing in Prometheus (http://127.0.0.1:$prom_port/classic/alerts):"
  prometheus_alerts --print || true
}

if [ "$check_mode" = 1 ]; then
  echo
  echo "Waiting for the failing job's alert in Alertmanager (about a minute; at most 4)..."
  wait_for "VB365JobFailed of $failing_job in Alertmanager" 240 alert_in_alertmanager
  show_alert
  echo
  echo "Waiting for every alert of the simulator's states in Prometheus (at most 3 minutes)..."
  deadline=$((SECONDS + 180))
  until prometheus_alerts 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      prometheus_alerts --print || true
      die "not every expected alert fires in Prometheus, or one that should not (above)"
    fi
    sleep 2
  done
  show_prometheus_alerts
  marker["$am/api/v2/alerts"]='"alertname":"VB365JobFailed"'
  marker["http://127.0.0.1:$prom_port/classic/alerts"]='SharePoint &#34;Projects&#34; Sites'
  echo
  echo "Checking the URLs again, with the alert firing:"
  check_urls || die "the alert is in Alertmanager, but a URL the demo printed does not show it (above)"
  # And as a person sees it: Prometheus's alerts page in a real browser
  # (headless Chromium renders it; its DOM must show the firing alert).
  echo "Loading http://127.0.0.1:$prom_port/classic/alerts in headless Chromium:"
  chromium_args=(--headless --disable-gpu --user-data-dir="$state/chromium" --no-first-run
                 --virtual-time-budget=5000 --dump-dom)
  [ "$(id -u)" != 0 ] || chromium_args+=(--no-sandbox)
  timeout --kill-after=10 90 "${CHROMIUM:-chromium}" "${chromium_args[@]}" \
    "http://127.0.0.1:$prom_port/classic/alerts" >"$state/alerts_dom.html" 2>"$state/chromium.log" ||
    die "chromium could not load the alerts page (see $state/chromium.log)"
  grep -q 'VB365JobFailed' "$state/alerts_dom.html" && grep -q 'firing' "$state/alerts_dom.html" ||
    die "the alerts page in Chromium does not show VB365JobFailed firing ($state/alerts_dom.html)"
  echo "  ok    the browser shows VB365JobFailed firing"
  grep -q 'VB365CopyJobFailed' "$state/alerts_dom.html" ||
    die "the alerts page in Chromium does not show VB365CopyJobFailed ($state/alerts_dom.html)"
  echo "  ok    the browser shows VB365CopyJobFailed"
  echo "demo_check: PASS"
  exit 0
fi

cat <<EOF

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
shown=0 notified=0 all_shown=0
while true; do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || die "a process of the demo exited"; done
  if [ "$shown" = 0 ] && alert_in_alertmanager 2>/dev/null; then shown=1; show_alert; fi
  if [ "$all_shown" = 0 ] && prometheus_alerts 2>/dev/null; then all_shown=1; show_prometheus_alerts; fi
  if [ "$notified" = 0 ] && grep -qF '"VB365JobFailed"' "$state/notifications.jsonl" 2>/dev/null; then
    notified=1
    echo
    echo "The webhook receiver got the VB365JobFailed notification ($state/notifications.jsonl)."
  fi
  sleep 2
done
