// The exporter's HTTP(S) endpoint: the metrics page, the status page (or a
// landing page) and a health check, with optional TLS and basic auth.
// Event-driven (GNU libmicrohttpd, TLS through GnuTLS): an idle or slow
// connection holds no thread, so no client can starve a scrape (see
// docs/http_server.md; Debian's civetweb crashes on TLS, and cpp-httplib's
// pool gives each connection a thread for as long as it stays open).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "metrics/exposition.h"

struct MHD_Daemon;

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
  // Connections held at once (further ones wait in the kernel's listen
  // queue until one closes) and from one client address (further ones are
  // closed at once).
  int max_connections = 256;
  int max_connections_per_client = 64;
  // A connection that sends and receives nothing for this long is closed
  // (whole seconds, at least 1).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // A request's header (with the TLS handshake of a new connection) must be
  // complete within this of the connection's start, or of the end of the
  // previous response plus idle_timeout; else the connection is cut, however
  // steadily it trickles bytes.
  std::chrono::milliseconds read_header_timeout{std::chrono::seconds(5)};
  // Event-loop threads (0: the number of cores, at least 8: a plain page
  // of 1,000 jobs takes its loop about 15 ms, and more loops than cores let
  // the kernel interleave short answers with it instead of queueing them).
  int threads = 0;
};

class HeaderWatchdog;

// Serves on its own event-loop threads. A scrape serializes the small
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

  // Connections cut because their request header came too late (since
  // Start).
  uint64_t header_timeouts() const;
  // For the event loop's callbacks (valid while started).
  HeaderWatchdog* watchdog() const { return watchdog_.get(); }

  // One answer (built on an event-loop thread, then queued to the client).
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  // The answer to a request; `header` reads a request header and `query` a
  // query argument (empty when absent). Public for the event loop's C
  // callback.
  Reply Answer(const std::string& method, const std::string& path,
               const std::function<std::string(const char*)>& header,
               const std::function<std::string(const char*)>& query) const;

 private:
  Reply Metrics(const std::string& accept_encoding) const;
  // A listening socket for one host (port 0: any free port), or -1.
  int Listen(const std::string& host, int port);
  Status StartDaemon(int listen_fd);

  HttpServerOptions options_;
  Exposition exposition_;
  std::string landing_page_;
  std::unique_ptr<HeaderWatchdog> watchdog_;
  MHD_Daemon* daemon_ = nullptr;
  std::string host_;
  int port_ = 0;
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
