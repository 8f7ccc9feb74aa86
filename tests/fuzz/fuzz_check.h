// What every fuzz target checks besides "no crash, no sanitizer report": a
// broken invariant aborts, which libFuzzer (and fuzz_main.cc) report as a
// crash with the input that caused it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/result.h"

namespace vb365::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

// The input as text.
inline std::string_view Text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace vb365::fuzz

#define VB365_FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::vb365::fuzz::Fail(__FILE__, __LINE__, #cond))

namespace vb365::fuzz {

// A failed result is an Error with the expected code and a message.
template <typename T>
void CheckError(const Result<T>& r, ErrorCode code) {
  if (r.ok()) return;
  VB365_FUZZ_CHECK(r.error().code() == code);
  VB365_FUZZ_CHECK(!r.error().message().empty());
}

}  // namespace vb365::fuzz
