#include "lifecycle_routes.h"

#include <string>
#include <utility>

#include "metrics/gzip.h"

namespace vb365 {
namespace {

HttpServer::Reply Text(int status, std::string body) {
  HttpServer::Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

HttpServer::Reply Reload(const HttpServerOptions& options,
                         const std::string& method) {
  if (method != "POST" && method != "PUT") {
    HttpServer::Reply r = Text(405, "Only POST or PUT requests allowed\n");
    r.headers.emplace_back("Allow", "POST, PUT");
    return r;
  }
  if (!options.enable_lifecycle || !options.reload) {
    return Text(403,
                "Lifecycle API is not enabled: start the exporter with "
                "--web.enable-lifecycle to reload over HTTP (SIGHUP works "
                "either way).\n");
  }
  if (Status s = options.reload(); !s.ok()) {
    return Text(500, "failed to reload config: " + s.error().message() + "\n");
  }
  return Text(200, "config reloaded\n");
}

HttpServer::Reply Probe(const HttpServerOptions& options,
                        const std::string& method,
                        const std::function<std::string(const char*)>& header,
                        const std::function<std::string(const char*)>& query) {
  if (method != "GET" && method != "HEAD") {
    HttpServer::Reply r = Text(405, "Method Not Allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const std::string target = query("target");
  if (target.empty()) {
    return Text(400,
                "target parameter is missing: /probe?target=NAME, NAME a "
                "server name from the config file\n");
  }
  HttpServerOptions::ProbeAnswer answer = options.probe(target);
  if (answer.status != 200) return Text(answer.status, std::move(answer.body));
  HttpServer::Reply r;
  r.headers = {{"Content-Type", kMetricsContentType},
               {"Vary", "Accept-Encoding"}};
  if (AcceptsGzip(header("Accept-Encoding"))) {
    if (std::optional<std::string> gz = GzipMember(answer.body, nullptr)) {
      r.body = std::move(*gz);
      r.headers.emplace_back("Content-Encoding", "gzip");
      return r;
    }
  }
  r.body = std::move(answer.body);
  return r;
}

}  // namespace

std::optional<HttpServer::Reply> AnswerLifecycleOrProbe(
    const HttpServerOptions& options, const std::string& method,
    const std::string& path,
    const std::function<std::string(const char*)>& header,
    const std::function<std::string(const char*)>& query) {
  if (path == "/-/reload") return Reload(options, method);
  if (path == "/probe" && options.probe) {
    return Probe(options, method, header, query);
  }
  return std::nullopt;
}

}  // namespace vb365
