// The routes beside the metrics page that reach into the server set:
// /-/reload (lifecycle) and /probe (multi-target). Kept apart from the
// connection handling in http_server.cc.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "app/http_server.h"

namespace vb365 {

// The answer for /-/reload and, when options.probe is set, /probe; nullopt
// for any other path. `header` reads a request header, `query` a query
// argument (both empty when absent).
std::optional<HttpServer::Reply> AnswerLifecycleOrProbe(
    const HttpServerOptions& options, const std::string& method,
    const std::string& path,
    const std::function<std::string(const char*)>& header,
    const std::function<std::string(const char*)>& query);

}  // namespace vb365
