#include "lifecycle_routes.h"

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "metrics/gzip.h"

namespace vb365 {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";

void Reload(const HttpServerOptions& options, httplib::Response& res) {
  if (!options.enable_lifecycle || !options.reload) {
    res.status = 403;
    res.set_content(
        "Lifecycle API is not enabled: start the exporter with "
        "--web.enable-lifecycle to reload over HTTP (SIGHUP works either "
        "way).\n",
        kText);
    return;
  }
  if (Status s = options.reload(); !s.ok()) {
    res.status = 500;
    res.set_content("failed to reload config: " + s.error().message() + "\n",
                    kText);
    return;
  }
  res.set_content("config reloaded\n", kText);
}

void Probe(const HttpServerOptions& options, const httplib::Request& req,
           httplib::Response& res) {
  if (!req.has_param("target") || req.get_param_value("target").empty()) {
    res.status = 400;
    res.set_content(
        "target parameter is missing: /probe?target=NAME, NAME a server "
        "name from the config file\n",
        kText);
    return;
  }
  HttpServerOptions::ProbeAnswer answer =
      options.probe(req.get_param_value("target"));
  if (answer.status != 200) {
    res.status = answer.status;
    res.set_content(answer.body, kText);
    return;
  }
  res.set_header("Vary", "Accept-Encoding");
  if (AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
    std::optional<std::string> gz = GzipMember(answer.body, nullptr);
    if (gz) {
      // A content provider, because httplib would compress a body again.
      auto body = std::make_shared<const std::string>(std::move(*gz));
      res.set_header("Content-Encoding", "gzip");
      res.set_content_provider(
          body->size(), kMetricsContentType,
          [body](size_t offset, size_t length, httplib::DataSink& sink) {
            if (offset >= body->size()) return false;
            return sink.write(body->data() + offset,
                              std::min(length, body->size() - offset));
          });
      return;
    }
  }
  res.body = std::move(answer.body);
  res.set_header("Content-Type", kMetricsContentType);
}

}  // namespace

void AddLifecycleAndProbeRoutes(const HttpServerOptions& options,
                                httplib::Server* server) {
  const HttpServerOptions* o = &options;
  auto reload = [o](const httplib::Request&, httplib::Response& res) {
    Reload(*o, res);
  };
  server->Post("/-/reload", reload);
  server->Put("/-/reload", reload);
  server->Get("/-/reload", [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST, PUT");
    res.set_content("Only POST or PUT requests allowed\n", kText);
  });
  if (options.probe) {
    server->Get("/probe", [o](const httplib::Request& req,
                              httplib::Response& res) { Probe(*o, req, res); });
  }
}

}  // namespace vb365
