#include "walker.h"

namespace vb365::parse_internal {

bool TypeFail(Fail* f, const char* where, const char* field, const char* what) {
  f->where = where;
  f->field = field;
  f->what = what;
  f->offset = -1;
  return false;
}

bool SyntaxError(Fail* f, const char* where, const char* what, int64_t offset) {
  f->where = where;
  f->field = nullptr;
  f->what = what;
  f->offset = offset;
  return false;
}

bool ValidScalar(const char* p, const char* end) {
  while (end > p && IsWs(end[-1])) --end;
  const std::string_view t(p, static_cast<size_t>(end - p));
  if (t == "true" || t == "false" || t == "null") return true;
  return SkipNumber(p, end) == end;
}

std::string_view LastPathSegment(std::string_view href) {
  size_t end = href.size();
  size_t start = 0;
  for (size_t i = 0; i < href.size(); ++i) {
    const char c = href[i];
    if (c == '?' || c == '#') {
      end = i;
      break;
    }
    if (c == '/') start = i + 1;
  }
  if (start == end && end > 0) {  // trailing slash: the segment before it
    return LastPathSegment(href.substr(0, end - 1));
  }
  return href.substr(start, end - start);
}

uint32_t Walker::SkipValue(const char* buf, uint32_t len, const uint32_t* idx,
                           uint32_t n, int depth, uint32_t p, const char* where,
                           Fail* f) {
  Walker w(buf, len, idx, n, nullptr);
  w.p_ = p;
  w.depth_ = depth;
  return w.SkipSlow(where, f) ? w.p_ : 0;
}

bool Walker::SkipSlow(const char* where, Fail* f) {
  switch (Peek()) {
    case '"':
      ++p_;
      return true;
    case '{':
      return Members(where, f, [&](const char*) { return SkipSlow(where, f); });
    case '[':
      return Elements(where, f, [&](size_t) { return SkipSlow(where, f); });
    case 't':
      if (!Literal("true", 4)) break;
      ++p_;
      return true;
    case 'f':
      if (!Literal("false", 5)) break;
      ++p_;
      return true;
    case 'n':
      if (!Literal("null", 4)) break;
      ++p_;
      return true;
    default:
      if (IsDigit(Peek()) || Peek() == '-') {
        if (!Number()) break;
        ++p_;
        return true;
      }
      break;
  }
  return Syntax(f, where, "invalid JSON: expected a value");
}

bool Walker::Number() const {
  const char* p = buf_ + idx_[p_];
  const char* end = buf_ + TokenEnd();
  p = SkipNumber(p, end);
  if (p == nullptr) return false;
  while (p < end && IsWs(*p)) ++p;
  return p == end;
}

}  // namespace vb365::parse_internal
