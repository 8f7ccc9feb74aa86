// Fuzz target for the basic-auth check of the web config: a scrape's
// Authorization header through ParseBasicAuthHeader (and DecodeBase64) and
// BasicAuthenticator::CheckHeader. A header that parses gives back the same
// user and password when encoded again; only the configured user with the
// right password passes.
#include <cstdint>
#include <map>
#include <string>

#include "config/web_config.h"
#include "fuzz_check.h"

namespace {

constexpr char kUser[] = "prometheus";
constexpr char kPassword[] = "pw";
// bcrypt of "pw" at cost 4: cheap enough to verify per input.
constexpr char kHash[] =
    "$2b$04$o0ubRdpyf9MNagXEpXXgEuYEbrHRUHdPBf/eYQWvmfupTH9XWfm9G";

std::string EncodeBase64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = in.size() - i < 3 ? in.size() - i : 3;
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (n > 1) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (n > 2) v |= static_cast<unsigned char>(in[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view header = vb365::fuzz::Text(data, size);
  std::string user, password;
  const bool parsed = vb365::ParseBasicAuthHeader(header, &user, &password);
  if (parsed) {
    VB365_FUZZ_CHECK(user.find(':') == std::string::npos);
    std::string user2, password2;
    VB365_FUZZ_CHECK(vb365::ParseBasicAuthHeader(
        "Basic " + EncodeBase64(user + ":" + password), &user2, &password2));
    VB365_FUZZ_CHECK(user2 == user && password2 == password);
  }
  // DecodeBase64 on the whole input: what decodes encodes and decodes back.
  std::string decoded;
  if (vb365::DecodeBase64(header, &decoded)) {
    const size_t pad =
        header.size() < 4
            ? 0
            : (header.back() == '=') + (header[header.size() - 2] == '=');
    VB365_FUZZ_CHECK(decoded.size() == header.size() / 4 * 3 - pad);
    std::string again;
    VB365_FUZZ_CHECK(vb365::DecodeBase64(EncodeBase64(decoded), &again));
    VB365_FUZZ_CHECK(again == decoded);
  }
  // bcrypt only for the configured user (an unknown user costs a cost-10
  // bcrypt by design, too slow to pay per input).
  if (parsed && user == kUser) {
    static vb365::BasicAuthenticator auth({{kUser, vb365::Secret(kHash)}});
    VB365_FUZZ_CHECK(auth.CheckHeader(header) == (password == kPassword));
  }
  return 0;
}
