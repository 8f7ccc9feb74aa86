#include "model/types.h"

#include <cstring>

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

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Reads n digits at p into *v; false if any is not a digit.
inline bool Digits(const char* p, int n, unsigned* v) {
  unsigned r = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i] - '0');
    if (d > 9) return false;
    r = r * 10 + d;
  }
  *v = r;
  return true;
}

// Hex digit values; 0xFF for anything else.
struct HexTable {
  uint8_t v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = 0xFF;
    for (int i = 0; i < 10; ++i) v['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) {
      v['a' + i] = static_cast<uint8_t>(10 + i);
      v['A' + i] = static_cast<uint8_t>(10 + i);
    }
  }
};
constexpr HexTable kHex;

// Parses n hex digits at p into *out; false if any is not a hex digit.
inline bool Hex(const char* p, int n, uint64_t* out) {
  uint64_t r = 0;
  uint8_t bad = 0;
  for (int i = 0; i < n; ++i) {
    const uint8_t d = kHex.v[static_cast<unsigned char>(p[i])];
    bad |= d;
    r = (r << 4) | (d & 0x0F);
  }
  *out = r;
  return (bad & 0xF0) == 0;
}

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
  const char* p = text.data();
  const size_t n = text.size();
  // "YYYY-MM-DDThh:mm:ss" is 19 characters.
  if (n < 19) return std::nullopt;
  unsigned year, month, day, hour, minute, second;
  if (!Digits(p, 4, &year) || p[4] != '-' || !Digits(p + 5, 2, &month) ||
      p[7] != '-' || !Digits(p + 8, 2, &day) || p[10] != 'T' ||
      !Digits(p + 11, 2, &hour) || p[13] != ':' ||
      !Digits(p + 14, 2, &minute) || p[16] != ':' ||
      !Digits(p + 17, 2, &second)) {
    return std::nullopt;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(static_cast<int>(year), month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t fraction = 0;  // in ticks
  if (i < n && p[i] == '.') {
    ++i;
    int digits = 0;
    while (i < n && IsDigit(p[i])) {
      if (++digits > 7) return std::nullopt;
      fraction = fraction * 10 + (p[i] - '0');
      ++i;
    }
    if (digits == 0) return std::nullopt;
    static constexpr int64_t kScale[8] = {1,      1000000, 100000, 10000,
                                          1000,   100,     10,     1};
    fraction *= kScale[digits];
  }
  int64_t offset_seconds = 0;
  if (i < n) {
    if (p[i] == 'Z') {
      ++i;
    } else if (p[i] == '+' || p[i] == '-') {
      unsigned oh, om;
      if (n - i < 6 || !Digits(p + i + 1, 2, &oh) || p[i + 3] != ':' ||
          !Digits(p + i + 4, 2, &om) || oh > 23 || om > 59) {
        return std::nullopt;
      }
      offset_seconds = (static_cast<int64_t>(oh) * 60 + om) * 60;
      if (p[i] == '-') offset_seconds = -offset_seconds;
      i += 6;
    } else {
      return std::nullopt;
    }
  }
  if (i != n) return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second -
                          offset_seconds;  // local - offset = UTC
  return seconds * kTicksPerSecond + fraction;
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
    case SessionStatus::kStopped: return "Stopped";
    case SessionStatus::kRunning: return "Running";
    case SessionStatus::kSuccess: return "Success";
    case SessionStatus::kFailed: return "Failed";
    case SessionStatus::kWarning: return "Warning";
    case SessionStatus::kNotConfigured: return "NotConfigured";
    case SessionStatus::kDisconnected: return "Disconnected";
    case SessionStatus::kQueued: return "Queued";
    case SessionStatus::kUnknown: break;
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
    case Bottleneck::kNA: return "NA";
    case Bottleneck::kDetecting: return "Detecting";
    case Bottleneck::kSource: return "Source";
    case Bottleneck::kTarget: return "Target";
    case Bottleneck::kUnknown: break;
  }
  return "Unknown";
}

bool ParseUuid(std::string_view text, Id* out) {
  const char* p = text.data();
  if (text.size() != 36 || p[8] != '-' || p[13] != '-' || p[18] != '-' ||
      p[23] != '-') {
    return false;
  }
  uint64_t a, b, c, d, e;
  if (!Hex(p, 8, &a) || !Hex(p + 9, 4, &b) || !Hex(p + 14, 4, &c) ||
      !Hex(p + 19, 4, &d) || !Hex(p + 24, 12, &e)) {
    return false;
  }
  *out = Id{(a << 32) | (b << 16) | c, (d << 48) | e};
  return true;
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
