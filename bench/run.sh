#!/usr/bin/env bash
# Runs every benchmark program of BUILD_DIR (built by `make bench` before) and
# prints one summary table: each figure beside its target (issue 4).
#
#   bench/run.sh BUILD_DIR
#
# Environment:
#   BENCH_ONLY      space-separated subset of: parse scrape refresh memory
#                   (default: all four)
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
only=${BENCH_ONLY:-parse scrape refresh memory}
min_time=${BENCH_MIN_TIME:-0.5}
out=${BENCH_OUT:-$build/bench-results}
mkdir -p "$out"

status=0
for name in $only; do
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
