#include "api/http_util.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "parse/parser.h"
#include "thread_parser.h"

namespace vb365::http {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string Sanitize(std::string_view text, size_t max_len) {
  std::string out;
  out.reserve(text.size() < max_len ? text.size() : max_len + 3);
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    out.push_back(c < 0x20 || c == 0x7F ? ' ' : ch);
  }
  if (out.size() > max_len) {
    size_t cut = max_len;
    // Do not split a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string ErrorBodyMessage(const PaddedBody& body, size_t max_len,
                             std::initializer_list<std::string_view> secrets) {
  std::string text;
  Result<ApiErrorBody> parsed = ThreadParser().ParseErrorBody(body);
  if (parsed.ok()) {
    const ApiErrorBody& e = *parsed;
    if (e.error && e.error_description) {
      text = *e.error + ": " + *e.error_description;
    } else if (e.error_description) {
      text = *e.error_description;
    } else if (e.error) {
      text = *e.error;
    } else if (e.message) {
      text = *e.message;
    }
  }
  for (std::string_view secret : secrets) text = Scrub(std::move(text), secret);
  return Sanitize(text, max_len);
}

std::string Scrub(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "<secret>");
    pos += 8;
  }
  return text;
}

double ParseRetryAfter(std::string_view value, std::time_t now) {
  constexpr double kMax = 86400;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' ||
                            value.back() == '\r' || value.back() == '\n')) {
    value.remove_suffix(1);
  }
  if (value.empty()) return -1;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    // Leading zeros count for nothing ("0000000005" is 5 s).
    while (value.size() > 1 && value.front() == '0') value.remove_prefix(1);
    if (value.size() > 9) return kMax;
    double seconds = std::strtod(std::string(value).c_str(), nullptr);
    return std::min(seconds, kMax);
  }
  // curl_getdate parses the RFC 7231 date forms and is thread-safe.
  std::time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return -1;
  double seconds = std::difftime(when, now);
  return std::clamp(seconds, 0.0, kMax);
}

}  // namespace vb365::http
