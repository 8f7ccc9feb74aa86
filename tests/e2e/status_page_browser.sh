#!/bin/bash
# End-to-end: the status page at "/" in a real browser (headless Chromium).
#
#   status_page_browser.sh SIMULATOR EXPORTER [--screenshot OUT.png]
#
# 1. The simulator (v8, 12 jobs, time frozen at its start) with three jobs
#    renamed to markup (--job-name): job 5 `<img src=x onerror="document.title='pwned'">`,
#    job 6 `<script>document.title='pwned-by-script'</script>`, job 7
#    `<img src=x onerror=alert(1)>` (a dialog would hang Chromium: the
#    timeout catches it). Job 1's last session failed, job 3 is running.
# 2. The exporter watching it as "east" and an "offline" server on a loopback
#    port nothing listens on (down, with its error).
# 3. Chromium --dump-dom loads http://127.0.0.1:PORT/ (the live page, with its
#    Content-Security-Policy) and, from a file, the page's bytes saved by curl
#    (no CSP: the markup alone must run nothing). A control page with the
#    first payload unescaped must come out with the title "pwned": the probe
#    does detect a script that ran.
# 4. status_page_check.py reads the DOMs: the failed job's name as text with
#    class status-failed, the markup names as text, no <img>/<script> element,
#    the title unchanged, the offline server down, links to /metrics and
#    /-/healthy.
# 5. A screenshot (--screenshot: also copied to OUT.png; docs/img/status-page.png
#    is made this way) must be a PNG.
# Everything binds 127.0.0.1; every process is killed on exit (trap) and every
# Chromium run has a timeout; the simulator stops by itself after 10 minutes.
set -euo pipefail

sim_bin=${1:?usage: status_page_browser.sh SIMULATOR EXPORTER [--screenshot OUT.png]}
exporter_bin=${2:?usage: status_page_browser.sh SIMULATOR EXPORTER [--screenshot OUT.png]}
shift 2
screenshot_out=
while [ $# -gt 0 ]; do
  case $1 in
    --screenshot) screenshot_out=${2:?--screenshot wants a file}; shift 2 ;;
    --screenshot=*) screenshot_out=${1#--screenshot=}; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib/chain.sh
. "$root/tests/lib/chain.sh"
chromium_bin=${CHROMIUM:-chromium}

chain_scratch vb365_e2e_browser

die() { echo "status_page_browser: $*" >&2; exit 1; }

payload_title='<img src=x onerror="document.title='"'"'pwned'"'"'">'
payload_script="<script>document.title='pwned-by-script'</script>"
payload_alert='<img src=x onerror=alert(1)>'

# 1. Simulator.
chain_secrets "$tmp"
chain_start_simulator "$sim_bin" "$tmp" \
  --versions v8 --jobs 12 --sessions-per-job 12 --seed 7 \
  --job-name "5=$payload_title" --job-name "6=$payload_script" \
  --job-name "7=$payload_alert" --exit-after 600 --quiet

# 2. Exporter: the simulator, and a server that is down.
offline_port=$(free_port)
{ echo "refresh_interval: 2s"
  echo "servers:"
  chain_server_yaml east v8 "$tmp"
  cat <<EOF
  - name: offline
    url: https://127.0.0.1:$offline_port
    api_version: v8
    username: 'VB365\\monitor'
    password_file: $tmp/password
    timeout: 2s
    tls:
      ca_file: $tmp/certs/ca.pem
EOF
} > "$tmp/vb365_exporter.yml"
page_ready() {
  curl -fsS "http://127.0.0.1:$exporter_port/" -o "$tmp/page.html" &&
    grep -q 'class="state server-up">up<' "$tmp/page.html" &&
    grep -q 'class="state server-down">down<' "$tmp/page.html"
}
for attempt in 1 2 3; do
  exporter_port=$(free_port)
  "$exporter_bin" --config.file="$tmp/vb365_exporter.yml" \
    --web.listen-address="127.0.0.1:$exporter_port" >"$tmp/exporter.log" 2>&1 &
  exporter_pid=$!
  pids+=("$exporter_pid")
  sleep 0.5
  kill -0 "$exporter_pid" 2>/dev/null && break
  [ "$attempt" -lt 3 ] || die "the exporter did not start: $(cat "$tmp/exporter.log")"
done
wait_for "the status page with east up and offline down" 60 page_ready

# 3. Chromium. As root it needs --no-sandbox; its profile is temporary; the
# background services that would reach the network are off.
chromium_args=(--headless --disable-gpu --user-data-dir="$tmp/chromium"
  --no-first-run --no-default-browser-check --disable-extensions
  --disable-background-networking --disable-component-update --disable-sync
  --disable-default-apps --disable-domain-reliability --disable-breakpad
  --metrics-recording-only --no-proxy-server --disable-dev-shm-usage)
[ "$(id -u)" != 0 ] || chromium_args+=(--no-sandbox)
# browse WHAT OUT URL ARGS...: runs Chromium with a 90 s timeout (it stops by
# itself once the page has loaded); dies on a timeout or an error.
browse() {
  local what=$1 out=$2 url=$3; shift 3
  local rc=0
  timeout --kill-after=10 90 "$chromium_bin" "${chromium_args[@]}" "$@" "$url" \
    >"$out" 2>>"$tmp/chromium.log" || rc=$?
  [ "$rc" != 124 ] || die "Chromium did not finish loading $what in 90 s (a script opened a dialog?)"
  [ "$rc" = 0 ] || die "Chromium failed ($rc) on $what"
}
url="http://127.0.0.1:$exporter_port/"
browse "the live page" "$tmp/live_dom.html" "$url" --dump-dom
curl -fsS "$url" -o "$tmp/saved.html"
browse "the saved page" "$tmp/saved_dom.html" "file://$tmp/saved.html" --dump-dom
printf '<!DOCTYPE html><html><head><title>control</title></head><body><p>%s</p></body></html>\n' \
  "$payload_title" > "$tmp/control.html"
browse "the control page" "$tmp/control_dom.html" "file://$tmp/control.html" --dump-dom

# 4. What the page shows. The failed job's name comes from the simulator.
curl -fsS --cacert "$tmp/certs/ca.pem" "https://127.0.0.1:$sim_port/_sim/jobs" -o "$tmp/sim_jobs.json"
curl -fsS --cacert "$tmp/certs/ca.pem" "https://127.0.0.1:$sim_port/_sim/copy-jobs" -o "$tmp/sim_copy_jobs.json"
"$py" "$here/status_page_check.py" --sim-jobs "$tmp/sim_jobs.json" \
  --sim-copy-jobs "$tmp/sim_copy_jobs.json" \
  --live "$tmp/live_dom.html" --saved "$tmp/saved_dom.html" --control "$tmp/control_dom.html" \
  --payload "$payload_title" --payload "$payload_script" --payload "$payload_alert"

# 5. Screenshot.
browse "the screenshot" "$tmp/screenshot.log" "$url" \
  --screenshot="$tmp/status-page.png" --window-size=1200,790 --hide-scrollbars
"$py" - "$tmp/status-page.png" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'the screenshot is not a PNG'
assert len(data) > 20000, f'the screenshot is suspiciously small ({len(data)} bytes)'
EOF
if [ -n "$screenshot_out" ]; then
  cp "$tmp/status-page.png" "$screenshot_out"
  echo "status_page_browser: screenshot written to $screenshot_out"
fi
echo "status_page_browser: OK"
