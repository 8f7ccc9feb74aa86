// Small inline pieces of the walker: key matching against compile-time
// patterns, JSON character classes and the number grammar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#define VB365_ALWAYS_INLINE __attribute__((always_inline)) inline
// For lambdas handed to the walker's loops: [&](...) VB365_INLINE_LAMBDA {...}
#define VB365_INLINE_LAMBDA __attribute__((always_inline))

namespace vb365::parse_internal {

VB365_ALWAYS_INLINE bool IsWs(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
VB365_ALWAYS_INLINE bool IsDigit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// A key and its closing quote as little-endian words, built at compile time.
template <size_t N>
struct KeyPattern {
  static constexpr size_t kWords = (N + 7) / 8;
  uint64_t w[kWords] = {};
};
template <size_t N>
constexpr KeyPattern<N> MakeKeyPattern(const char (&lit)[N]) {
  KeyPattern<N> p;
  for (size_t i = 0; i < N; ++i) {
    const uint64_t byte = i < N - 1 ? static_cast<uint8_t>(lit[i]) : '"';
    p.w[i / 8] |= byte << (8 * (i % 8));
  }
  return p;
}

// The key's raw bytes (after its opening quote) are the pattern's: whole
// words against constants, no byte loop, no memcmp call. Reading whole words
// past a short key is safe: a key is followed by ':' and a value or by the
// input's padding. Escaped keys never match (the API sends none).
template <size_t N>
VB365_ALWAYS_INLINE bool MatchKey(const char* raw, const KeyPattern<N>& p) {
  uint64_t diff = 0;
  for (size_t i = 0; i < KeyPattern<N>::kWords; ++i) {
    uint64_t w;
    std::memcpy(&w, raw + 8 * i, 8);
    const uint64_t mask = (i + 1 < KeyPattern<N>::kWords || N % 8 == 0)
                              ? ~uint64_t{0}
                              : (uint64_t{1} << (8 * (N % 8))) - 1;
    diff |= (w ^ p.w[i]) & mask;
  }
  return diff == 0;
}

// 36 bytes (a UUID) equal, inline.
VB365_ALWAYS_INLINE bool Equal36(const char* a, const char* b) {
  uint64_t diff = 0;
  for (int i = 0; i < 32; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  uint32_t x, y;
  std::memcpy(&x, a + 32, 4);
  std::memcpy(&y, b + 32, 4);
  return (diff | (x ^ y)) == 0;
}

// Past the JSON number (RFC 8259 grammar, any size) that starts at p, or
// nullptr when [p, end) does not start with one.
VB365_ALWAYS_INLINE const char* SkipNumber(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p == end || !IsDigit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end && IsDigit(*p)) ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) ++p;
  }
  return p;
}

}  // namespace vb365::parse_internal
