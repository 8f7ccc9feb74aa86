#include "model/types.h"

#include <cstring>

#include "model/swar.h"

#if defined(__SSE2__) && !defined(VB365_SCALAR_HEX)
#include <emmintrin.h>
#endif

namespace vb365 {
namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard
// Hinnant's days_from_civil): branch-light, no tables, no locale.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

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

constexpr bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned DaysInMonth(int y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
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

namespace {

// Days since the epoch of 1 January of each year in [1970, 2200).
constexpr unsigned kTableFirstYear = 1970;
constexpr unsigned kTableYears = 230;
struct YearTable {
  int32_t days[kTableYears];
  constexpr YearTable() : days() {
    for (unsigned i = 0; i < kTableYears; ++i) {
      days[i] = static_cast<int32_t>(DaysFromCivil(kTableFirstYear + i, 1, 1));
    }
  }
};
constexpr YearTable kYearTable;

struct MonthDays {
  unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  unsigned before[2][12] = {};  // days before each month, [leap][month]
  constexpr MonthDays() {
    for (int leap = 0; leap < 2; ++leap) {
      unsigned sum = 0;
      for (int m = 0; m < 12; ++m) {
        before[leap][m] = sum;
        sum += days[m] + (leap && m == 1 ? 1 : 0);
      }
    }
  }
};
constexpr MonthDays kMonthDays;

inline unsigned Digit(const unsigned char* u, size_t i) {
  return static_cast<unsigned>(u[i]) - '0';
}

// "YYYY-MM-DD" at u: days since the epoch; false if not a valid date.
inline bool ParseDate(const unsigned char* u, int64_t* days) {
  const unsigned y0 = Digit(u, 0), y1 = Digit(u, 1), y2 = Digit(u, 2),
                 y3 = Digit(u, 3), mo0 = Digit(u, 5), mo1 = Digit(u, 6),
                 d0 = Digit(u, 8), d1 = Digit(u, 9);
  // Branch-free checks: one test.
  const unsigned bad = (y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (mo0 > 9) |
                       (mo1 > 9) | (d0 > 9) | (d1 > 9) | (u[4] != '-') |
                       (u[7] != '-');
  if (bad) return false;
  const unsigned year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const unsigned month = mo0 * 10 + mo1;
  const unsigned day = d0 * 10 + d1;
  if (year - kTableFirstYear < kTableYears && month - 1 <= 11 && day >= 1) {
    // The common case by table: no calendar arithmetic.
    const bool leap = IsLeap(static_cast<int>(year));
    const unsigned month_days =
        kMonthDays.days[month - 1] + (leap && month == 2 ? 1 : 0);
    if (day > month_days) return false;
    *days = kYearTable.days[year - kTableFirstYear] +
            kMonthDays.before[leap][month - 1] + (day - 1);
    return true;
  }
  if (year < 1 || month - 1 > 11 || day < 1 ||
      day > DaysInMonth(static_cast<int>(year), month)) {
    return false;
  }
  *days = DaysFromCivil(year, month, day);
  return true;
}

// "Thh:mm:ss[.f{1,7}](Z|+hh:mm|-hh:mm)?" from u[10] to u[n] (n >= 19): ticks
// since midnight, minus the zone offset.
inline bool ParseTimeOfDay(const unsigned char* u, size_t n, int64_t* ticks) {
  // "hh:mm:ss" in one word: colons at bytes 2 and 5, digits elsewhere.
  uint64_t x;
  std::memcpy(&x, u + 11, 8);
  constexpr uint64_t kColons = 0x00003A00003A0000ULL;
  constexpr uint64_t kColonMask = 0x0000FF0000FF0000ULL;
  const uint64_t y =
      (x & ~kColonMask) | 0x0000300000300000ULL;  // colons -> '0'
  if (u[10] != 'T' || (x & kColonMask) != kColons ||
      swar::DigitPrefix(y) != 8) {
    return false;
  }
  // Byte i of d*10 + (d>>8) is 10*d[i] + d[i+1]: the pairs at bytes 0, 3, 6.
  const uint64_t d = y - 0x3030303030303030ULL;
  const uint64_t pairs = d * 10 + (d >> 8);
  const unsigned hour = static_cast<unsigned>(pairs & 0xFF);
  const unsigned minute = static_cast<unsigned>((pairs >> 24) & 0xFF);
  const unsigned second = static_cast<unsigned>((pairs >> 48) & 0xFF);
  if (hour > 23 || minute > 59 || second > 59) return false;
  size_t i = 19;
  int64_t fraction = 0;
  if (n >= 27 && u[19] == '.') {
    // Up to 7 digits with one load: the 8 bytes at the dot, dot shifted out.
    uint64_t chunk;
    std::memcpy(&chunk, u + 19, 8);
    const int digits = swar::DigitPrefix(chunk >> 8);  // the top byte is 0
    if (digits == 0) return false;
    static constexpr int64_t kScale[8] = {1,    1000000, 100000, 10000,
                                          1000, 100,     10,     1};
    fraction = static_cast<int64_t>(swar::DigitsValue(chunk >> 8, digits)) *
               kScale[digits];
    i = 20 + static_cast<size_t>(digits);
    if (i < n && Digit(u, i) <= 9) return false;  // an 8th digit
  } else if (i < n && u[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < n && Digit(u, i) <= 9) {
      fraction = fraction * 10 + Digit(u, i);
      ++i;
    }
    const size_t digits = i - start;
    if (digits == 0 || digits > 7) return false;
    static constexpr int64_t kScale[8] = {1,    1000000, 100000, 10000,
                                          1000, 100,     10,     1};
    fraction *= kScale[digits];
  }
  int64_t offset_seconds = 0;
  if (i < n) {
    if (u[i] == 'Z') {
      ++i;
    } else if (u[i] == '+' || u[i] == '-') {
      if (n - i < 6) return false;
      const unsigned oh0 = Digit(u, i + 1), oh1 = Digit(u, i + 2),
                     om0 = Digit(u, i + 4), om1 = Digit(u, i + 5);
      if ((oh0 > 9) | (oh1 > 9) | (om0 > 9) | (om1 > 9) | (u[i + 3] != ':')) {
        return false;
      }
      const unsigned oh = oh0 * 10 + oh1, om = om0 * 10 + om1;
      if (oh > 23 || om > 59) return false;
      offset_seconds = (static_cast<int64_t>(oh) * 60 + om) * 60;
      if (u[i] == '-') offset_seconds = -offset_seconds;
      i += 6;
    } else {
      return false;
    }
  }
  if (i != n) return false;
  // Local time minus the offset is UTC.
  *ticks = (static_cast<int64_t>(hour * 3600 + minute * 60 + second) -
            offset_seconds) *
               kTicksPerSecond +
           fraction;
  return true;
}

constexpr int64_t kTicksPerDay = 86400 * kTicksPerSecond;

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view text) {
  // "YYYY-MM-DDThh:mm:ss" is 19 characters.
  if (text.size() < 19) return std::nullopt;
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  int64_t days, ticks;
  if (!ParseDate(u, &days) || !ParseTimeOfDay(u, text.size(), &ticks)) {
    return std::nullopt;
  }
  return days * kTicksPerDay + ticks;
}

std::optional<Timestamp> TimestampParser::Parse(std::string_view text) {
  if (text.size() < 19) return std::nullopt;
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  int64_t days;
  if (std::memcmp(u, date_, 10) == 0) {
    days = days_;  // date_ only ever holds a valid date
  } else {
    if (!ParseDate(u, &days)) return std::nullopt;
    std::memcpy(date_, u, 10);
    days_ = days;
  }
  int64_t ticks;
  if (!ParseTimeOfDay(u, text.size(), &ticks)) return std::nullopt;
  return days * kTicksPerDay + ticks;
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
