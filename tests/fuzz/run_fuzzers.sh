#!/usr/bin/env bash
# Runs every libFuzzer target of a -DVB365_FUZZ=ON build for a fixed time
# each, one after the other, starting from a fresh copy of its seed corpus
# (tests/fuzz/corpus/<target>/; libFuzzer adds what it finds to the copy),
# with tests/fuzz/<target>.dict as its dictionary where there is one.
# Fails when any target crashes, leaks, times out, runs out of memory or
# breaks an invariant; the input is kept in BUILD/fuzz-artifacts/.
# Prints one line per target: executions, cov, ft, corpus size.
#
# usage: run_fuzzers.sh BUILD SECONDS [target...]
# env:   FUZZ_SEED (1), FUZZ_RSS_MB (2048), FUZZ_NICE (0)
set -uo pipefail
build=$1 seconds=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(cd "$src/corpus" && ls))
fi
seed=${FUZZ_SEED:-1} rss=${FUZZ_RSS_MB:-2048} niceness=${FUZZ_NICE:-0}
work=$build/fuzz-work artifacts=$build/fuzz-artifacts
mkdir -p "$work" "$artifacts"
failed=()
printf '%-24s %12s %8s %8s %8s %s\n' target executions cov ft corpus result
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  [ -x "$bin" ] || { echo "$t: $bin not built" >&2; failed+=("$t"); continue; }
  rm -rf "$work/$t" && mkdir -p "$work/$t"
  cp "$src/corpus/$t"/* "$work/$t/"
  log=$work/$t.log
  dict=()
  [ -f "$src/$t.dict" ] && dict=(-dict="$src/$t.dict")
  nice -n "$niceness" "$bin" "${dict[@]}" -max_total_time="$seconds" -seed="$seed" \
    -rss_limit_mb="$rss" -timeout=10 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$work/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc, log $log)"
    failed+=("$t")
  fi
  printf '%-24s %12s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "$(ls "$work/$t" | wc -l)" "$result"
  if [ $rc -ne 0 ]; then
    grep -E 'ERROR|invariant|SUMMARY|artifact' "$log" | head -20 >&2
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
