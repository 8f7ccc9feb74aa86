// Fuzz target for http::ParseRetryAfter, the Retry-After header of a 429 or
// 503 (delta-seconds or an HTTP date, through curl_getdate). The result is
// -1 (unparsable) or a number of seconds in [0, 86400]; delta-seconds read as
// their value (leading zeros too), capped at a day; blanks around the value
// do not matter.
#include <cmath>
#include <cstdint>
#include <ctime>
#include <string>

#include "api/http_util.h"
#include "fuzz_check.h"

namespace {

// 2026-12-01T00:00:00Z: a fixed "now", so a date parses the same every run.
constexpr std::time_t kNow = 1'796'083'200;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value = vb365::fuzz::Text(data, size);
  const double seconds = vb365::http::ParseRetryAfter(value, kNow);
  VB365_FUZZ_CHECK(!std::isnan(seconds));
  VB365_FUZZ_CHECK(seconds == -1 || (seconds >= 0 && seconds <= 86400));

  if (!value.empty() &&
      value.find_first_not_of("0123456789") == std::string_view::npos) {
    // The value with its leading zeros dropped, compared as a number.
    const size_t first = value.find_first_not_of('0');
    const std::string_view digits =
        first == std::string_view::npos ? "0" : value.substr(first);
    const double expected =
        digits.size() > 5 ? 86400
                          : std::min(std::stod(std::string(digits)), 86400.0);
    VB365_FUZZ_CHECK(seconds == expected);
  }
  const std::string padded = " \t" + std::string(value) + " \r\n";
  VB365_FUZZ_CHECK(vb365::http::ParseRetryAfter(padded, kNow) == seconds);
  return 0;
}
