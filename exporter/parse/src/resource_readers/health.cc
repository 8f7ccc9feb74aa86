// v8 GET /Health: {"status": "Healthy", "entries": {"NATS": {"status":
// ...}, ...}}.
#include <algorithm>

#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::AsObject;
using resource_detail::Fields;
using resource_detail::Malformed;

Result<Health> ReadHealth(std::string_view json) {
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root =
      resource_detail::ParseDocument(&parser, json, "health");
  if (!root.ok()) return root.error();
  std::string error;
  Result<Fields> f = AsObject(*root, "", &error);
  if (!f.ok()) return Malformed("health", f.error().message());
  Health h;
  h.status = ParseHealthStatus(f->Str("status").value_or(""));
  if (std::optional<simdjson::dom::element> entries = f->Raw("entries")) {
    simdjson::dom::object object;
    if (entries->get(object) != simdjson::SUCCESS) {
      return Malformed("health", "entries: expected an object");
    }
    for (auto [key, value] : object) {
      const std::string component(key);
      Result<Fields> entry = AsObject(value, "entries." + component, &error);
      if (!entry.ok()) return Malformed("health", entry.error().message());
      h.components.emplace_back(
          component, ParseHealthStatus(entry->Str("status").value_or("")));
    }
  }
  if (!f->ok()) return Malformed("health", error);
  std::sort(h.components.begin(), h.components.end());
  return h;
}

}  // namespace vb365
