#include "resource_dom_fields.h"

namespace vb365::resource_detail {

using simdjson::dom::element;
using simdjson::dom::element_type;

Error Malformed(const char* what, std::string_view message) {
  return Error(ErrorCode::kMalformed,
               std::string(what) + ": " + std::string(message));
}

void Fields::Fail(const char* key, std::string_view what) const {
  if (!error_->empty()) return;
  *error_ = path_.empty() ? std::string(key) : path_ + "." + key;
  *error_ += ": ";
  *error_ += what;
}

std::optional<element> Fields::Raw(const char* key) const {
  element value;
  if (object_[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value.is_null()) return std::nullopt;
  return value;
}

std::optional<std::string_view> Fields::Str(const char* key) const {
  std::optional<element> value = Raw(key);
  if (!value) return std::nullopt;
  std::string_view s;
  if (value->get(s) != simdjson::SUCCESS) {
    Fail(key, "expected a string");
    return std::nullopt;
  }
  return s;
}

std::string Fields::Text(const char* key) const {
  std::optional<std::string_view> s = Str(key);
  return s ? std::string(*s) : std::string();
}

std::optional<int64_t> Fields::Int(const char* key) const {
  std::optional<element> value = Raw(key);
  if (!value) return std::nullopt;
  int64_t n = 0;
  if (value->get(n) != simdjson::SUCCESS) {
    Fail(key, "expected an integer");
    return std::nullopt;
  }
  return n;
}

std::optional<double> Fields::Num(const char* key) const {
  std::optional<element> value = Raw(key);
  if (!value) return std::nullopt;
  double d = 0;
  if (value->get(d) != simdjson::SUCCESS) {
    Fail(key, "expected a number");
    return std::nullopt;
  }
  return d;
}

std::optional<bool> Fields::Bool(const char* key) const {
  std::optional<element> value = Raw(key);
  if (!value) return std::nullopt;
  bool b = false;
  if (value->get(b) != simdjson::SUCCESS) {
    Fail(key, "expected true or false");
    return std::nullopt;
  }
  return b;
}

Timestamp Fields::Time(const char* key) const {
  std::optional<std::string_view> s = Str(key);
  if (!s) return kNoTime;
  std::optional<Timestamp> t = ParseTimestamp(*s);
  if (!t) {
    Fail(key, "expected an ISO 8601 timestamp");
    return kNoTime;
  }
  return IsPlaceholderTime(*t) ? kNoTime : *t;
}

std::optional<Fields> Fields::Object(const char* key) const {
  std::optional<element> value = Raw(key);
  if (!value) return std::nullopt;
  simdjson::dom::object object;
  if (value->get(object) != simdjson::SUCCESS) {
    Fail(key, "expected an object");
    return std::nullopt;
  }
  return Fields(object, path_.empty() ? key : path_ + "." + key, error_);
}

Result<element> ParseDocument(simdjson::dom::parser* parser,
                              std::string_view json, const char* what) {
  element root;
  const simdjson::error_code code =
      parser->parse(json.data(), json.size()).get(root);
  if (code != simdjson::SUCCESS) {
    return Malformed(what,
                     std::string("not JSON: ") + simdjson::error_message(code));
  }
  return root;
}

Result<Fields> AsObject(element element, std::string path, std::string* error) {
  simdjson::dom::object object;
  if (element.get(object) != simdjson::SUCCESS) {
    return Error(ErrorCode::kMalformed,
                 (path.empty() ? std::string("document") : path) +
                     ": expected an object");
  }
  return Fields(object, std::move(path), error);
}

namespace {

// The envelope's offset, limit and next link; *results its elements.
Status ReadEnvelope(const Fields& page, simdjson::dom::array* results,
                    PageInfo* info) {
  std::optional<element> r = page.Raw("results");
  if (!r || r->get(*results) != simdjson::SUCCESS) {
    page.Fail("results", "expected an array");
    return Error(ErrorCode::kMalformed, *page.error());
  }
  info->is_page = true;
  info->offset = page.Int("offset").value_or(0);
  info->limit = page.Int("limit").value_or(0);
  if (std::optional<Fields> links = page.Object("_links")) {
    info->has_next = links->Raw("next").has_value();
  }
  if (!page.ok()) return Error(ErrorCode::kMalformed, *page.error());
  return Ok{};
}

}  // namespace

Result<PageInfo> ForEachElement(
    std::string_view json, const char* what,
    const std::function<bool(const Fields&)>& each) {
  simdjson::dom::parser parser;
  Result<element> root = ParseDocument(&parser, json, what);
  if (!root.ok()) return root.error();
  PageInfo info;
  simdjson::dom::array results;
  std::string prefix;
  std::string error;
  if (root->get(results) != simdjson::SUCCESS) {
    Result<Fields> page = AsObject(*root, "", &error);
    if (!page.ok()) {
      return Malformed(what, "expected an array or a page object");
    }
    Status envelope = ReadEnvelope(*page, &results, &info);
    if (!envelope.ok()) return Malformed(what, envelope.error().message());
    prefix = "results";
  }
  size_t i = 0;
  for (element e : results) {
    const std::string path = prefix + "[" + std::to_string(i++) + "]";
    Result<Fields> fields = AsObject(e, path, &error);
    if (!fields.ok()) return Malformed(what, fields.error().message());
    if (!each(*fields) || !error.empty()) {
      return Malformed(what, error.empty() ? path + ": rejected" : error);
    }
  }
  info.count = static_cast<int64_t>(i);
  return info;
}

}  // namespace vb365::resource_detail
