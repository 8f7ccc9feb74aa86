// The one JSON string decoder of the tree (RFC 8259 escapes).
#pragma once

#include <string>
#include <string_view>

namespace vb365::parse_internal {

// Decodes the escapes of a string's content (without its quotes) into *out:
// \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs combined into one code
// point. False on any other escape, a cut \u, or an unpaired surrogate (as
// simdjson's own decoder).
bool UnescapeJsonString(std::string_view in, std::string* out);

inline bool HasBackslash(std::string_view s) {
  for (const char c : s) {
    if (c == '\\') return true;
  }
  return false;
}

}  // namespace vb365::parse_internal
