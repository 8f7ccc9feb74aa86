// simdjson On-Demand implementation of parser.h.
//
// How it stays fast (see docs/parsing.md): stage 1 (structural indexing) is
// simdjson's run-time dispatched kernel; stage 2 is this file. It walks each
// object's fields once, in document order, dispatches on the raw key bytes,
// and reads the scalars it needs straight from the raw token (the bytes in
// the input buffer) with small parsers of its own: no unescaping copy, no
// per-session allocation. Values it does not need are skipped by On-Demand
// without being materialized.
#include "parse/parser.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>

namespace vb365 {
namespace {

namespace od = simdjson::ondemand;

// Why an element failed. `field` is a static path relative to the element
// (nullptr: the element itself); either `what` or a simdjson `code` is set.
struct Fail {
  const char* field = nullptr;
  const char* what = nullptr;
  simdjson::error_code code = simdjson::SUCCESS;
};

inline bool SetFail(Fail* f, const char* field, const char* what) {
  f->field = field;
  f->what = what;
  return false;
}
inline bool SetJsonFail(Fail* f, const char* field, simdjson::error_code c) {
  f->field = field;
  f->code = c;
  return false;
}

constexpr char kExpectedString[] = "expected string";
constexpr char kExpectedInteger[] = "expected integer";
constexpr char kExpectedObject[] = "expected object";
constexpr char kExpectedArray[] = "expected array";
constexpr char kExpectedBool[] = "expected boolean";
constexpr char kExpectedTimestamp[] = "expected ISO 8601 timestamp";
constexpr char kMissing[] = "missing";

inline bool IsWs(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
inline bool IsDigit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}

// A key's raw bytes (after the opening quote) equal `lit` followed by the
// closing quote. Escaped keys never match (the API sends none). Reading up to
// N bytes is safe: the key is followed by '"', ':' and a value or padding.
template <size_t N>
inline bool KeyIs(const char* raw, const char (&lit)[N]) {
  return std::memcmp(raw, lit, N - 1) == 0 && raw[N - 1] == '"';
}

// The raw token of a value: it starts at the value and runs to the next
// structural character, so it may end in whitespace.
inline std::string_view Trim(std::string_view tok) {
  size_t n = tok.size();
  while (n > 0 && IsWs(tok[n - 1])) --n;
  return tok.substr(0, n);
}

inline bool IsNullToken(std::string_view tok) {
  return Trim(tok) == "null";
}

// JSON integer grammar (no fraction, no exponent, no leading zeros) in the
// int64 range.
inline bool ParseIntToken(std::string_view tok, int64_t* out) {
  const char* p = tok.data();
  const char* end = p + tok.size();
  bool neg = false;
  if (p < end && *p == '-') {
    neg = true;
    ++p;
  }
  if (p == end || !IsDigit(*p)) return false;
  if (*p == '0' && p + 1 < end && IsDigit(p[1])) return false;
  uint64_t v = 0;
  int n = 0;
  while (p < end && IsDigit(*p)) {
    if (++n > 19) return false;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  while (p < end && IsWs(*p)) ++p;
  if (p != end) return false;
  if (neg) {
    if (v > (uint64_t{1} << 63)) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Reads a string value. Without escapes the result points into the input
// buffer; with escapes simdjson unescapes it into the parser's string buffer.
// Either way it lives until the next parse.
inline bool ReadString(od::value& v, std::string_view* out) {
  const std::string_view tok = v.raw_json_token();
  if (tok.empty() || tok[0] != '"') return false;
  const std::string_view t = Trim(tok);
  // Stage 1 ends a string token at its closing quote (plus whitespace).
  if (t.size() < 2 || t.back() != '"') return false;
  const std::string_view content = t.substr(1, t.size() - 2);
  if (std::memchr(content.data(), '\\', content.size()) == nullptr) {
    *out = content;
    return true;
  }
  return !v.get_string().get(*out);
}

// Result of reading an optional value: null and absent are the same.
enum class Read { kValue, kNull, kBad };

inline Read ReadNullableString(od::value& v, std::string_view* out) {
  if (ReadString(v, out)) return Read::kValue;
  return IsNullToken(v.raw_json_token()) ? Read::kNull : Read::kBad;
}

inline Read ReadNullableInt(od::value& v, int64_t* out) {
  const std::string_view tok = v.raw_json_token();
  if (ParseIntToken(tok, out)) return Read::kValue;
  return IsNullToken(tok) ? Read::kNull : Read::kBad;
}

// A timestamp string, or null. Timestamps never need escapes, so the raw
// content is parsed directly (an escaped one is rejected).
inline Read ReadNullableTime(od::value& v, Timestamp* out) {
  const std::string_view tok = v.raw_json_token();
  if (!tok.empty() && tok[0] == '"') {
    const std::string_view t = Trim(tok);
    if (t.size() < 2 || t.back() != '"') return Read::kBad;
    const std::optional<Timestamp> ts = ParseTimestamp(t.substr(1, t.size() - 2));
    if (!ts) return Read::kBad;
    *out = *ts;
    return Read::kValue;
  }
  return IsNullToken(tok) ? Read::kNull : Read::kBad;
}

inline Read ReadNullableBool(od::value& v, bool* out) {
  const std::string_view t = Trim(v.raw_json_token());
  if (t == "true") {
    *out = true;
    return Read::kValue;
  }
  if (t == "false") {
    *out = false;
    return Read::kValue;
  }
  return t == "null" ? Read::kNull : Read::kBad;
}

// null, or an object to iterate; `present` says which.
inline Read ReadNullableObject(od::value& v, od::object* out) {
  const std::string_view tok = v.raw_json_token();
  if (!tok.empty() && tok[0] == '{') {
    return v.get_object().get(*out) ? Read::kBad : Read::kValue;
  }
  return IsNullToken(tok) ? Read::kNull : Read::kBad;
}

// Skips a value after checking it is a string or null (free text we do not
// keep, such as "details").
inline bool CheckNullableString(od::value& v) {
  const std::string_view tok = v.raw_json_token();
  return (!tok.empty() && tok[0] == '"') || IsNullToken(tok);
}

// The last path segment of an href: ".../jobs/<id>" with an absolute URL
// (v3..v5) or a relative "/v6/Jobs/<id>" path; a query or fragment is cut.
inline std::string_view LastPathSegment(std::string_view href) {
  const size_t q = href.find_first_of("?#");
  if (q != std::string_view::npos) href = href.substr(0, q);
  while (!href.empty() && href.back() == '/') href.remove_suffix(1);
  const size_t slash = href.rfind('/');
  return slash == std::string_view::npos ? href : href.substr(slash + 1);
}

// ---- JobSession -------------------------------------------------------------

inline bool ParseStatistics(od::object& o, SessionStatistics* s, Fail* f) {
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return SetJsonFail(f, "statistics", e);
    const char* k = field.key().raw();
    od::value& v = field.value();
    int64_t* target = nullptr;
    const char* name = nullptr;
    switch (k[0]) {
      case 'p':
        if (KeyIs(k, "processingRateBytesPS")) {
          target = &s->processing_rate_bytes_ps;
          name = "statistics.processingRateBytesPS";
        } else if (KeyIs(k, "processingRateItemsPS")) {
          target = &s->processing_rate_items_ps;
          name = "statistics.processingRateItemsPS";
        } else if (KeyIs(k, "processedObjects")) {
          target = &s->processed_objects;
          name = "statistics.processedObjects";
        }
        break;
      case 'r':
        if (KeyIs(k, "readRateBytesPS")) {
          target = &s->read_rate_bytes_ps;
          name = "statistics.readRateBytesPS";
        }
        break;
      case 'w':
        if (KeyIs(k, "writeRateBytesPS")) {
          target = &s->write_rate_bytes_ps;
          name = "statistics.writeRateBytesPS";
        }
        break;
      case 't':
        if (KeyIs(k, "transferredDataBytes")) {
          target = &s->transferred_data_bytes;
          name = "statistics.transferredDataBytes";
        }
        break;
      case 'b':
        if (KeyIs(k, "bottleneck")) {
          std::string_view text;
          const Read r = ReadNullableString(v, &text);
          if (r == Read::kBad) {
            return SetFail(f, "statistics.bottleneck", kExpectedString);
          }
          s->bottleneck =
              r == Read::kValue ? ParseBottleneck(text) : Bottleneck::kNA;
        }
        break;
    }
    if (target != nullptr) {
      int64_t n = 0;
      const Read r = ReadNullableInt(v, &n);
      if (r == Read::kBad) return SetFail(f, name, kExpectedInteger);
      *target = r == Read::kValue ? n : 0;
    }
  }
  return true;
}

// _links: only job.href is needed (the job id before v8).
inline bool ParseSessionLinks(od::object& o, std::string_view* job_href,
                              Fail* f) {
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return SetJsonFail(f, "_links", e);
    const char* k = field.key().raw();
    if (!KeyIs(k, "job")) continue;
    od::object job;
    const Read r = ReadNullableObject(field.value(), &job);
    if (r == Read::kBad) return SetFail(f, "_links.job", kExpectedObject);
    if (r == Read::kNull) continue;
    for (auto jr : job) {
      od::field jf;
      if (auto e = std::move(jr).get(jf)) return SetJsonFail(f, "_links.job", e);
      if (!KeyIs(jf.key().raw(), "href")) continue;
      const Read hr = ReadNullableString(jf.value(), job_href);
      if (hr == Read::kBad) {
        return SetFail(f, "_links.job.href", kExpectedString);
      }
    }
  }
  return true;
}

bool ParseSession(od::value& elem, JobSession* s, Fail* f) {
  od::object o;
  {
    const std::string_view tok = elem.raw_json_token();
    if (tok.empty() || tok[0] != '{') return SetFail(f, nullptr, kExpectedObject);
    if (auto e = elem.get_object().get(o)) return SetJsonFail(f, nullptr, e);
  }
  bool has_id = false, has_creation = false, has_status = false;
  bool has_job_id = false;
  std::string_view job_href;
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return SetJsonFail(f, nullptr, e);
    const char* k = field.key().raw();
    od::value& v = field.value();
    switch (k[0]) {
      case 'i':
        if (KeyIs(k, "id")) {
          std::string_view text;
          if (!ReadString(v, &text)) return SetFail(f, "id", kExpectedString);
          s->id = ParseId(text);
          has_id = true;
        }
        break;
      case 'c':
        if (KeyIs(k, "creationTime")) {
          if (ReadNullableTime(v, &s->creation_time) != Read::kValue) {
            return SetFail(f, "creationTime", kExpectedTimestamp);
          }
          has_creation = true;
        }
        break;
      case 'e':
        if (KeyIs(k, "endTime")) {
          Timestamp t = kNoTime;
          const Read r = ReadNullableTime(v, &t);
          if (r == Read::kBad) return SetFail(f, "endTime", kExpectedTimestamp);
          s->end_time = (r == Read::kNull || IsPlaceholderTime(t)) ? kNoTime : t;
        }
        break;
      case 'p':
        if (KeyIs(k, "progress")) {
          int64_t n = 0;
          const Read r = ReadNullableInt(v, &n);
          if (r == Read::kBad) return SetFail(f, "progress", kExpectedInteger);
          s->progress = r == Read::kValue ? n : 0;
        }
        break;
      case 's':
        if (KeyIs(k, "status")) {
          std::string_view text;
          if (!ReadString(v, &text)) return SetFail(f, "status", kExpectedString);
          s->status = ParseSessionStatus(text);
          has_status = true;
        } else if (KeyIs(k, "statistics")) {
          od::object stats;
          const Read r = ReadNullableObject(v, &stats);
          if (r == Read::kBad) return SetFail(f, "statistics", kExpectedObject);
          if (r == Read::kValue) {
            s->statistics = SessionStatistics{};
            if (!ParseStatistics(stats, &s->statistics, f)) return false;
            s->has_statistics = true;
          }
        }
        break;
      case 'r':
        if (KeyIs(k, "retryCount")) {
          int64_t n = 0;
          const Read r = ReadNullableInt(v, &n);
          if (r == Read::kBad || n < INT32_MIN || n > INT32_MAX) {
            return SetFail(f, "retryCount", kExpectedInteger);
          }
          s->retry_count = r == Read::kValue ? static_cast<int32_t>(n) : -1;
        }
        break;
      case 'd':
        if (KeyIs(k, "details") && !CheckNullableString(v)) {
          return SetFail(f, "details", kExpectedString);
        }
        break;
      case 'j':
        if (KeyIs(k, "jobId")) {
          std::string_view text;
          const Read r = ReadNullableString(v, &text);
          if (r == Read::kBad) return SetFail(f, "jobId", kExpectedString);
          if (r == Read::kValue) {
            s->job_id = ParseId(text);
            has_job_id = true;
          }
        }
        break;
      case '_':
        if (KeyIs(k, "_links")) {
          od::object links;
          const Read r = ReadNullableObject(v, &links);
          if (r == Read::kBad) return SetFail(f, "_links", kExpectedObject);
          if (r == Read::kValue && !ParseSessionLinks(links, &job_href, f)) {
            return false;
          }
        }
        break;
    }
  }
  if (!has_id) return SetFail(f, "id", kMissing);
  if (!has_creation) return SetFail(f, "creationTime", kMissing);
  if (!has_status) return SetFail(f, "status", kMissing);
  if (!has_job_id && !job_href.empty()) {
    s->job_id = ParseId(LastPathSegment(job_href));
  }
  return true;
}

// ---- Job --------------------------------------------------------------------

// A nullable string field copied into *out ("" for null).
inline bool CopyNullableString(od::value& v, std::string* out) {
  std::string_view text;
  const Read r = ReadNullableString(v, &text);
  if (r == Read::kBad) return false;
  if (r == Read::kValue) {
    out->assign(text.data(), text.size());
  } else {
    out->clear();
  }
  return true;
}

inline bool ReadJobTime(od::value& v, Timestamp* out) {
  Timestamp t = kNoTime;
  const Read r = ReadNullableTime(v, &t);
  if (r == Read::kBad) return false;
  *out = (r == Read::kNull || IsPlaceholderTime(t)) ? kNoTime : t;
  return true;
}

bool ParseJob(od::value& elem, Job* j, Fail* f) {
  od::object o;
  {
    const std::string_view tok = elem.raw_json_token();
    if (tok.empty() || tok[0] != '{') return SetFail(f, nullptr, kExpectedObject);
    if (auto e = elem.get_object().get(o)) return SetJsonFail(f, nullptr, e);
  }
  bool has_id = false;
  for (auto fr : o) {
    od::field field;
    if (auto e = std::move(fr).get(field)) return SetJsonFail(f, nullptr, e);
    const char* k = field.key().raw();
    od::value& v = field.value();
    if (KeyIs(k, "id")) {
      std::string_view text;
      if (!ReadString(v, &text)) return SetFail(f, "id", kExpectedString);
      j->id.assign(text.data(), text.size());
      j->key = ParseId(text);
      has_id = true;
    } else if (KeyIs(k, "name")) {
      if (!CopyNullableString(v, &j->name)) return SetFail(f, "name", kExpectedString);
    } else if (KeyIs(k, "backupType")) {
      if (!CopyNullableString(v, &j->backup_type)) {
        return SetFail(f, "backupType", kExpectedString);
      }
    } else if (KeyIs(k, "repositoryId")) {
      if (!CopyNullableString(v, &j->repository_id)) {
        return SetFail(f, "repositoryId", kExpectedString);
      }
    } else if (KeyIs(k, "organizationId")) {
      if (!CopyNullableString(v, &j->organization_id)) {
        return SetFail(f, "organizationId", kExpectedString);
      }
    } else if (KeyIs(k, "isEnabled")) {
      bool b = false;
      const Read r = ReadNullableBool(v, &b);
      if (r == Read::kBad) return SetFail(f, "isEnabled", kExpectedBool);
      j->is_enabled = r == Read::kValue ? std::optional<bool>(b) : std::nullopt;
    } else if (KeyIs(k, "lastRun")) {
      if (!ReadJobTime(v, &j->last_run)) {
        return SetFail(f, "lastRun", kExpectedTimestamp);
      }
    } else if (KeyIs(k, "nextRun")) {
      if (!ReadJobTime(v, &j->next_run)) {
        return SetFail(f, "nextRun", kExpectedTimestamp);
      }
    } else if (KeyIs(k, "lastBackup")) {
      if (!ReadJobTime(v, &j->last_backup)) {
        return SetFail(f, "lastBackup", kExpectedTimestamp);
      }
    } else if (KeyIs(k, "lastStatus")) {
      std::string_view text;
      const Read r = ReadNullableString(v, &text);
      if (r == Read::kBad) return SetFail(f, "lastStatus", kExpectedString);
      j->last_status = r == Read::kValue
                           ? std::optional<SessionStatus>(ParseSessionStatus(text))
                           : std::nullopt;
    } else if (KeyIs(k, "description")) {
      if (!CheckNullableString(v)) return SetFail(f, "description", kExpectedString);
    }
  }
  if (!has_id) return SetFail(f, "id", kMissing);
  return true;
}

// ---- Documents --------------------------------------------------------------

std::string JsonErrorText(simdjson::error_code code) {
  return std::string("invalid JSON (") + simdjson::error_message(code) + ")";
}

// "<where>[<index>].<field>: <what>"
Error ElementError(const char* where, size_t index, const Fail& f) {
  std::string m(where);
  m += '[';
  m += std::to_string(index);
  m += ']';
  if (f.field != nullptr) {
    m += '.';
    m += f.field;
  }
  m += ": ";
  m += f.code != simdjson::SUCCESS ? JsonErrorText(f.code) : std::string(f.what);
  return Error{std::move(m)};
}

Error DocError(const std::string& what) { return Error{what}; }

// Only whitespace may follow the top-level value. On-Demand has no at_end()
// in 3.0.1: current_location() reports OUT_OF_BOUNDS exactly when every
// structural token was consumed.
bool AtEnd(od::document& doc) {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

template <typename T, typename ElemFn>
bool ParseElements(od::array& arr, const char* where, std::vector<T>* out,
                   ElemFn parse_elem, Error* err) {
  size_t index = 0;
  for (auto er : arr) {
    od::value ev;
    Fail f;
    if (auto e = std::move(er).get(ev)) {
      SetJsonFail(&f, nullptr, e);
      *err = ElementError(where, index, f);
      return false;
    }
    out->emplace_back();
    if (!parse_elem(ev, &out->back(), &f)) {
      *err = ElementError(where, index, f);
      return false;
    }
    ++index;
  }
  return true;
}

// A plain array or a page envelope of elements parsed by parse_elem. On any
// error *out is restored to its size before the call.
template <typename T, typename ElemFn>
Result<PageInfo> ParseCollection(od::parser& parser, const char* data,
                                 size_t size, std::vector<T>* out,
                                 ElemFn parse_elem) {
  const size_t old_size = out->size();
  Error err;
  PageInfo page;
  auto fail = [&](Error e) -> Result<PageInfo> {
    out->resize(old_size);
    return e;
  };
  od::document doc;
  if (auto e = parser.iterate(data, size, size + kParsePadding).get(doc)) {
    return fail(DocError(JsonErrorText(e)));
  }
  od::json_type type;
  if (auto e = doc.type().get(type)) return fail(DocError(JsonErrorText(e)));
  if (type == od::json_type::array) {
    od::array arr;
    if (auto e = doc.get_array().get(arr)) {
      return fail(DocError(JsonErrorText(e)));
    }
    if (!ParseElements(arr, "", out, parse_elem, &err)) return fail(err);
  } else if (type == od::json_type::object) {
    page.is_page = true;
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
      return fail(DocError(JsonErrorText(e)));
    }
    bool has_results = false;
    for (auto fr : obj) {
      od::field field;
      if (auto e = std::move(fr).get(field)) return fail(DocError(JsonErrorText(e)));
      const char* k = field.key().raw();
      od::value& v = field.value();
      if (KeyIs(k, "results")) {
        const std::string_view tok = v.raw_json_token();
        od::array arr;
        if (tok.empty() || tok[0] != '[' || v.get_array().get(arr)) {
          return fail(DocError(std::string("results: ") + kExpectedArray));
        }
        if (!ParseElements(arr, "results", out, parse_elem, &err)) {
          return fail(err);
        }
        has_results = true;
      } else if (KeyIs(k, "offset") || KeyIs(k, "limit")) {
        const bool is_offset = k[0] == 'o';
        int64_t n = 0;
        const Read r = ReadNullableInt(v, &n);
        if (r == Read::kBad) {
          return fail(DocError(std::string(is_offset ? "offset" : "limit") +
                               ": " + kExpectedInteger));
        }
        (is_offset ? page.offset : page.limit) = r == Read::kValue ? n : 0;
      } else if (KeyIs(k, "_links")) {
        od::object links;
        const Read r = ReadNullableObject(v, &links);
        if (r == Read::kBad) {
          return fail(DocError(std::string("_links: ") + kExpectedObject));
        }
        if (r == Read::kNull) continue;
        for (auto lr : links) {
          od::field lf;
          if (auto e = std::move(lr).get(lf)) return fail(DocError(JsonErrorText(e)));
          if (KeyIs(lf.key().raw(), "next") &&
              !IsNullToken(lf.value().raw_json_token())) {
            page.has_next = true;
          }
        }
      }
    }
    if (!has_results) return fail(DocError(std::string("results: ") + kMissing));
  } else {
    return fail(DocError("expected an array or a page object"));
  }
  if (!AtEnd(doc)) return fail(DocError("trailing content after the JSON document"));
  page.count = static_cast<int64_t>(out->size() - old_size);
  return page;
}

// A top-level object whose fields are handled by field_fn(key, value, Fail*),
// then checked for trailing content.
template <typename FieldFn>
bool ParseObjectDoc(od::parser& parser, const char* data, size_t size,
                    FieldFn field_fn, Error* err) {
  od::document doc;
  if (auto e = parser.iterate(data, size, size + kParsePadding).get(doc)) {
    *err = DocError(JsonErrorText(e));
    return false;
  }
  od::json_type type;
  if (auto e = doc.type().get(type)) {
    *err = DocError(JsonErrorText(e));
    return false;
  }
  if (type != od::json_type::object) {
    *err = DocError("expected an object");
    return false;
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    *err = DocError(JsonErrorText(e));
    return false;
  }
  for (auto fr : obj) {
    od::field field;
    Fail f;
    if (auto e = std::move(fr).get(field)) {
      *err = DocError(JsonErrorText(e));
      return false;
    }
    if (!field_fn(field.key().raw(), field.value(), &f)) {
      std::string m = f.field != nullptr ? f.field : "";
      m += ": ";
      m += f.code != simdjson::SUCCESS ? JsonErrorText(f.code) : f.what;
      *err = DocError(m);
      return false;
    }
  }
  if (!AtEnd(doc)) {
    *err = DocError("trailing content after the JSON document");
    return false;
  }
  return true;
}

}  // namespace

struct Parser::Impl {
  od::parser parser;
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

Result<PageInfo> Parser::ParseSessions(const char* data, size_t size,
                                       std::vector<JobSession>* out) {
  return ParseCollection(
      impl_->parser, data, size, out,
      [](od::value& v, JobSession* s, Fail* f) { return ParseSession(v, s, f); });
}

Result<PageInfo> Parser::ParseJobs(const char* data, size_t size,
                                   std::vector<Job>* out) {
  return ParseCollection(
      impl_->parser, data, size, out,
      [](od::value& v, Job* j, Fail* f) { return ParseJob(v, j, f); });
}

Result<TokenResponse> Parser::ParseToken(const char* data, size_t size) {
  TokenResponse t;
  bool has_access = false, has_expires = false;
  Error err;
  const bool ok = ParseObjectDoc(
      impl_->parser, data, size,
      [&](const char* k, od::value& v, Fail* f) {
        if (KeyIs(k, "access_token")) {
          std::string_view text;
          if (!ReadString(v, &text)) {
            return SetFail(f, "access_token", kExpectedString);
          }
          t.access_token.assign(text.data(), text.size());
          has_access = true;
        } else if (KeyIs(k, "refresh_token")) {
          if (!CopyNullableString(v, &t.refresh_token)) {
            return SetFail(f, "refresh_token", kExpectedString);
          }
        } else if (KeyIs(k, "expires_in")) {
          if (!ParseIntToken(v.raw_json_token(), &t.expires_in_seconds)) {
            return SetFail(f, "expires_in", kExpectedInteger);
          }
          has_expires = true;
        }
        return true;
      },
      &err);
  if (!ok) return err;
  if (!has_access) return Error{std::string("access_token: ") + kMissing};
  if (!has_expires) return Error{std::string("expires_in: ") + kMissing};
  return t;
}

Result<ServiceInstance> Parser::ParseServiceInstance(const char* data,
                                                     size_t size) {
  ServiceInstance si;
  bool has_version = false;
  Error err;
  const bool ok = ParseObjectDoc(
      impl_->parser, data, size,
      [&](const char* k, od::value& v, Fail* f) {
        if (KeyIs(k, "version")) {
          std::string_view text;
          if (!ReadString(v, &text)) return SetFail(f, "version", kExpectedString);
          si.version.assign(text.data(), text.size());
          has_version = true;
        }
        return true;
      },
      &err);
  if (!ok) return err;
  if (!has_version) return Error{std::string("version: ") + kMissing};
  return si;
}

}  // namespace vb365
