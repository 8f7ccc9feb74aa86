// Decoding of a server's `tls:` block. Internal to vb365_config.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "yaml_decode.h"

namespace vb365::config_internal {

// Reads map's `tls` (if any) into server->tls; server->url must be set.
// Risky but accepted settings add a "FILE:LINE: path: reason" warning.
void DecodeTls(const MapReader& map, const std::string& base_dir,
               const std::string& file, ServerConfig* server,
               std::vector<std::string>* warnings);

}  // namespace vb365::config_internal
