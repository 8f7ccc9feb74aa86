// Fuzz target for AcceptsGzip, which reads a scrape's Accept-Encoding header.
// Besides no crash: the answer does not depend on letter case, and "yes"
// needs a gzip (or x-gzip) token.
#include <cctype>
#include <cstdint>
#include <string>

#include "app/http_server.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string value(vb365::fuzz::Text(data, size));
  const bool gzip = vb365::AcceptsGzip(value);
  std::string lower = value, upper = value;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  VB365_FUZZ_CHECK(vb365::AcceptsGzip(lower) == gzip);
  VB365_FUZZ_CHECK(vb365::AcceptsGzip(upper) == gzip);
  if (gzip) VB365_FUZZ_CHECK(lower.find("gzip") != std::string::npos);
  return 0;
}
