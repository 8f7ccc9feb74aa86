// `collectors:` and `licensed_users_interval:` of a server (issue 9).
// Internal to vb365_config.
#pragma once

#include "config/config.h"
#include "yaml_decode.h"

namespace vb365::config_internal {

// Reads both keys of a server's mapping into *server; a name outside
// kCollectorNames, a name listed twice or an empty list is a DecodeError
// naming the entry.
void DecodeCollectors(const MapReader& map, ServerConfig* server);

}  // namespace vb365::config_internal
