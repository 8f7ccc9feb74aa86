#include "api/http_util.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "common/utf8.h"

namespace vb365::http {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a JSON string literal starting at body[*pos] == '"'. Returns false on
// anything malformed; a best-effort reader for error messages only (the real
// parser lives in parse/ and is not needed for these few fields).
bool ReadString(std::string_view body, size_t* pos, std::string* out) {
  size_t i = *pos + 1;
  out->clear();
  while (i < body.size()) {
    char c = body[i];
    if (c == '"') {
      *pos = i + 1;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= body.size()) return false;
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        if (i + 4 > body.size()) return false;
        uint32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
          int h = HexValue(body[i + k]);
          if (h < 0) return false;
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        i += 4;
        // Lone surrogates become U+FFFD; pairs are combined.
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= body.size() &&
            body[i] == '\\' && body[i + 1] == 'u') {
          uint32_t lo = 0;
          bool good = true;
          for (int k = 0; k < 4; ++k) {
            int h = HexValue(body[i + 2 + k]);
            if (h < 0) good = false;
            lo = lo * 16 + static_cast<uint32_t>(h < 0 ? 0 : h);
          }
          if (good && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        out->push_back(e);
        break;  // \" \\ \/
    }
  }
  return false;
}

// The string value of the first `"key": "..."` in body (any depth). Not a
// JSON parser: enough for the flat error objects the API returns.
bool FindStringField(std::string_view body, std::string_view key,
                     std::string* out) {
  size_t pos = 0;
  std::string token;
  while (pos < body.size()) {
    size_t q = body.find('"', pos);
    if (q == std::string_view::npos) return false;
    size_t after = q;
    if (!ReadString(body, &after, &token)) return false;
    size_t j = after;
    while (j < body.size() && (body[j] == ' ' || body[j] == '\t' ||
                               body[j] == '\n' || body[j] == '\r')) {
      ++j;
    }
    if (j < body.size() && body[j] == ':' && token == key) {
      ++j;
      while (j < body.size() && (body[j] == ' ' || body[j] == '\t' ||
                                 body[j] == '\n' || body[j] == '\r')) {
        ++j;
      }
      if (j < body.size() && body[j] == '"') return ReadString(body, &j, out);
      return false;
    }
    pos = after;
  }
  return false;
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

std::string ErrorBodyMessage(std::string_view body, size_t max_len,
                             std::initializer_list<std::string_view> secrets) {
  std::string error, description, message;
  bool has_error = FindStringField(body, "error", &error);
  bool has_description =
      FindStringField(body, "error_description", &description);
  bool has_message = FindStringField(body, "message", &message);
  if (!has_message) has_message = FindStringField(body, "Message", &message);
  std::string text;
  if (has_error && has_description) {
    text = error + ": " + description;
  } else if (has_description) {
    text = description;
  } else if (has_error) {
    text = error;
  } else if (has_message) {
    text = message;
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
