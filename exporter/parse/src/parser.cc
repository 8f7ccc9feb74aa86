// parser.h on simdjson's stage 1 plus a purpose-built stage 2.
//
// Stage 1 is simdjson's structural indexer (SIMD, kernel chosen at run time:
// AVX-512, AVX2, SSE4.2 or scalar): it validates UTF-8, finds every string
// and every structural character, and produces the byte offsets of all tokens.
// Stage 2 is the Walker below: a recursive-descent pass over those offsets
// that checks the JSON grammar of the whole document (every ':' and ',',
// bracket matching, literals, numbers) and reads the fields the exporter
// needs straight from the input bytes: keys are matched with fixed-size
// compares, integers, timestamps and ids are parsed in place, no string is
// copied unless the model keeps it (Job names), and nothing is allocated per
// session. Why not simdjson On-Demand for stage 2: measured here it ran at
// about a third of simdjson's own DOM parse on the sessions payload, because
// its per-field bookkeeping dominates when most fields are read (see
// docs/parsing.md for the figures).
#include "parse/parser.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>

#include "common/utf8.h"
#include "model/swar.h"
#include "model/timestamp_detail.h"

namespace vb365 {
namespace {

constexpr int kMaxDepth = 256;

#define ALWAYS_INLINE __attribute__((always_inline)) inline

// Why an element failed: a static path relative to the element (nullptr: the
// element itself) and a static description; `offset` is the byte offset for
// syntax errors (-1 otherwise).
struct Fail {
  const char* field = nullptr;
  const char* what = nullptr;
  int64_t offset = -1;
};

constexpr char kExpectedString[] = "expected string";
constexpr char kExpectedInteger[] = "expected integer";
constexpr char kExpectedObject[] = "expected object";
constexpr char kExpectedArray[] = "expected array";
constexpr char kExpectedBool[] = "expected boolean";
constexpr char kExpectedTimestamp[] = "expected ISO 8601 timestamp";
constexpr char kMissing[] = "missing";

ALWAYS_INLINE bool IsWs(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
ALWAYS_INLINE bool IsDigit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// A key and its closing quote as little-endian words, built at compile time.
template <size_t N>
struct KeyPattern {
  static constexpr size_t kWords = (N + 7) / 8;
  uint64_t w[kWords] = {};
};
template <size_t N>
constexpr KeyPattern<N> MakeKeyPattern(const char (&lit)[N]) {
  KeyPattern<N> p;
  for (size_t i = 0; i < N; ++i) {
    const uint64_t byte = i < N - 1 ? static_cast<uint8_t>(lit[i]) : '"';
    p.w[i / 8] |= byte << (8 * (i % 8));
  }
  return p;
}

// The key's raw bytes (after its opening quote) are the pattern's: whole
// words against constants, no byte loop, no memcmp call. Reading whole words
// past a short key is safe: a key is followed by ':' and a value or by the
// input's padding. Escaped keys never match (the API sends none).
template <size_t N>
ALWAYS_INLINE bool MatchKey(const char* raw, const KeyPattern<N>& p) {
  uint64_t diff = 0;
  for (size_t i = 0; i < KeyPattern<N>::kWords; ++i) {
    uint64_t w;
    std::memcpy(&w, raw + 8 * i, 8);
    const uint64_t mask = (i + 1 < KeyPattern<N>::kWords || N % 8 == 0)
                              ? ~uint64_t{0}
                              : (uint64_t{1} << (8 * (N % 8))) - 1;
    diff |= (w ^ p.w[i]) & mask;
  }
  return diff == 0;
}

// KEY_IS(raw, "name"): the key at raw is exactly "name".
#define KEY_IS(raw, lit)                                  \
  ([](const char* r) {                                    \
    static constexpr auto kPattern = MakeKeyPattern(lit); \
    return MatchKey(r, kPattern);                         \
  }(raw))

// 36 bytes (a UUID) equal, inline.
ALWAYS_INLINE bool Equal36(const char* a, const char* b) {
  uint64_t diff = 0;
  for (int i = 0; i < 32; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  uint32_t x, y;
  std::memcpy(&x, a + 32, 4);
  std::memcpy(&y, b + 32, 4);
  return (diff | (x ^ y)) == 0;
}

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

// Decodes the JSON escapes of a string's content (without its quotes).
// Unpaired surrogates are rejected, as simdjson does.
bool Unescape(std::string_view in, std::string* out) {
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
    switch (e) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
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
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

ALWAYS_INLINE bool HasBackslash(std::string_view s) {
  for (const char c : s) {
    if (c == '\\') return true;
  }
  return false;
}

// The last path segment of an href: ".../jobs/<id>" with an absolute URL
// (v3..v5) or a relative "/v6/Jobs/<id>" path; a query or fragment is cut.
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

// Result of reading an optional value: null and absent mean the same.
enum class Read { kValue, kNull, kBad };

// Past the JSON number (RFC 8259 grammar, any size) that starts at p, or
// nullptr when [p, end) does not start with one.
ALWAYS_INLINE const char* SkipNumber(const char* p, const char* end) {
  if (p < end && *p == '-') ++p;
  if (p == end || !IsDigit(*p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (p < end && IsDigit(*p)) ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !IsDigit(*p)) return nullptr;
    while (p < end && IsDigit(*p)) ++p;
  }
  return p;
}

// [p, end) is a JSON literal or number, optionally followed by whitespace.
__attribute__((noinline)) bool ValidScalar(const char* p, const char* end) {
  while (end > p && IsWs(end[-1])) --end;
  const std::string_view t(p, static_cast<size_t>(end - p));
  if (t == "true" || t == "false" || t == "null") return true;
  return SkipNumber(p, end) == end;
}

// Stage 2 over stage 1's token offsets. Token i spans [idx[i], idx[i+1]);
// the last token's span is empty (idx[n] is a sentinel equal to idx[n-1]),
// which is harmless: a body we accept ends with a bracket, checked first.
// Every method that consumes a value checks its grammar; syntax errors
// record the byte offset. Not thread-safe; one walk per parse.
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
  // token the index holds sentinels (see Impl::Index) that repeat the last
  // token, which no rule accepts more than once per nesting level.
  ALWAYS_INLINE char Peek() const { return buf_[idx_[p_]]; }
  uint32_t Offset() const { return p_ < n_ ? idx_[p_] : len_; }
  // Exactly at the end: a walk that consumed a sentinel went past it.
  bool AtEnd() const { return p_ == n_; }
  // Raw bytes of the key token about to be consumed (after its quote).
  ALWAYS_INLINE const char* KeyRaw() const { return buf_ + idx_[p_] + 1; }

  // Error paths are cold: kept out of the hot loops' code.
  __attribute__((cold, noinline)) bool Syntax(Fail* f, const char* field,
                                              const char* what) const {
    f->field = field;
    f->what = what;
    f->offset = Offset();
    return false;
  }

  // Consumes a '"key":' pair start; the key's raw bytes go to *raw.
  ALWAYS_INLINE bool Key(const char** raw, const char* where, Fail* f) {
    if (Peek() != '"') return Syntax(f, where, "invalid JSON: expected a key");
    *raw = KeyRaw();
    ++p_;
    if (Peek() != ':') return Syntax(f, where, "invalid JSON: expected ':'");
    ++p_;
    return true;
  }

  // After a member: ',' (another follows: returns true, *more=true) or the
  // closing bracket (returns true, *more=false).
  ALWAYS_INLINE bool Next(char close, bool* more, const char* where, Fail* f) {
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

  // Opens an object; *empty says it closed at once.
  ALWAYS_INLINE bool OpenObject(bool* empty, const char* where, Fail* f) {
    ++p_;  // '{'
    if (++depth_ > kMaxDepth) return Syntax(f, where, "nesting too deep");
    if (Peek() == '}') {
      ++p_;
      --depth_;
      *empty = true;
    } else {
      *empty = false;
    }
    return true;
  }
  ALWAYS_INLINE void CloseObject() { --depth_; }
  ALWAYS_INLINE bool OpenArray(bool* empty, const char* where, Fail* f) {
    ++p_;  // '['
    if (++depth_ > kMaxDepth) return Syntax(f, where, "nesting too deep");
    if (Peek() == ']') {
      ++p_;
      --depth_;
      *empty = true;
    } else {
      *empty = false;
    }
    return true;
  }
  ALWAYS_INLINE void CloseArray() { --depth_; }

  // End of the current token (exclusive): the next token's offset.
  // The last token's end is its own start (the sentinel), so a document
  // that ends in a scalar reads as an empty, invalid token.
  ALWAYS_INLINE uint32_t TokenEnd() const { return idx_[p_ + 1]; }

  // A string token's content; false (nothing consumed) if not a string.
  ALWAYS_INLINE bool RawString(std::string_view* content) {
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
  ALWAYS_INLINE Read String(std::string_view* out) {
    std::string_view raw;
    if (RawString(&raw)) {
      if (!HasBackslash(raw)) {
        *out = raw;
        return Read::kValue;
      }
      if (!Unescape(raw, scratch_)) return Read::kBad;
      *out = *scratch_;
      return Read::kValue;
    }
    return Null() ? Read::kNull : Read::kBad;
  }

  // An id string: a UUID is read in place (it cannot hold escapes); any
  // other string is unescaped if needed and hashed.
  ALWAYS_INLINE bool IdValue(Id* out) {
    std::string_view raw;
    if (!RawString(&raw)) return false;
    if (ParseUuid(raw, out)) return true;
    if (HasBackslash(raw)) {
      if (!Unescape(raw, scratch_)) return false;
      raw = *scratch_;
    }
    *out = ParseId(raw);
    return true;
  }

  // The job id from a job href: its last path segment. Sessions of one
  // response mostly share a job, so the last result is kept.
  ALWAYS_INLINE bool JobIdFromHref(std::string_view raw, Id* out) {
    // Fast path: ".../<uuid>" (no escapes, query or fragment possible).
    if (raw.size() > 36 && raw[raw.size() - 37] == '/') {
      const std::string_view seg = raw.substr(raw.size() - 36);
      if (last_job_segment_.size() == 36 &&
          Equal36(seg.data(), last_job_segment_.data())) {
        *out = last_job_id_;
        return true;
      }
      if (ParseUuid(seg, out)) {
        last_job_segment_ = seg;
        last_job_id_ = *out;
        return true;
      }
    }
    if (HasBackslash(raw)) {
      if (!Unescape(raw, scratch_)) return false;
      raw = *scratch_;
    }
    *out = ParseId(LastPathSegment(raw));
    return true;
  }

  // An enumeration string (status, bottleneck) or null. A known name cannot
  // contain escapes, so only an unknown one is checked for them.
  template <typename E>
  ALWAYS_INLINE Read Enum(E (*parse)(std::string_view), E unknown, E* out) {
    std::string_view raw;
    if (!RawString(&raw)) return Null() ? Read::kNull : Read::kBad;
    *out = parse(raw);
    if (*out == unknown && HasBackslash(raw)) {
      if (!Unescape(raw, scratch_)) return Read::kBad;
      *out = parse(*scratch_);
    }
    return Read::kValue;
  }

  // Consumes a null literal.
  ALWAYS_INLINE bool Null() {
    if (Peek() != 'n' || !Literal("null", 4)) return false;
    ++p_;
    return true;
  }

  // The current token is exactly `lit` (plus whitespace).
  ALWAYS_INLINE bool Literal(const char* lit, uint32_t n) const {
    const uint32_t start = idx_[p_];
    const uint32_t end = TokenEnd();
    if (end - start < n || std::memcmp(buf_ + start, lit, n) != 0) return false;
    for (uint32_t i = start + n; i < end; ++i) {
      if (!IsWs(buf_[i])) return false;
    }
    return true;
  }

  // A JSON integer (no fraction or exponent) in the int64 range, or null.
  ALWAYS_INLINE Read Int(int64_t* out) {
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
    // Eight digits at a time. Reading 8 bytes past a short number stays in
    // the input or its padding; only the digits before `end` count (digits
    // cannot run past it: a token ends at whitespace or a structural).
    uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    int k = swar::DigitPrefix(chunk);
    uint64_t v;
    if (k < 8) {  // the usual case: the whole number in one word
      if (p + k > end) return Read::kBad;
      v = swar::DigitsValue(chunk, k);
      p += k;
    } else {
      v = swar::DigitsValue(chunk, 8);
      p += 8;
      int digits = 8;
      for (;;) {
        std::memcpy(&chunk, p, 8);
        k = swar::DigitPrefix(chunk);
        if (p + k > end) return Read::kBad;
        if (k == 0) break;
        digits += k;
        if (digits > 19) return Read::kBad;
        v = v * swar::kPow10[k] + swar::DigitsValue(chunk, k);
        p += k;
        if (k < 8) break;
      }
    }
    // 19 digits can exceed INT64_MAX but not wrap uint64_t.
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
  ALWAYS_INLINE Read Time(Timestamp* out) {
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

  ALWAYS_INLINE Read Bool(bool* out) {
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
  // field) is skipped inline; anything else on a copy, out of line, so that
  // this walker's address never escapes and its state stays in registers in
  // the hot loops.
  ALWAYS_INLINE bool Skip(const char* where, Fail* f) {
    const char c = Peek();
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c == '{') {
      // Objects of strings (links such as {"href": "..."}) inline too.
      bool empty = false;
      if (!OpenObject(&empty, where, f)) return false;
      for (bool more = !empty; more;) {
        const char* k = nullptr;
        if (!Key(&k, where, f)) return false;
        if (Peek() == '"') {
          ++p_;
        } else if (!SkipOutOfLine(where, f)) {
          return false;
        }
        if (!Next('}', &more, where, f)) return false;
      }
      if (!empty) CloseObject();
      return true;
    }
    if (c == 'f' && Literal("false", 5)) {  // v7+ jobWillBeRetried
      ++p_;
      return true;
    }
    if (c != '[') {
      // Other literals and numbers (eTag): checked out of line on
      // its bytes alone, so nothing of the walker is copied.
      if (!ValidScalar(buf_ + idx_[p_], buf_ + TokenEnd())) {
        return Syntax(f, where, "invalid JSON: expected a value");
      }
      ++p_;
      return true;
    }
    return SkipOutOfLine(where, f);
  }

  ALWAYS_INLINE bool SkipOutOfLine(const char* where, Fail* f) {
    Walker copy = *this;
    if (!copy.SkipSlow(where, f)) return false;
    p_ = copy.p_;
    return true;
  }

 private:
  __attribute__((noinline)) bool SkipSlow(const char* where, Fail* f) {
    switch (Peek()) {
      case '"':
        ++p_;
        return true;
      case '{': {
        bool empty = false;
        if (!OpenObject(&empty, where, f)) return false;
        for (bool more = !empty; more;) {
          const char* k = nullptr;
          if (!Key(&k, where, f) || !SkipSlow(where, f) ||
              !Next('}', &more, where, f)) {
            return false;
          }
        }
        if (!empty) CloseObject();
        return true;
      }
      case '[': {
        bool empty = false;
        if (!OpenArray(&empty, where, f)) return false;
        for (bool more = !empty; more;) {
          if (!SkipSlow(where, f) || !Next(']', &more, where, f)) return false;
        }
        if (!empty) CloseArray();
        return true;
      }
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

  // The current token is a JSON number (any size; not converted).
  bool Number() const {
    const char* p = buf_ + idx_[p_];
    const char* end = buf_ + TokenEnd();
    p = SkipNumber(p, end);
    if (p == nullptr) return false;
    while (p < end && IsWs(*p)) ++p;
    return p == end;
  }

  const char* buf_;
  uint32_t len_;
  const uint32_t* idx_;
  uint32_t n_;
  uint32_t p_ = 0;
  int depth_ = 0;
  std::string* scratch_;
  std::string_view last_job_segment_;
  Id last_job_id_;
  char date_[10] = {};  // see timestamp_detail::ParseWithDateCache
  int64_t days_ = 0;
};

__attribute__((cold, noinline)) bool TypeFail(Fail* f, const char* field,
                                              const char* what) {
  f->field = field;
  f->what = what;
  f->offset = -1;
  return false;
}

// ---- JobSession -------------------------------------------------------------

ALWAYS_INLINE bool ParseStatistics(Walker& w, SessionStatistics* s, Fail* f) {
  constexpr const char* kWhere = "statistics";
  bool empty = false;
  if (!w.OpenObject(&empty, kWhere, f)) return false;
  for (bool more = !empty; more;) {
    const char* k = nullptr;
    if (!w.Key(&k, kWhere, f)) return false;
    int64_t* target = nullptr;
    const char* name = nullptr;
    bool handled = false;
    switch (k[0]) {
      case 'p':
        if (KEY_IS(k, "processingRateBytesPS")) {
          target = &s->processing_rate_bytes_ps;
          name = "statistics.processingRateBytesPS";
        } else if (KEY_IS(k, "processingRateItemsPS")) {
          target = &s->processing_rate_items_ps;
          name = "statistics.processingRateItemsPS";
        } else if (KEY_IS(k, "processedObjects")) {
          target = &s->processed_objects;
          name = "statistics.processedObjects";
        }
        break;
      case 'r':
        if (KEY_IS(k, "readRateBytesPS")) {
          target = &s->read_rate_bytes_ps;
          name = "statistics.readRateBytesPS";
        }
        break;
      case 'w':
        if (KEY_IS(k, "writeRateBytesPS")) {
          target = &s->write_rate_bytes_ps;
          name = "statistics.writeRateBytesPS";
        }
        break;
      case 't':
        if (KEY_IS(k, "transferredDataBytes")) {
          target = &s->transferred_data_bytes;
          name = "statistics.transferredDataBytes";
        }
        break;
      case 'b':
        if (KEY_IS(k, "bottleneck")) {
          const Read r =
              w.Enum(ParseBottleneck, Bottleneck::kUnknown, &s->bottleneck);
          if (r == Read::kBad) {
            return TypeFail(f, "statistics.bottleneck", kExpectedString);
          }
          if (r == Read::kNull) s->bottleneck = Bottleneck::kNA;
          handled = true;
        }
        break;
    }
    if (target != nullptr) {
      int64_t n = 0;
      const Read r = w.Int(&n);
      if (r == Read::kBad) return TypeFail(f, name, kExpectedInteger);
      *target = r == Read::kValue ? n : 0;
    } else if (!handled && !w.Skip(kWhere, f)) {
      return false;
    }
    if (!w.Next('}', &more, kWhere, f)) return false;
  }
  if (!empty) w.CloseObject();
  return true;
}

// {"href": "..."} of one link; other members are skipped.
ALWAYS_INLINE bool ParseLink(Walker& w, std::string_view* href, Fail* f) {
  constexpr const char* kWhere = "_links.job";
  bool empty = false;
  if (!w.OpenObject(&empty, kWhere, f)) return false;
  for (bool more = !empty; more;) {
    const char* k = nullptr;
    if (!w.Key(&k, kWhere, f)) return false;
    if (KEY_IS(k, "href")) {
      // Raw (escapes intact): JobIdFromHref decodes only when it must.
      if (!w.RawString(href) && !w.Null()) {
        return TypeFail(f, "_links.job.href", kExpectedString);
      }
    } else if (!w.Skip(kWhere, f)) {
      return false;
    }
    if (!w.Next('}', &more, kWhere, f)) return false;
  }
  if (!empty) w.CloseObject();
  return true;
}

// _links: only job.href is needed (the job id before v8).
ALWAYS_INLINE bool ParseSessionLinks(Walker& w, std::string_view* job_href,
                                     Fail* f) {
  constexpr const char* kWhere = "_links";
  bool empty = false;
  if (!w.OpenObject(&empty, kWhere, f)) return false;
  for (bool more = !empty; more;) {
    const char* k = nullptr;
    if (!w.Key(&k, kWhere, f)) return false;
    if (KEY_IS(k, "job")) {
      if (w.Peek() == '{') {
        if (!ParseLink(w, job_href, f)) return false;
      } else if (!w.Null()) {
        return TypeFail(f, "_links.job", kExpectedObject);
      }
    } else if (!w.Skip(kWhere, f)) {
      return false;
    }
    if (!w.Next('}', &more, kWhere, f)) return false;
  }
  if (!empty) w.CloseObject();
  return true;
}

ALWAYS_INLINE bool ParseSession(Walker& w, JobSession* s, Fail* f) {
  if (w.Peek() != '{') return TypeFail(f, nullptr, kExpectedObject);
  bool empty = false;
  if (!w.OpenObject(&empty, nullptr, f)) return false;
  bool has_id = false, has_creation = false, has_status = false;
  bool has_job_id = false;
  std::string_view job_href;
  for (bool more = !empty; more;) {
    const char* k = nullptr;
    if (!w.Key(&k, nullptr, f)) return false;
    bool handled = true;
    switch (k[0]) {
      case 'i':
        if (KEY_IS(k, "id")) {
          if (!w.IdValue(&s->id)) return TypeFail(f, "id", kExpectedString);
          has_id = true;
        } else {
          handled = false;
        }
        break;
      case 'c':
        if (KEY_IS(k, "creationTime")) {
          if (w.Time(&s->creation_time) != Read::kValue) {
            return TypeFail(f, "creationTime", kExpectedTimestamp);
          }
          has_creation = true;
        } else {
          handled = false;
        }
        break;
      case 'e':
        if (KEY_IS(k, "endTime")) {
          Timestamp t = kNoTime;
          const Read r = w.Time(&t);
          if (r == Read::kBad)
            return TypeFail(f, "endTime", kExpectedTimestamp);
          s->end_time =
              (r == Read::kNull || IsPlaceholderTime(t)) ? kNoTime : t;
        } else {
          handled = false;
        }
        break;
      case 'p':
        if (KEY_IS(k, "progress")) {
          int64_t n = 0;
          const Read r = w.Int(&n);
          if (r == Read::kBad) return TypeFail(f, "progress", kExpectedInteger);
          s->progress = r == Read::kValue ? n : 0;
        } else {
          handled = false;
        }
        break;
      case 's':
        if (KEY_IS(k, "status")) {
          if (w.Enum(ParseSessionStatus, SessionStatus::kUnknown, &s->status) !=
              Read::kValue) {
            return TypeFail(f, "status", kExpectedString);
          }
          has_status = true;
        } else if (KEY_IS(k, "statistics")) {
          if (w.Peek() == '{') {
            if (!ParseStatistics(w, &s->statistics, f)) return false;
            s->has_statistics = true;
          } else if (!w.Null()) {
            return TypeFail(f, "statistics", kExpectedObject);
          }
        } else {
          handled = false;
        }
        break;
      case 'r':
        if (KEY_IS(k, "retryCount")) {
          int64_t n = 0;
          const Read r = w.Int(&n);
          if (r == Read::kBad || n < INT32_MIN || n > INT32_MAX) {
            return TypeFail(f, "retryCount", kExpectedInteger);
          }
          s->retry_count = r == Read::kValue ? static_cast<int32_t>(n) : -1;
        } else {
          handled = false;
        }
        break;
      case 'd':
        if (KEY_IS(k, "details")) {
          // Free text we do not keep: checked for type, not unescaped.
          std::string_view text;
          if (!w.RawString(&text) && !w.Null()) {
            return TypeFail(f, "details", kExpectedString);
          }
        } else {
          handled = false;
        }
        break;
      case 'j':
        if (KEY_IS(k, "jobId")) {
          if (w.IdValue(&s->job_id)) {
            has_job_id = true;
          } else if (!w.Null()) {
            return TypeFail(f, "jobId", kExpectedString);
          }
        } else {
          handled = false;
        }
        break;
      case '_':
        if (KEY_IS(k, "_links")) {
          if (w.Peek() == '{') {
            if (!ParseSessionLinks(w, &job_href, f)) return false;
          } else if (!w.Null()) {
            return TypeFail(f, "_links", kExpectedObject);
          }
        } else {
          handled = false;
        }
        break;
      default:
        handled = false;
    }
    if (!handled && !w.Skip(nullptr, f)) return false;
    if (!w.Next('}', &more, nullptr, f)) return false;
  }
  if (!empty) w.CloseObject();
  if (!has_id) return TypeFail(f, "id", kMissing);
  if (!has_creation) return TypeFail(f, "creationTime", kMissing);
  if (!has_status) return TypeFail(f, "status", kMissing);
  if (!has_job_id && !job_href.empty() &&
      !w.JobIdFromHref(job_href, &s->job_id)) {
    return TypeFail(f, "_links.job.href", "invalid escape");
  }
  return true;
}

// ---- Job --------------------------------------------------------------------

// A nullable string copied into *out ("" for null).
inline bool CopyString(Walker& w, std::string* out) {
  std::string_view text;
  const Read r = w.String(&text);
  if (r == Read::kBad) return false;
  if (r == Read::kValue) {
    out->assign(text.data(), text.size());
  } else {
    out->clear();
  }
  return true;
}

inline bool JobTime(Walker& w, Timestamp* out) {
  Timestamp t = kNoTime;
  const Read r = w.Time(&t);
  if (r == Read::kBad) return false;
  *out = (r == Read::kNull || IsPlaceholderTime(t)) ? kNoTime : t;
  return true;
}

bool ParseJob(Walker& w, Job* j, Fail* f) {
  if (w.Peek() != '{') return TypeFail(f, nullptr, kExpectedObject);
  bool empty = false;
  if (!w.OpenObject(&empty, nullptr, f)) return false;
  bool has_id = false;
  for (bool more = !empty; more;) {
    const char* k = nullptr;
    if (!w.Key(&k, nullptr, f)) return false;
    if (KEY_IS(k, "id")) {
      std::string_view text;
      if (w.String(&text) != Read::kValue)
        return TypeFail(f, "id", kExpectedString);
      j->id.assign(text.data(), text.size());
      j->key = ParseId(text);
      has_id = true;
    } else if (KEY_IS(k, "name")) {
      if (!CopyString(w, &j->name)) return TypeFail(f, "name", kExpectedString);
    } else if (KEY_IS(k, "backupType")) {
      if (!CopyString(w, &j->backup_type)) {
        return TypeFail(f, "backupType", kExpectedString);
      }
    } else if (KEY_IS(k, "repositoryId")) {
      if (!CopyString(w, &j->repository_id)) {
        return TypeFail(f, "repositoryId", kExpectedString);
      }
    } else if (KEY_IS(k, "organizationId")) {
      if (!CopyString(w, &j->organization_id)) {
        return TypeFail(f, "organizationId", kExpectedString);
      }
    } else if (KEY_IS(k, "isEnabled")) {
      bool b = false;
      const Read r = w.Bool(&b);
      if (r == Read::kBad) return TypeFail(f, "isEnabled", kExpectedBool);
      j->is_enabled = r == Read::kValue ? std::optional<bool>(b) : std::nullopt;
    } else if (KEY_IS(k, "lastRun")) {
      if (!JobTime(w, &j->last_run)) {
        return TypeFail(f, "lastRun", kExpectedTimestamp);
      }
    } else if (KEY_IS(k, "nextRun")) {
      if (!JobTime(w, &j->next_run)) {
        return TypeFail(f, "nextRun", kExpectedTimestamp);
      }
    } else if (KEY_IS(k, "lastBackup")) {
      if (!JobTime(w, &j->last_backup)) {
        return TypeFail(f, "lastBackup", kExpectedTimestamp);
      }
    } else if (KEY_IS(k, "lastStatus")) {
      std::string_view text;
      const Read r = w.String(&text);
      if (r == Read::kBad) return TypeFail(f, "lastStatus", kExpectedString);
      j->last_status =
          r == Read::kValue
              ? std::optional<SessionStatus>(ParseSessionStatus(text))
              : std::nullopt;
    } else if (KEY_IS(k, "description")) {
      std::string_view text;
      if (w.String(&text) == Read::kBad) {
        return TypeFail(f, "description", kExpectedString);
      }
    } else if (!w.Skip(nullptr, f)) {
      return false;
    }
    if (!w.Next('}', &more, nullptr, f)) return false;
  }
  if (!empty) w.CloseObject();
  if (!has_id) return TypeFail(f, "id", kMissing);
  return true;
}

// ---- Documents --------------------------------------------------------------

// "<where>.<field>: <what>[ at byte N]"
Error MakeError(std::string m, const Fail& f) {
  if (f.field != nullptr) {
    if (!m.empty()) m += '.';
    m += f.field;
  }
  if (!m.empty()) m += ": ";
  m += f.what;
  if (f.offset >= 0) {
    m += " at byte ";
    m += std::to_string(f.offset);
  }
  return Error{ErrorCode::kMalformed, std::move(m)};
}

std::string Indexed(const char* where, size_t index) {
  std::string m(where);
  m += '[';
  m += std::to_string(index);
  m += ']';
  return m;
}

// Elements of an array whose '[' is the next token.
template <typename T, typename ElemFn>
bool ParseElements(Walker& outer, const char* where, std::vector<T>* out,
                   ElemFn parse_elem, Error* err) {
  // A local copy whose address never escapes: the compiler keeps the
  // position in registers through the whole loop.
  Walker w = outer;
  struct CopyBack {
    Walker& to;
    Walker& from;
    ~CopyBack() { to = from; }
  } copy_back{outer, w};
  Fail f;
  bool empty = false;
  if (!w.OpenArray(&empty, where, &f)) {
    *err = MakeError(where, f);
    return false;
  }
  size_t index = 0;
  for (bool more = !empty; more; ++index) {
    // Built in a local (default-initialized member by member) and moved in:
    // emplace_back() value-initializes, which zero-fills the whole struct
    // first ("rep stos", measurable here).
    T elem;
    if (!parse_elem(w, &elem, &f) || !w.Next(']', &more, nullptr, &f)) {
      *err = MakeError(Indexed(where, index), f);
      return false;
    }
    out->push_back(std::move(elem));
  }
  if (!empty) w.CloseArray();
  return true;
}

}  // namespace

struct Parser::Impl {
  std::unique_ptr<simdjson::internal::dom_parser_implementation> stage1;
  std::string scratch;  // unescaped strings

  // Slots after the last token that repeat it. A walk can consume one
  // sentinel per open bracket at most (a ']' closes one level per read; a
  // '[' opens one until kMaxDepth), then fails, so this many always suffice.
  static constexpr size_t kSentinels = kMaxDepth + 8;

  // Runs stage 1; the Walker then reads stage1->structural_indexes.
  simdjson::error_code Index(const char* data, size_t size) {
    if (size > 0xFFFFF000u) return simdjson::CAPACITY;
    // simdjson sizes the index by capacity (one slot per byte at most, plus
    // a few): asking for kSentinels more bytes leaves room for sentinels.
    const size_t want = (size < 4096 ? 4096 : size) + kSentinels;
    if (!stage1) {
      if (auto e =
              simdjson::get_active_implementation()
                  ->create_dom_parser_implementation(want, kMaxDepth, stage1)) {
        stage1.reset();
        return e;
      }
    } else if (stage1->capacity() < size + kSentinels) {
      if (auto e = stage1->set_capacity(want)) {
        stage1.reset();
        return e;
      }
    }
    if (auto e = stage1->stage1(reinterpret_cast<const uint8_t*>(data), size,
                                simdjson::stage1_mode::regular)) {
      return e;
    }
    const uint32_t n = stage1->n_structural_indexes;
    if (n == 0) return simdjson::EMPTY;
    uint32_t* idx = stage1->structural_indexes.get();
    const uint32_t last = idx[n - 1];
    for (size_t i = 0; i < kSentinels; ++i) idx[n + i] = last;
    return simdjson::SUCCESS;
  }

  // Every document the API sends is an array or an object: one whose last
  // token is not a closing bracket was cut short (or has trailing content),
  // which is worth saying plainly instead of naming the field it broke.
  static constexpr char kCutShort[] =
      "invalid JSON: the document does not end with ']' or '}' (cut short, or "
      "trailing content)";
  bool StartsWithBracket(const char* data) const {
    const char c = data[stage1->structural_indexes[0]];
    return c == '[' || c == '{';
  }
  bool EndsWithBracket(const char* data) const {
    const char c =
        data[stage1->structural_indexes[stage1->n_structural_indexes - 1]];
    return c == ']' || c == '}';
  }

  Walker MakeWalker(const char* data, size_t size) {
    return Walker(data, size, stage1->structural_indexes.get(),
                  stage1->n_structural_indexes, &scratch);
  }

  // A plain array or a page envelope; on error *out keeps its old size.
  template <typename T, typename ElemFn>
  Result<PageInfo> Collection(const char* data, size_t size,
                              std::vector<T>* out, ElemFn parse_elem) {
    const size_t old_size = out->size();
    PageInfo page;
    Error err{ErrorCode::kMalformed, ""};
    if (!CollectionBody(data, size, out, parse_elem, &page, &err)) {
      out->resize(old_size);
      return err;
    }
    page.count = static_cast<int64_t>(out->size() - old_size);
    return page;
  }

  template <typename T, typename ElemFn>
  bool CollectionBody(const char* data, size_t size, std::vector<T>* out,
                      ElemFn parse_elem, PageInfo* page, Error* err) {
    if (auto e = Index(data, size)) {
      *err = Error{ErrorCode::kMalformed,
                   std::string("invalid JSON: ") + simdjson::error_message(e)};
      return false;
    }
    if (!EndsWithBracket(data)) {
      *err =
          Error{ErrorCode::kMalformed,
                StartsWithBracket(data) ? kCutShort
                                        : "expected an array or a page object"};
      return false;
    }
    Walker w = MakeWalker(data, size);
    Fail f;
    // A session or job has about 100 tokens: reserve once instead of
    // growing (and page-faulting) the vector a dozen times.
    const size_t estimate = stage1->n_structural_indexes / 100;
    if (out->capacity() < out->size() + estimate) {
      out->reserve(out->size() + estimate);
    }
    if (w.Peek() == '[') {
      if (!ParseElements(w, "", out, parse_elem, err)) return false;
    } else if (w.Peek() == '{') {
      page->is_page = true;
      bool empty = false, has_results = false;
      if (!w.OpenObject(&empty, nullptr, &f)) return Fails(f, err);
      for (bool more = !empty; more;) {
        const char* k = nullptr;
        if (!w.Key(&k, nullptr, &f)) return Fails(f, err);
        if (KEY_IS(k, "results")) {
          if (w.Peek() != '[')
            return Fails(TypeFail2("results", kExpectedArray), err);
          if (!ParseElements(w, "results", out, parse_elem, err)) return false;
          has_results = true;
        } else if (KEY_IS(k, "offset") || KEY_IS(k, "limit")) {
          const bool is_offset = k[0] == 'o';
          int64_t n = 0;
          const Read r = w.Int(&n);
          if (r == Read::kBad) {
            return Fails(
                TypeFail2(is_offset ? "offset" : "limit", kExpectedInteger),
                err);
          }
          (is_offset ? page->offset : page->limit) = r == Read::kValue ? n : 0;
        } else if (KEY_IS(k, "_links")) {
          if (w.Peek() == '{') {
            bool lempty = false;
            if (!w.OpenObject(&lempty, "_links", &f)) return Fails(f, err);
            for (bool lmore = !lempty; lmore;) {
              const char* lk = nullptr;
              if (!w.Key(&lk, "_links", &f)) return Fails(f, err);
              if (KEY_IS(lk, "next") && w.Peek() != 'n') page->has_next = true;
              if (!w.Skip("_links", &f) || !w.Next('}', &lmore, "_links", &f)) {
                return Fails(f, err);
              }
            }
            if (!lempty) w.CloseObject();
          } else if (!w.Null()) {
            return Fails(TypeFail2("_links", kExpectedObject), err);
          }
        } else if (!w.Skip(nullptr, &f)) {
          return Fails(f, err);
        }
        if (!w.Next('}', &more, nullptr, &f)) return Fails(f, err);
      }
      if (!empty) w.CloseObject();
      if (!has_results) return Fails(TypeFail2("results", kMissing), err);
    } else {
      *err = Error{ErrorCode::kMalformed, "expected an array or a page object"};
      return false;
    }
    if (!w.AtEnd()) {
      *err = Error{ErrorCode::kMalformed,
                   "trailing content after the JSON document at byte " +
                       std::to_string(w.Offset())};
      return false;
    }
    return true;
  }

  // A top-level object whose members go to field_fn(key, walker, Fail*)
  // (which returns false on error, or sets *handled=false to skip).
  template <typename FieldFn>
  bool ObjectDoc(const char* data, size_t size, FieldFn field_fn, Error* err) {
    if (auto e = Index(data, size)) {
      *err = Error{ErrorCode::kMalformed,
                   std::string("invalid JSON: ") + simdjson::error_message(e)};
      return false;
    }
    if (!EndsWithBracket(data)) {
      *err = Error{ErrorCode::kMalformed,
                   StartsWithBracket(data) ? kCutShort : "expected an object"};
      return false;
    }
    Walker w = MakeWalker(data, size);
    Fail f;
    if (w.Peek() != '{') {
      *err = Error{ErrorCode::kMalformed, "expected an object"};
      return false;
    }
    bool empty = false;
    if (!w.OpenObject(&empty, nullptr, &f)) return Fails(f, err);
    for (bool more = !empty; more;) {
      const char* k = nullptr;
      if (!w.Key(&k, nullptr, &f)) return Fails(f, err);
      bool handled = true;
      if (!field_fn(k, w, &f, &handled)) return Fails(f, err);
      if (!handled && !w.Skip(nullptr, &f)) return Fails(f, err);
      if (!w.Next('}', &more, nullptr, &f)) return Fails(f, err);
    }
    if (!empty) w.CloseObject();
    if (!w.AtEnd()) {
      *err = Error{ErrorCode::kMalformed,
                   "trailing content after the JSON document at byte " +
                       std::to_string(w.Offset())};
      return false;
    }
    return true;
  }

  static Fail TypeFail2(const char* field, const char* what) {
    Fail f;
    f.field = field;
    f.what = what;
    return f;
  }
  static bool Fails(const Fail& f, Error* err) {
    *err = MakeError(std::string(), f);
    return false;
  }
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

void Parser::ReleaseMemory() {
  impl_->stage1.reset();
  std::string().swap(impl_->scratch);
}

size_t Parser::MemoryUsage() const {
  // simdjson's stage 1 holds one uint32_t per byte of capacity (plus a few).
  const size_t index = impl_->stage1 ? impl_->stage1->capacity() * 4 : 0;
  const size_t inline_capacity = std::string().capacity();  // no heap
  const size_t scratch = impl_->scratch.capacity() > inline_capacity
                             ? impl_->scratch.capacity()
                             : 0;
  return index + scratch;
}

Result<PageInfo> Parser::ParseSessions(const char* data, size_t size,
                                       std::vector<JobSession>* out) {
  return impl_->Collection(
      data, size, out,
      [](Walker& w, JobSession* s, Fail* f) { return ParseSession(w, s, f); });
}

Result<PageInfo> Parser::ParseJobs(const char* data, size_t size,
                                   std::vector<Job>* out) {
  return impl_->Collection(data, size, out, [](Walker& w, Job* j, Fail* f) {
    return ParseJob(w, j, f);
  });
}

Result<TokenResponse> Parser::ParseToken(const char* data, size_t size) {
  TokenResponse t;
  bool has_access = false, has_expires = false;
  Error err{ErrorCode::kMalformed, ""};
  const bool ok = impl_->ObjectDoc(
      data, size,
      [&](const char* k, Walker& w, Fail* f, bool* handled) {
        if (KEY_IS(k, "access_token")) {
          std::string_view text;
          if (w.String(&text) != Read::kValue) {
            return TypeFail(f, "access_token", kExpectedString);
          }
          t.access_token.assign(text.data(), text.size());
          has_access = true;
        } else if (KEY_IS(k, "refresh_token")) {
          if (!CopyString(w, &t.refresh_token)) {
            return TypeFail(f, "refresh_token", kExpectedString);
          }
        } else if (KEY_IS(k, "expires_in")) {
          if (w.Int(&t.expires_in_seconds) != Read::kValue) {
            return TypeFail(f, "expires_in", kExpectedInteger);
          }
          has_expires = true;
        } else {
          *handled = false;
        }
        return true;
      },
      &err);
  if (!ok) return err;
  if (!has_access)
    return Error{ErrorCode::kMalformed,
                 std::string("access_token: ") + kMissing};
  if (!has_expires)
    return Error{ErrorCode::kMalformed, std::string("expires_in: ") + kMissing};
  return t;
}

Result<ServiceInstance> Parser::ParseServiceInstance(const char* data,
                                                     size_t size) {
  ServiceInstance si;
  bool has_version = false;
  Error err{ErrorCode::kMalformed, ""};
  const bool ok = impl_->ObjectDoc(
      data, size,
      [&](const char* k, Walker& w, Fail* f, bool* handled) {
        if (KEY_IS(k, "version")) {
          std::string_view text;
          if (w.String(&text) != Read::kValue) {
            return TypeFail(f, "version", kExpectedString);
          }
          si.version.assign(text.data(), text.size());
          has_version = true;
        } else {
          *handled = false;
        }
        return true;
      },
      &err);
  if (!ok) return err;
  if (!has_version)
    return Error{ErrorCode::kMalformed, std::string("version: ") + kMissing};
  return si;
}

}  // namespace vb365
