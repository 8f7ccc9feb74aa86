#include "model/types.h"

#include <cstring>

#include "model/swar.h"
#include "model/timestamp_detail.h"

#if defined(__SSE2__) && !defined(VB365_SCALAR_HEX)
#include <emmintrin.h>
#endif

namespace vb365 {
namespace {

using timestamp_detail::DaysFromCivil;
using timestamp_detail::kTicksPerDay;

struct Civil {
  int64_t y;
  unsigned m;
  unsigned d;
};

// Inverse of DaysFromCivil.
constexpr Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

// Start of 0002-01-01T00:00:00Z: anything earlier is the year-1 placeholder.
constexpr Timestamp kYear2Start =
    DaysFromCivil(2, 1, 1) * 86400 * kTicksPerSecond;

#if defined(__SSE2__) && !defined(VB365_SCALAR_HEX)
// Sixteen hex digits (either case; first character in the lowest byte) to a
// 64-bit value, SSE2 only. False if any byte is not a hex digit.
inline bool Hex16(__m128i x, uint64_t* out) {
  const __m128i t = _mm_or_si128(x, _mm_set1_epi8(0x20));  // lowercase
  // Signed compares: bytes >= 0x80 are negative and fail both ranges.
  const __m128i digit =
      _mm_and_si128(_mm_cmpgt_epi8(t, _mm_set1_epi8('0' - 1)),
                    _mm_cmplt_epi8(t, _mm_set1_epi8('9' + 1)));
  const __m128i alpha =
      _mm_and_si128(_mm_cmpgt_epi8(t, _mm_set1_epi8('a' - 1)),
                    _mm_cmplt_epi8(t, _mm_set1_epi8('f' + 1)));
  if (_mm_movemask_epi8(_mm_or_si128(digit, alpha)) != 0xFFFF) return false;
  // Nibble values: low 4 bits, plus 9 for letters.
  __m128i v = _mm_add_epi8(_mm_and_si128(t, _mm_set1_epi8(0x0F)),
                           _mm_and_si128(alpha, _mm_set1_epi8(9)));
  // Each 16-bit lane [first, second] -> first << 4 | second in its low byte.
  v = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(v, 4), _mm_srli_epi16(v, 8)),
                    _mm_set1_epi16(0x00FF));
  v = _mm_packus_epi16(v, v);  // 8 bytes, first pair lowest
  const uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  *out = __builtin_bswap64(bytes);  // first pair most significant
  return true;
}
#else
// Eight hex digits (either case) to 32 bits, SWAR: no table, no branch per
// character. False if any byte is not a hex digit.
inline bool Hex8(uint64_t x, uint32_t* out) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // Lowercase letters; digits already have bit 5 set. Bytes stay < 0x80 (or
  // are rejected), so the range tests below never carry between bytes.
  const uint64_t t = (x | 0x2020202020202020ULL) & ~kHigh;
  const uint64_t is_digit = (t + 0x5050505050505050ULL) &  // t >= '0'
                            ~(t + 0x4646464646464646ULL);  // t <= '9'
  const uint64_t is_alpha = (t + 0x1F1F1F1F1F1F1F1FULL) &  // t >= 'a'
                            ~(t + 0x1919191919191919ULL);  // t <= 'f'
  if ((x & kHigh) != 0 || ((is_digit | is_alpha) & kHigh) != kHigh) {
    return false;
  }
  // Nibble values, first character in the lowest byte.
  uint64_t v = (t & 0x0F0F0F0F0F0F0F0FULL) + ((is_alpha & kHigh) >> 7) * 9;
  v = __builtin_bswap64(v);  // first character in the highest byte
  v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
  *out = static_cast<uint32_t>(v);
  return true;
}

#endif

inline uint64_t Mix64(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view text) {
  // "YYYY-MM-DDThh:mm:ss" is 19 characters.
  if (text.size() < 19) return std::nullopt;
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  int64_t days, ticks;
  if (!timestamp_detail::ParseDate(u, &days) ||
      !timestamp_detail::ParseTimeOfDay(u, text.size(), &ticks)) {
    return std::nullopt;
  }
  return days * kTicksPerDay + ticks;
}

std::optional<Timestamp> TimestampParser::Parse(std::string_view text) {
  Timestamp t;
  if (!timestamp_detail::ParseWithDateCache(text, date_, &days_, &t)) {
    return std::nullopt;
  }
  return t;
}

std::string FormatTimestamp(Timestamp t) {
  if (t == kNoTime) return std::string();
  int64_t seconds = t / kTicksPerSecond;
  int64_t ticks = t % kTicksPerSecond;
  if (ticks < 0) {
    ticks += kTicksPerSecond;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t sod = seconds % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const Civil c = CivilFromDays(days);
  char buf[48];
  char* p = buf;
  auto put = [&p](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  int64_t year = c.y;
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  put(year, year > 9999 ? (year > 99999 ? 6 : 5) : 4);
  *p++ = '-';
  put(c.m, 2);
  *p++ = '-';
  put(c.d, 2);
  *p++ = 'T';
  put(sod / 3600, 2);
  *p++ = ':';
  put(sod / 60 % 60, 2);
  *p++ = ':';
  put(sod % 60, 2);
  if (ticks != 0) {
    *p++ = '.';
    put(ticks, 7);
  }
  *p++ = 'Z';
  return std::string(buf, static_cast<size_t>(p - buf));
}

bool IsPlaceholderTime(Timestamp t) { return t != kNoTime && t < kYear2Start; }

SessionStatus ParseSessionStatus(std::string_view s) {
  // Dispatch on length first: one comparison per call on the hot path.
  switch (s.size()) {
    case 6:
      if (s == "Failed") return SessionStatus::kFailed;
      if (s == "Queued") return SessionStatus::kQueued;
      break;
    case 7:
      if (s == "Stopped") return SessionStatus::kStopped;
      if (s == "Running") return SessionStatus::kRunning;
      if (s == "Success") return SessionStatus::kSuccess;
      if (s == "Warning") return SessionStatus::kWarning;
      break;
    case 12:
      if (s == "Disconnected") return SessionStatus::kDisconnected;
      break;
    case 13:
      if (s == "NotConfigured") return SessionStatus::kNotConfigured;
      break;
  }
  return SessionStatus::kUnknown;
}

std::string_view SessionStatusName(SessionStatus s) {
  switch (s) {
    case SessionStatus::kStopped:
      return "Stopped";
    case SessionStatus::kRunning:
      return "Running";
    case SessionStatus::kSuccess:
      return "Success";
    case SessionStatus::kFailed:
      return "Failed";
    case SessionStatus::kWarning:
      return "Warning";
    case SessionStatus::kNotConfigured:
      return "NotConfigured";
    case SessionStatus::kDisconnected:
      return "Disconnected";
    case SessionStatus::kQueued:
      return "Queued";
    case SessionStatus::kUnknown:
      break;
  }
  return "Unknown";
}

Bottleneck ParseBottleneck(std::string_view s) {
  switch (s.size()) {
    case 2:
      if (s == "NA") return Bottleneck::kNA;
      break;
    case 6:
      if (s == "Source") return Bottleneck::kSource;
      if (s == "Target") return Bottleneck::kTarget;
      break;
    case 9:
      if (s == "Detecting") return Bottleneck::kDetecting;
      break;
  }
  return Bottleneck::kUnknown;
}

std::string_view BottleneckName(Bottleneck b) {
  switch (b) {
    case Bottleneck::kNA:
      return "NA";
    case Bottleneck::kDetecting:
      return "Detecting";
    case Bottleneck::kSource:
      return "Source";
    case Bottleneck::kTarget:
      return "Target";
    case Bottleneck::kUnknown:
      break;
  }
  return "Unknown";
}

bool ParseUuid(std::string_view text, Id* out) {
  const char* p = text.data();
  if (text.size() != 36 || p[8] != '-' || p[13] != '-' || p[18] != '-' ||
      p[23] != '-') {
    return false;
  }
  // Four words of 8 hex digits, assembled in registers (copying the groups
  // to a buffer first would stall on store forwarding).
  auto load4 = [p](int at) {
    uint32_t v;
    std::memcpy(&v, p + at, 4);
    return uint64_t{v};
  };
  uint64_t w0, w3;
  std::memcpy(&w0, p, 8);                             // aaaaaaaa
  const uint64_t w1 = load4(9) | (load4(14) << 32);   // bbbbcccc
  const uint64_t w2 = load4(19) | (load4(24) << 32);  // ddddeeee
  std::memcpy(&w3, p + 28, 8);                        // eeeeeeee
#if defined(__SSE2__) && !defined(VB365_SCALAR_HEX)
  // SSE2 is part of x86-64: 16 digits per register, one check for all 32.
  const __m128i hi_in =
      _mm_set_epi64x(static_cast<int64_t>(w1), static_cast<int64_t>(w0));
  const __m128i lo_in =
      _mm_set_epi64x(static_cast<int64_t>(w3), static_cast<int64_t>(w2));
  uint64_t hi, lo;
  if (!Hex16(hi_in, &hi) || !Hex16(lo_in, &lo)) return false;
  *out = Id{hi, lo};
  return true;
#else
  uint32_t a, b, c, d;
  if (!Hex8(w0, &a) || !Hex8(w1, &b) || !Hex8(w2, &c) || !Hex8(w3, &d)) {
    return false;
  }
  *out = Id{(uint64_t{a} << 32) | b, (uint64_t{c} << 32) | d};
  return true;
#endif
}

Id ParseId(std::string_view text) {
  const char* p = text.data();
  Id uuid;
  if (ParseUuid(text, &uuid)) return uuid;
  if (text.empty()) return Id{};
  // Not a UUID: a deterministic 128-bit hash (two differently seeded
  // multiply-mix lanes over 8-byte words). Not cryptographic; ids come from
  // one trusted server.
  uint64_t a = 0x243F6A8885A308D3ULL ^ text.size();
  uint64_t b = 0x13198A2E03707344ULL ^ (text.size() * 0x9E3779B97F4A7C15ULL);
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    a = Mix64(a ^ w);
    b = Mix64(b + w * 0xFF51AFD7ED558CCDULL);
  }
  uint64_t tail = 0;
  for (size_t k = 0; i + k < text.size(); ++k) {
    tail |= static_cast<uint64_t>(static_cast<unsigned char>(p[i + k]))
            << (8 * k);
  }
  a = Mix64(a ^ tail ^ 0x452821E638D01377ULL);
  b = Mix64(b + tail * 0xC4CEB9FE1A85EC53ULL);
  Id id{a, b};
  if (id.empty()) id.lo = 1;  // empty() is reserved for "no id"
  return id;
}

}  // namespace vb365
