#!/usr/bin/env bash
# Runs every benchmark program of BUILD_DIR (built by `make bench` before) and
# prints one summary table: each figure beside its target (issue 4).
#
#   bench/run.sh BUILD_DIR
#
# Environment:
#   BENCH_ONLY      space-separated subset of: parse scrape refresh memory
#                   http soak receive whole many (default: all nine)
#   BENCH_MANY_SECONDS  length of the many-servers run (default 200)
#   BENCH_SOAK_SECONDS  length of the soak (default 60)
#   BENCH_MIN_TIME  --benchmark_min_time for the short benchmarks (default 0.5)
#   BENCH_PARSE_REPETITIONS  repetitions of the parse benchmarks; the table
#                   uses their median (default 5, randomly interleaved: the
#                   machine is shared)
#   BENCH_OUT       directory for the JSON results and the console logs
#                   (default: BUILD_DIR/bench-results)
#
# Exit status: 0 when every benchmark ran and extracted the right values
# (a missed target is reported as "miss" in the table, not as a failure);
# 1 when a program is missing, crashed, or a benchmark failed its checks.
set -uo pipefail

build=${1:?usage: bench/run.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin="$build/bench"
only=${BENCH_ONLY:-parse scrape refresh memory http soak receive whole many}
min_time=${BENCH_MIN_TIME:-0.5}
out=${BENCH_OUT:-$build/bench-results}
mkdir -p "$out"

# http and soak: bench/soak.py starts the simulator and the real exporter and
# runs bench/http_load against it (issue 10).
run_soak() {
  run_script soak.py "$@"
}

# bench/SCRIPT NAME ARGS...: a Python bench writing $out/NAME.json.
run_script() {
  local script=$1 name=$2
  shift 2
  rm -f "$out/$name.json"
  echo "bench/run.sh: running $script for $name (log: $out/$name.log)" >&2
  local start
  start=$(date +%s)
  python3 "$here/$script" --build "$build" --json "$out/$name.json" "$@" \
    >"$out/$name.log" 2>&1
  local rc=$?
  echo "bench/run.sh: $name exited $rc after $(( $(date +%s) - start )) s" >&2
  if [ "$rc" -ne 0 ]; then
    echo "bench/run.sh: $name FAILED; last lines of its log:" >&2
    tail -n 15 "$out/$name.log" >&2
    status=1
  fi
}

status=0
for name in $only; do
  case $name in
    http)  # the issue's scenario: back-to-back scrapers + header tricklers
      run_soak http --jobs 10 --seconds 10 --warmup 0 --scrapers 50 --slow 20
      continue ;;
    soak)  # 1,000 jobs refreshing every 5 s, faults switched on and off
      run_soak soak --jobs 1000 --refresh 5s --seconds "${BENCH_SOAK_SECONDS:-60}" \
        --warmup 15 --scrapers 50 --faults
      continue ;;
    many)  # issue 11: one exporter, 300 servers x 30 jobs, refresh every 60 s
      run_script many_servers.py many --servers 300 --jobs 30 --seconds "${BENCH_MANY_SECONDS:-200}"
      continue ;;
    receive)  # issue 11: v3, 300 jobs x 1,000 sessions, CPU per byte read
      run_script receive.py receive --jobs 300 --sessions 1000 --refreshes 5
      continue ;;
    whole)  # issue 9: every collector at scale beside jobs only
      run_script whole.py whole --jobs 1000 --sessions 10 --repositories 50 --proxies 20 \
        --organizations 200 --licensed-users 100000 --refreshes 3
      continue ;;
  esac
  prog="$bin/${name}_bench"
  if [ ! -x "$prog" ]; then
    echo "bench/run.sh: $prog is missing (build it first: make bench)" >&2
    status=1
    continue
  fi
  rm -f "$out/$name.json"
  echo "bench/run.sh: running ${name}_bench (log: $out/$name.log)" >&2
  extra=()
  if [ "$name" = parse ]; then
    # Repetitions in random order, then their median: the ratios compare
    # benchmarks that saw the same (shared, noisy) machine.
    extra=(--benchmark_repetitions="${BENCH_PARSE_REPETITIONS:-5}"
           --benchmark_enable_random_interleaving=true)
  fi
  start=$(date +%s)
  "$prog" --benchmark_min_time="$min_time" "${extra[@]}" \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json \
    >"$out/$name.log" 2>&1
  rc=$?
  echo "bench/run.sh: ${name}_bench exited $rc after $(( $(date +%s) - start )) s" >&2
  if [ "$rc" -ne 0 ]; then
    echo "bench/run.sh: ${name}_bench FAILED; last lines of its log:" >&2
    tail -n 15 "$out/$name.log" >&2
    status=1
  fi
done

python3 "$here/summarize.py" "$out" $only || status=1
exit "$status"
