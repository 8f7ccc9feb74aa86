// The grammar walker (stage 2): a recursive-descent pass over stage 1's token
// offsets that checks the JSON grammar of the whole document while reading
// values straight from the input bytes. It knows JSON, not the API: the
// readers (*_reader.cc) say which members they want through object_reader.h.
//
// Token i spans [idx[i], idx[i+1]); the last token's span is empty (idx[n]
// is a sentinel equal to idx[n-1]), which is harmless: a body we accept ends
// with a bracket, checked first. Every method that consumes a value checks
// its grammar; syntax errors record the byte offset. Not thread-safe; one
// walk per parse.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "json_string.h"
#include "model/swar.h"
#include "model/timestamp_detail.h"
#include "model/types.h"
#include "structural_index.h"
#include "walker_util.h"

namespace vb365::parse_internal {

// Why a document failed, from static strings only (never a value, so never
// a secret): `array[index]` the element (array nullptr: not in one; "" for
// a plain top-level array), `where` the object path inside it ("statistics",
// "_links.job"; nullptr: the element itself), `field` the member, `what` the
// description, and `offset` the byte offset of a syntax error (-1 if none).
// MakeError (document.h) turns it into "results[12].statistics.x: what".
struct Fail {
  const char* array = nullptr;
  int64_t index = -1;
  const char* where = nullptr;
  const char* field = nullptr;
  const char* what = nullptr;
  int64_t offset = -1;
};

inline constexpr char kExpectedString[] = "expected string";
inline constexpr char kExpectedInteger[] = "expected integer";
inline constexpr char kExpectedObject[] = "expected object";
inline constexpr char kExpectedArray[] = "expected array";
inline constexpr char kExpectedBool[] = "expected boolean";
inline constexpr char kExpectedTimestamp[] = "expected ISO 8601 timestamp";
inline constexpr char kMissing[] = "missing";

// A type error of member `field` of the object at `where`. Cold: error
// paths stay out of the hot loops' code.
__attribute__((cold, noinline)) bool TypeFail(Fail* f, const char* where,
                                              const char* field,
                                              const char* what);

// [p, end) is a JSON literal or number, optionally followed by whitespace.
__attribute__((noinline)) bool ValidScalar(const char* p, const char* end);

// The last path segment of an href: ".../jobs/<id>" with an absolute URL
// (v3..v5) or a relative "/v6/Jobs/<id>" path; a query or fragment is cut.
std::string_view LastPathSegment(std::string_view href);

// A syntax error at byte `offset`: fills *f, returns false. Cold.
__attribute__((cold, noinline)) bool SyntaxError(Fail* f, const char* where,
                                                 const char* what,
                                                 int64_t offset);

// Result of reading an optional value: null and absent mean the same.
enum class Read { kValue, kNull, kBad };

class Walker {
 public:
  Walker(const char* buf, size_t len, const uint32_t* idx, uint32_t n,
         std::string* scratch)
      : buf_(buf),
        len_(static_cast<uint32_t>(len)),
        idx_(idx),
        n_(n),
        scratch_(scratch) {}

  // The first character of the next token. No bounds check: past the last
  // token the index holds sentinels (StructuralIndex::kSentinels) that
  // repeat the last token, which no rule accepts more than once per nesting
  // level.
  VB365_ALWAYS_INLINE char Peek() const { return buf_[idx_[p_]]; }
  VB365_ALWAYS_INLINE uint32_t Offset() const {
    return p_ < n_ ? idx_[p_] : len_;
  }
  // Exactly at the end: a walk that consumed a sentinel went past it.
  bool AtEnd() const { return p_ == n_; }

  // A syntax error at the current token. The cold part gets the offset, not
  // the walker: a call with the walker's address would keep the whole walker
  // in memory (gcc's SRA gives up on it), every ++p_ of the hot loops a store.
  VB365_ALWAYS_INLINE bool Syntax(Fail* f, const char* where,
                                  const char* what) const {
    return SyntaxError(f, where, what, Offset());
  }

  // ---- Containers: the one member loop and the one element loop ----------

  // The object whose '{' is the next token: for each member, the key's raw
  // bytes (after its quote) go to on_member(key), which consumes the value
  // and returns false on error (having filled *f).
  template <typename OnMember>
  VB365_ALWAYS_INLINE bool Members(const char* where, Fail* f,
                                   OnMember on_member) {
    bool empty = false;
    if (!Open('}', &empty, where, f)) return false;
    for (bool more = !empty; more;) {
      const char* key = nullptr;
      if (!Key(&key, where, f) || !on_member(key) ||
          !Next('}', &more, where, f)) {
        return false;
      }
    }
    if (!empty) --depth_;
    return true;
  }

  // The array whose '[' is the next token: on_element(index) consumes each
  // element and returns false on error (having filled *f).
  template <typename OnElement>
  VB365_ALWAYS_INLINE bool Elements(const char* where, Fail* f,
                                    OnElement on_element) {
    bool empty = false;
    if (!Open(']', &empty, where, f)) return false;
    size_t index = 0;
    for (bool more = !empty; more; ++index) {
      if (!on_element(index) || !Next(']', &more, where, f)) return false;
    }
    if (!empty) --depth_;
    return true;
  }

  // ---- Values --------------------------------------------------------------

  // A string token's content; false (nothing consumed) if not a string.
  VB365_ALWAYS_INLINE bool RawString(std::string_view* content) {
    if (Peek() != '"') return false;
    const uint32_t start = idx_[p_] + 1;
    uint32_t end = TokenEnd();
    if (end <= start) return false;  // the last token: the document is cut
    while (IsWs(buf_[end - 1])) --end;
    // Stage 1 guarantees the closing quote right before the whitespace.
    *content = std::string_view(buf_ + start, end - 1 - start);
    ++p_;
    return true;
  }

  // A string value, unescaped when it has escapes (into the scratch buffer,
  // valid until the next unescaped string).
  VB365_ALWAYS_INLINE Read String(std::string_view* out) {
    std::string_view raw;
    if (RawString(&raw)) {
      if (!HasBackslash(raw)) {
        *out = raw;
        return Read::kValue;
      }
      if (!UnescapeJsonString(raw, scratch_)) return Read::kBad;
      *out = *scratch_;
      return Read::kValue;
    }
    return Null() ? Read::kNull : Read::kBad;
  }

  // An id string: a UUID is read in place (it cannot hold escapes); any
  // other string is unescaped if needed and hashed.
  VB365_ALWAYS_INLINE bool IdValue(Id* out) {
    std::string_view raw;
    if (!RawString(&raw)) return false;
    if (ParseUuid(raw, out)) return true;
    if (HasBackslash(raw)) {
      if (!UnescapeJsonString(raw, scratch_)) return false;
      raw = *scratch_;
    }
    *out = ParseId(raw);
    return true;
  }

  // The id an href points to: its last path segment (raw: escapes intact).
  // The elements of one response mostly link the same resource, so the
  // last result is kept.
  VB365_ALWAYS_INLINE bool IdFromHref(std::string_view raw, Id* out) {
    // Fast path: ".../<uuid>" (no escapes, query or fragment possible).
    if (raw.size() > 36 && raw[raw.size() - 37] == '/') {
      const std::string_view seg = raw.substr(raw.size() - 36);
      if (last_href_segment_.size() == 36 &&
          Equal36(seg.data(), last_href_segment_.data())) {
        *out = last_href_id_;
        return true;
      }
      if (ParseUuid(seg, out)) {
        last_href_segment_ = seg;
        last_href_id_ = *out;
        return true;
      }
    }
    if (HasBackslash(raw)) {
      if (!UnescapeJsonString(raw, scratch_)) return false;
      raw = *scratch_;
    }
    *out = ParseId(LastPathSegment(raw));
    return true;
  }

  // An enumeration string (status, bottleneck) or null. A known name cannot
  // contain escapes, so only an unknown one is checked for them.
  template <typename E>
  VB365_ALWAYS_INLINE Read Enum(E (*parse)(std::string_view), E unknown,
                                E* out) {
    std::string_view raw;
    if (!RawString(&raw)) return Null() ? Read::kNull : Read::kBad;
    *out = parse(raw);
    if (*out == unknown && HasBackslash(raw)) {
      if (!UnescapeJsonString(raw, scratch_)) return Read::kBad;
      *out = parse(*scratch_);
    }
    return Read::kValue;
  }

  // Consumes a null literal.
  VB365_ALWAYS_INLINE bool Null() {
    if (Peek() != 'n' || !Literal("null", 4)) return false;
    ++p_;
    return true;
  }

  // A JSON integer (no fraction or exponent) in the int64 range, or null.
  VB365_ALWAYS_INLINE Read Int(int64_t* out) {
    const char c = Peek();
    if (!IsDigit(c) && c != '-') return Null() ? Read::kNull : Read::kBad;
    const char* p = buf_ + idx_[p_];
    const char* end = buf_ + TokenEnd();
    if (end <= p) return Read::kBad;  // the last token: the document is cut
    bool neg = false;
    if (*p == '-') {
      neg = true;
      ++p;
    }
    if (p == end || !IsDigit(*p)) return Read::kBad;
    if (*p == '0' && p + 1 < end && IsDigit(p[1])) return Read::kBad;
    uint64_t v;
    if (!Digits(&p, end, &v)) return Read::kBad;
    while (p < end && IsWs(*p)) ++p;
    if (p != end) return Read::kBad;
    if (neg) {
      if (v > (uint64_t{1} << 63)) return Read::kBad;
      *out = static_cast<int64_t>(0 - v);
    } else {
      if (v > static_cast<uint64_t>(INT64_MAX)) return Read::kBad;
      *out = static_cast<int64_t>(v);
    }
    ++p_;
    return Read::kValue;
  }

  // A timestamp string or null. Timestamps never need escapes.
  VB365_ALWAYS_INLINE Read Time(Timestamp* out) {
    std::string_view raw;
    if (RawString(&raw)) {
      // Inline, with the date of the previous timestamp reused.
      if (!timestamp_detail::ParseWithDateCache(raw, date_, &days_, out)) {
        return Read::kBad;
      }
      return Read::kValue;
    }
    return Null() ? Read::kNull : Read::kBad;
  }

  VB365_ALWAYS_INLINE Read Bool(bool* out) {
    const char c = Peek();
    if (c == 't' && Literal("true", 4)) {
      *out = true;
    } else if (c == 'f' && Literal("false", 5)) {
      *out = false;
    } else {
      return Null() ? Read::kNull : Read::kBad;
    }
    ++p_;
    return Read::kValue;
  }

  // Skips any value, checking its grammar. A string (the usual unknown
  // member) is skipped inline, and so are objects of strings (links such as
  // {"href": "..."}) and `false` (v7+ jobWillBeRetried); anything else out
  // of line, handed the position (not the walker), so that this walker's
  // address never escapes and its state stays in registers in the hot loops.
  VB365_ALWAYS_INLINE bool Skip(const char* where, Fail* f) {
    const char c = Peek();
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c == '{') {
      return Members(where, f, [&](const char*) VB365_INLINE_LAMBDA {
        if (Peek() != '"') return SkipOutOfLine(where, f);
        ++p_;
        return true;
      });
    }
    if (c == 'f' && Literal("false", 5)) {
      ++p_;
      return true;
    }
    if (c != '[') {
      // Other literals and numbers (eTag): checked out of line on its bytes
      // alone, so nothing of the walker is copied.
      if (!ValidScalar(buf_ + idx_[p_], buf_ + TokenEnd())) {
        return Syntax(f, where, "invalid JSON: expected a value");
      }
      ++p_;
      return true;
    }
    return SkipOutOfLine(where, f);
  }

 private:
  // Opens an object or array (its bracket is the next token); *empty says
  // it closed at once.
  VB365_ALWAYS_INLINE bool Open(char close, bool* empty, const char* where,
                                Fail* f) {
    ++p_;  // '{' or '['
    if (++depth_ > kMaxDepth) return Syntax(f, where, "nesting too deep");
    if (Peek() == close) {
      ++p_;
      --depth_;
      *empty = true;
    } else {
      *empty = false;
    }
    return true;
  }

  // Consumes a '"key":' pair start; the key's raw bytes go to *raw.
  VB365_ALWAYS_INLINE bool Key(const char** raw, const char* where, Fail* f) {
    if (Peek() != '"') return Syntax(f, where, "invalid JSON: expected a key");
    *raw = buf_ + idx_[p_] + 1;
    ++p_;
    if (Peek() != ':') return Syntax(f, where, "invalid JSON: expected ':'");
    ++p_;
    return true;
  }

  // After a member or element: ',' (another follows: *more=true) or the
  // closing bracket (*more=false).
  VB365_ALWAYS_INLINE bool Next(char close, bool* more, const char* where,
                                Fail* f) {
    const char c = Peek();
    if (c == ',') {
      ++p_;
      *more = true;
      return true;
    }
    if (c == close) {
      ++p_;
      *more = false;
      return true;
    }
    return Syntax(f, where,
                  close == '}' ? "invalid JSON: expected ',' or '}'"
                               : "invalid JSON: expected ',' or ']'");
  }

  // End of the current token (exclusive): the next token's offset. The last
  // token's end is its own start (the sentinel), so a document that ends in
  // a scalar reads as an empty, invalid token.
  VB365_ALWAYS_INLINE uint32_t TokenEnd() const { return idx_[p_ + 1]; }

  // The current token is exactly `lit` (plus whitespace).
  VB365_ALWAYS_INLINE bool Literal(const char* lit, uint32_t n) const {
    const uint32_t start = idx_[p_];
    const uint32_t end = TokenEnd();
    if (end - start < n || std::memcmp(buf_ + start, lit, n) != 0) return false;
    for (uint32_t i = start + n; i < end; ++i) {
      if (!IsWs(buf_[i])) return false;
    }
    return true;
  }

  // The decimal digits at *p (at least one) as a value, eight at a time
  // (SWAR). Reading 8 bytes past a short number stays in the input or its
  // padding; only the digits before `end` count (digits cannot run past it:
  // a token ends at whitespace or a structural). More than 19 digits fail;
  // 19 can exceed INT64_MAX but not wrap uint64_t.
  VB365_ALWAYS_INLINE static bool Digits(const char** pp, const char* end,
                                         uint64_t* out) {
    const char* p = *pp;
    uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    int k = swar::DigitPrefix(chunk);
    uint64_t v;
    if (k < 8) {  // the usual case: the whole number in one word
      if (p + k > end) return false;
      v = swar::DigitsValue(chunk, k);
      p += k;
    } else {
      v = swar::DigitsValue(chunk, 8);
      p += 8;
      int digits = 8;
      for (;;) {
        std::memcpy(&chunk, p, 8);
        k = swar::DigitPrefix(chunk);
        if (p + k > end) return false;
        if (k == 0) break;
        digits += k;
        if (digits > 19) return false;
        v = v * swar::kPow10[k] + swar::DigitsValue(chunk, k);
        p += k;
        if (k < 8) break;
      }
    }
    *pp = p;
    *out = v;
    return true;
  }

  // The call gets the position and the index, not the walker (nor a copy of
  // it): with its address taken the walker would live in memory.
  VB365_ALWAYS_INLINE bool SkipOutOfLine(const char* where, Fail* f) {
    const uint32_t p = SkipValue(buf_, len_, idx_, n_, depth_, p_, where, f);
    if (p == 0) return false;
    p_ = p;
    return true;
  }
  // Any value at token p, recursively (walker.cc): the position after it,
  // or 0 on a syntax error (*f filled).
  __attribute__((noinline)) static uint32_t SkipValue(
      const char* buf, uint32_t len, const uint32_t* idx, uint32_t n, int depth,
      uint32_t p, const char* where, Fail* f);
  bool SkipSlow(const char* where, Fail* f);
  // The current token is a JSON number (any size; not converted).
  bool Number() const;

  const char* buf_;
  uint32_t len_;
  const uint32_t* idx_;
  uint32_t n_;
  uint32_t p_ = 0;
  int depth_ = 0;
  std::string* scratch_;
  std::string_view last_href_segment_;
  Id last_href_id_;
  char date_[10] = {};  // see timestamp_detail::ParseWithDateCache
  int64_t days_ = 0;
};

}  // namespace vb365::parse_internal
