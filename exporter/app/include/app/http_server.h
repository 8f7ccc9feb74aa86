// The exporter's HTTP(S) endpoint: the metrics page, the status page (or a
// landing page) and a health check, with optional TLS and basic auth
// (cpp-httplib: Debian's prometheus-cpp Exposer serves through civetweb
// built without TLS).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "metrics/exposition.h"

namespace httplib {
class Server;
}

namespace vb365 {

struct HttpServerOptions {
  // "host:port", ":port" (every address: dual-stack "::" where IPv6
  // exists, else 0.0.0.0) or "[v6]:port"; port 0 picks a free port.
  std::string listen_address = ":9865";
  std::string telemetry_path = "/metrics";
  // Both set: HTTPS with this certificate chain and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Set: every request needs HTTP basic auth that this accepts.
  std::function<bool(const std::string& user, const std::string& password)>
      basic_auth;
  // Set: "/" serves what this returns as text/html (the status page, see
  // status_page.h), with a Content-Security-Policy that allows no script.
  // Called on every request to "/", on the server's threads: it must only
  // read published state, never wait. Unset: a small landing page.
  std::function<std::string()> status_page;
  // POST (or PUT) /-/reload calls `reload` when enable_lifecycle is set (a
  // failure answers 500 with its message); without the flag it answers 403.
  // GET answers 405. Called on the server's threads; it may take a while
  // (it stops and starts refreshers).
  bool enable_lifecycle = false;
  std::function<Status()> reload;
  // Set: GET /probe?target=NAME serves what this returns for NAME (see
  // ProbeAnswer), gzip'd when the client accepts it, like the metrics page.
  struct ProbeAnswer {
    int status = 200;  // 200: `body` is the exposition; else a plain text
    std::string body;
  };
  std::function<ProbeAnswer(const std::string& target)> probe;
};

// Serves on its own threads (httplib's pool). A scrape serializes the small
// collectables of the exposition (the self-metrics registry) and appends its
// cached page (the SnapshotCollector's, rendered when its snapshots were
// published): ExpositionText, or ExpositionGzip when the client accepts
// gzip. It never waits on the network. Start/Stop are called from one
// thread.
class HttpServer {
 public:
  // What the exposition points to outlives the server.
  HttpServer(HttpServerOptions options, Exposition exposition);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds (an Error names the address and reason) and starts serving:
  // returns once the accept loop runs, so a connection made right after it
  // is served, or an Error when the loop did not start.
  Status Start();
  void Stop();
  // The bound port and "host:port" (valid after Start).
  int port() const { return port_; }
  std::string address() const;
  bool tls() const;

  // The text exposition of the collectables (what the metrics page serves).
  std::string RenderMetrics() const;

 private:
  void Routes();
  // Creates the server for one host and binds it (port 0: any free port).
  Status Bind(const std::string& host, int port);

  HttpServerOptions options_;
  Exposition exposition_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

// Content type of the text exposition format.
inline constexpr const char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// The Content-Security-Policy of the status page: inline style only.
inline constexpr const char kStatusPageCsp[] =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// True when an Accept-Encoding header value accepts gzip (not with q=0).
bool AcceptsGzip(const std::string& accept_encoding);

}  // namespace vb365
