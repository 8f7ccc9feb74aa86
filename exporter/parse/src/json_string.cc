#include "json_string.h"

#include <cstdint>

#include "common/utf8.h"

namespace vb365::parse_internal {
namespace {

bool Hex4(const char* p, uint32_t* out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = (v << 4) | d;
  }
  *out = v;
  return true;
}

// The character a one-letter escape stands for; 0 for none.
char SimpleEscape(char e) {
  switch (e) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '/':
      return '/';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return 0;
  }
}

}  // namespace

bool UnescapeJsonString(std::string_view in, std::string* out) {
  out->clear();
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    const char c = *p++;
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (p == end) return false;
    const char e = *p++;
    if (e != 'u') {
      const char decoded = SimpleEscape(e);
      if (decoded == 0) return false;
      out->push_back(decoded);
      continue;
    }
    uint32_t cp;
    if (end - p < 4 || !Hex4(p, &cp)) return false;
    p += 4;
    if (cp >= 0xD800 && cp < 0xDC00) {
      uint32_t lo;
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !Hex4(p + 2, &lo) ||
          lo < 0xDC00 || lo > 0xDFFF) {
        return false;
      }
      p += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return false;
    }
    AppendUtf8(cp, out);
  }
  return true;
}

}  // namespace vb365::parse_internal
