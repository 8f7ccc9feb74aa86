// The one grammar of the resource readers (src/resource_readers/): typed,
// optional access to the members of a simdjson DOM object, with the path of
// every value for error messages, and the array-or-page envelope of
// collections. Private to the parse module.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "model/types.h"

namespace vb365::resource_detail {

// The members of one JSON object. Every getter treats an absent member and
// null alike (nullopt, "" or kNoTime) and a member of another type as an
// error: the first error is kept in *error ("path.key: expected ...") and
// later getters return their empty value. Check ok() once after reading.
class Fields {
 public:
  Fields(simdjson::dom::object object, std::string path, std::string* error)
      : object_(object), path_(std::move(path)), error_(error) {}

  std::optional<std::string_view> Str(const char* key) const;
  // Str or "".
  std::string Text(const char* key) const;
  std::optional<int64_t> Int(const char* key) const;
  std::optional<double> Num(const char* key) const;  // integers too
  std::optional<bool> Bool(const char* key) const;
  // ISO 8601 (see ParseTimestamp); the year-1 placeholder is kNoTime. A
  // string that is not a timestamp is an error.
  Timestamp Time(const char* key) const;
  // A nested object (absent or null: nullopt).
  std::optional<Fields> Object(const char* key) const;
  // The member's raw element (absent or null: nullopt).
  std::optional<simdjson::dom::element> Raw(const char* key) const;

  const std::string& path() const { return path_; }
  std::string* error() const { return error_; }
  bool ok() const { return error_->empty(); }
  // Records "path.key: what" unless an error is recorded already.
  void Fail(const char* key, std::string_view what) const;

 private:
  simdjson::dom::object object_;
  std::string path_;
  std::string* error_;
};

// Parses a whole document. The DOM lives in *parser.
Result<simdjson::dom::element> ParseDocument(simdjson::dom::parser* parser,
                                             std::string_view json,
                                             const char* what);

// The object at `path` (an error when `element` is not an object).
Result<Fields> AsObject(simdjson::dom::element element, std::string path,
                        std::string* error);

// Calls each(fields) for every element of a collection: a plain array, or
// the "results" of a page envelope. each returns false to stop (its Fields
// carry the error). Returns the page info, or the first error.
Result<PageInfo> ForEachElement(std::string_view json, const char* what,
                                const std::function<bool(const Fields&)>& each);

// Appends read(fields) for every element of a collection to *out, or
// nothing when the document or any element is malformed. Returns the page
// info, or the first error.
template <typename T, typename Read>
Result<PageInfo> AppendElements(std::string_view json, const char* what,
                                std::vector<T>* out, Read read) {
  std::vector<T> page;
  Result<PageInfo> info = ForEachElement(json, what, [&](const Fields& f) {
    page.push_back(read(f));
    return true;
  });
  if (!info.ok()) return info;
  out->insert(out->end(), std::make_move_iterator(page.begin()),
              std::make_move_iterator(page.end()));
  return info;
}

// An Error with code kMalformed: "what: message".
Error Malformed(const char* what, std::string_view message);

}  // namespace vb365::resource_detail
