#include "collectors_decode.h"

#include <algorithm>
#include <string>

namespace vb365::config_internal {

namespace {

std::string KnownNames() {
  std::string out;
  for (std::string_view name : kCollectorNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

void DecodeCollectors(const MapReader& map, ServerConfig* server) {
  if (const auto field = map.Get("collectors")) {
    const std::vector<Field> items = AsSequence(*field);
    if (items.empty()) {
      Fail(*field,
           "at least one collector is required (known: " + KnownNames() + ")");
    }
    server->collectors.clear();
    for (const Field& item : items) {
      const std::string name = AsString(item);
      if (std::find(kCollectorNames.begin(), kCollectorNames.end(), name) ==
          kCollectorNames.end()) {
        Fail(item, "unknown collector " + Quote(name) +
                       " (known: " + KnownNames() + ")");
      }
      if (!server->collectors.insert(name).second) {
        Fail(item, "collector " + Quote(name) + " is listed twice");
      }
    }
  }
  if (const auto f = map.Get("licensed_users_interval")) {
    server->licensed_users_interval = AsDuration(*f);
  }
}

}  // namespace vb365::config_internal
