// Private to model/ and parse/: the pieces of ParseTimestamp, inline, so
// the parser's hot loop can use them without a call (see docs/parsing.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "model/swar.h"
#include "model/types.h"

namespace vb365::timestamp_detail {

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

constexpr bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned DaysInMonth(int y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since the epoch of 1 January of each year in [1970, 2200).
inline constexpr unsigned kTableFirstYear = 1970;
inline constexpr unsigned kTableYears = 230;
struct YearTable {
  int32_t days[kTableYears];
  constexpr YearTable() : days() {
    for (unsigned i = 0; i < kTableYears; ++i) {
      days[i] = static_cast<int32_t>(DaysFromCivil(kTableFirstYear + i, 1, 1));
    }
  }
};
inline constexpr YearTable kYearTable;

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
inline constexpr MonthDays kMonthDays;

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

inline constexpr int64_t kTicksPerDay = 86400 * kTicksPerSecond;

// Parses text like ParseTimestamp, reusing *days when the text starts with
// the date in date[10] (which only ever holds a valid date, or zeros).
// Always inlined: gcc kept it a call in the session walk (10% of the parse
// in perf); inlined, the paired ratio over the DOM parse gains about 1.5%.
__attribute__((always_inline)) inline bool ParseWithDateCache(
    std::string_view text, char* date, int64_t* days, Timestamp* out) {
  if (text.size() < 19) return false;
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  // Two word compares, not memcmp(u, date, 10): a call (even one gcc
  // expands) takes date's address, which keeps the parser's whole walker,
  // that holds the cache, in memory.
  uint64_t text_head, date_head;
  uint16_t text_tail, date_tail;
  std::memcpy(&text_head, u, 8);
  std::memcpy(&date_head, date, 8);
  std::memcpy(&text_tail, u + 8, 2);
  std::memcpy(&date_tail, date + 8, 2);
  int64_t d;
  if (text_head == date_head && text_tail == date_tail) {
    d = *days;
  } else {
    if (!ParseDate(u, &d)) return false;
    std::memcpy(date, u, 10);
    *days = d;
  }
  int64_t ticks;
  if (!ParseTimeOfDay(u, text.size(), &ticks)) return false;
  *out = d * kTicksPerDay + ticks;
  return true;
}

}  // namespace vb365::timestamp_detail
