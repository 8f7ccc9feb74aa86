// Fuzz target for http::ErrorBodyMessage, which turns the body of a non-2xx
// answer (OAuth {"error","error_description"}, {"message"}, an HTML page,
// anything) into the text the exporter logs. Input: one byte for max_len,
// one for the length of a secret, the secret, then the body. The result is
// at most max_len bytes plus "...", holds no control character and never the
// secret (checked for secrets of 3 or more letters and digits that are not
// part of the "<secret>" placeholder).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include "api/http_util.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t max_len = data[0];
  const size_t secret_len = std::min<size_t>(data[1] % 16, size - 2);
  const std::string secret(reinterpret_cast<const char*>(data + 2), secret_len);
  const vb365::PaddedBody body(
      vb365::fuzz::Text(data + 2 + secret_len, size - 2 - secret_len));

  const std::string text =
      vb365::http::ErrorBodyMessage(body, max_len, {secret});
  VB365_FUZZ_CHECK(text.size() <= max_len + 3);
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    VB365_FUZZ_CHECK(u >= 0x20 && u != 0x7f);
  }
  const bool checkable =
      secret.size() >= 3 &&
      std::string_view("secret").find(secret) == std::string_view::npos &&
      std::all_of(secret.begin(), secret.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0;
      });
  if (checkable) VB365_FUZZ_CHECK(text.find(secret) == std::string::npos);
  // Pure: the same body gives the same text.
  VB365_FUZZ_CHECK(vb365::http::ErrorBodyMessage(body, max_len, {secret}) ==
                   text);
  return 0;
}
