// The routes beside the metrics page that reach into the server set:
// /-/reload (lifecycle) and /probe (multi-target). Kept apart from the
// connection handling in http_server.cc.
#pragma once

#include "app/http_server.h"

namespace httplib {
class Server;
}

namespace vb365 {

// Adds /-/reload and, when options.probe is set, /probe. `options` outlives
// the server.
void AddLifecycleAndProbeRoutes(const HttpServerOptions& options,
                                httplib::Server* server);

}  // namespace vb365
