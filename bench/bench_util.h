// What every benchmark program here shares: a benchmark whose checks fail
// is marked (SkipWithError) and counted, and the program then exits 1, so
// `make bench` and bench/run.sh notice a wrong result, not only a slow one.
// Header-only; Fail may be called from any benchmark thread.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace vb365::bench {

// Benchmarks of this program that failed their checks so far.
inline std::atomic<int>& Failures() {
  static std::atomic<int> failures{0};
  return failures;
}

// Marks the running benchmark failed with `why` and counts it.
inline void Fail(benchmark::State& state, const std::string& why) {
  Failures().fetch_add(1);
  state.SkipWithError(why.c_str());
}

// Runs the benchmarks (after benchmark::Initialize) and returns main's exit
// code: 1, with "<program>: N benchmark(s) <failed_what>" on stderr, when any
// failed its checks.
inline int RunAndReport(const char* program, const char* failed_what) {
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const int failures = Failures().load();
  if (failures != 0) {
    std::fprintf(stderr, "%s: %d benchmark(s) %s\n", program, failures,
                 failed_what);
    return 1;
  }
  return 0;
}

}  // namespace vb365::bench
