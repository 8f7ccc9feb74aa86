#include "app/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "common/log.h"
#include "config/flags.h"
#include "config/web_config.h"
#include "lifecycle_routes.h"

namespace vb365 {
namespace {

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ASCII lower case; every other byte (UTF-8, obs-text >= 0x80) unchanged.
// (std::tolower on a negative char is undefined behaviour.)
std::string AsciiLower(std::string v) {
  for (char& c : v) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return v;
}

}  // namespace

bool AcceptsGzip(const std::string& accept_encoding) {
  // Tokens separated by commas, each maybe with ";q=..."; q=0 refuses.
  size_t start = 0;
  while (start <= accept_encoding.size()) {
    size_t end = accept_encoding.find(',', start);
    if (end == std::string::npos) end = accept_encoding.size();
    std::string item = accept_encoding.substr(start, end - start);
    start = end + 1;
    std::string coding, params;
    const size_t semi = item.find(';');
    coding = item.substr(0, semi);
    if (semi != std::string::npos) params = item.substr(semi + 1);
    auto trim = [](std::string v) {
      const size_t b = v.find_first_not_of(" \t");
      const size_t e = v.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
    };
    coding = AsciiLower(trim(coding));
    if (coding != "gzip" && coding != "x-gzip") continue;
    params = AsciiLower(trim(params));
    if (params.rfind("q=", 0) == 0) {
      const std::string q = trim(params.substr(2));
      // q=0, q=0.0, q=0.000: refused.
      if (!q.empty() && q.find_first_not_of("0.") == std::string::npos) {
        return false;
      }
    }
    return true;
  }
  return false;
}

HttpServer::HttpServer(HttpServerOptions options, Exposition exposition)
    : options_(std::move(options)), exposition_(std::move(exposition)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::tls() const {
  return !options_.tls_cert_file.empty() && !options_.tls_key_file.empty();
}

std::string HttpServer::address() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

std::string HttpServer::RenderMetrics() const {
  // The cached page was rendered when its snapshots were published.
  return ExpositionText(exposition_);
}

void HttpServer::Routes() {
  httplib::Server& s = *server_;
  if (options_.basic_auth) {
    s.set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          std::string user, password;
          if (ParseBasicAuthHeader(req.get_header_value("Authorization"), &user,
                                   &password) &&
              options_.basic_auth(user, password)) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          res.status = 401;
          res.set_header("WWW-Authenticate",
                         "Basic realm=\"vb365_exporter\", charset=\"UTF-8\"");
          res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
          return httplib::Server::HandlerResponse::Handled;
        });
  }
  const std::string path = options_.telemetry_path;
  s.Get(path, [this](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Vary", "Accept-Encoding");
    std::optional<std::string> gzipped;
    if (AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
      // Prometheus asks for gzip: the snapshots' compressed stream was made
      // when they were published and is spliced in (ExpositionGzip). If
      // compressing the rest failed, the plain text below is served.
      gzipped = ExpositionGzip(exposition_);
    }
    if (gzipped) {
      // A content provider, because httplib would compress a body again.
      auto gz = std::make_shared<const std::string>(std::move(*gzipped));
      res.set_header("Content-Encoding", "gzip");
      res.set_content_provider(
          gz->size(), kMetricsContentType,
          [gz](size_t offset, size_t length, httplib::DataSink& sink) {
            if (offset >= gz->size()) return false;
            return sink.write(gz->data() + offset,
                              std::min(length, gz->size() - offset));
          });
      return;
    }
    // Moved in, not copied (set_content copies: megabytes at 1,000 jobs).
    // httplib would compress it for a client asking for br only.
    res.body = RenderMetrics();
    res.set_header("Content-Type", kMetricsContentType);
  });
  s.Get("/-/healthy", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Healthy\n", "text/plain; charset=utf-8");
  });
  AddLifecycleAndProbeRoutes(options_, &s);
  if (path != "/" && options_.status_page) {
    s.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      res.body = options_.status_page();
      res.set_header("Content-Type", "text/html; charset=utf-8");
      // Defence in depth next to the escaping: the page needs no script,
      // image, font or frame, and gets none.
      res.set_header("Content-Security-Policy", kStatusPageCsp);
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "no-store");
    });
  } else if (path != "/") {
    const std::string page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<title>VB365 Exporter</title></head>\n<body><h1>VB365 Exporter</h1>\n"
        "<p>Prometheus exporter for Veeam Backup for Microsoft 365.</p>\n"
        "<ul><li><a href=\"" +
        HtmlEscape(path) +
        "\">Metrics</a></li>\n"
        "<li><a href=\"/-/healthy\">Health</a></li></ul>\n</body></html>\n";
    s.Get("/", [page](const httplib::Request&, httplib::Response& res) {
      res.set_content(page, "text/html; charset=utf-8");
    });
  }
}

Status HttpServer::Bind(const std::string& host, int port) {
  if (tls()) {
    auto ssl = std::make_unique<httplib::SSLServer>(
        options_.tls_cert_file.c_str(), options_.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return Error{ErrorCode::kConfig,
                   "cannot load TLS certificate \"" + options_.tls_cert_file +
                       "\" and key \"" + options_.tls_key_file + "\""};
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  // httplib's default also sets SO_REUSEPORT, which lets a second process
  // bind the same port and share the traffic: keep only SO_REUSEADDR (quick
  // restarts), so a busy port is an error. IPV6_V6ONLY off: "::" takes IPv4
  // too (the call fails harmlessly on an IPv4 socket).
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    int no = 0;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
  });
  // Without it the last small segment of a response on a kept-alive
  // connection waits for the client's delayed ACK (40 ms a scrape: Nagle).
  server_->set_tcp_nodelay(true);
  Routes();
  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port < 0) port = 0;
  } else if (!server_->bind_to_port(host, port)) {
    port = 0;
  }
  if (port <= 0) {
    server_.reset();
    return Error{ErrorCode::kIo, "cannot listen on \"" +
                                     options_.listen_address +
                                     "\" (address in use or not available)"};
  }
  host_ = host;
  port_ = port;
  return Ok{};
}

Status HttpServer::Start() {
  int port = 0;
  std::string host;
  if (!SplitListenAddress(options_.listen_address, &host, &port)) {
    return Error{ErrorCode::kConfig,
                 "bad listen address \"" + options_.listen_address + "\""};
  }
  // ":port" means every address: IPv6 and IPv4 on one dual-stack socket
  // where the host has IPv6, else every IPv4 address.
  Status bound = Error{ErrorCode::kInternal, "no address"};
  if (host.empty()) {
    bound = Bind("::", port);
    if (!bound.ok()) bound = Bind("0.0.0.0", port);
  } else {
    bound = Bind(host, port);
  }
  if (!bound.ok()) return bound;
  // Shared with the thread, which may outlive this object (below).
  auto loop_ended = std::make_shared<std::atomic<bool>>(false);
  httplib::Server* server = server_.get();
  thread_ = std::thread([server, loop_ended] {
    server->listen_after_bind();
    *loop_ended = true;
  });
  // Return once the accept loop runs: httplib's stop() does nothing before
  // it does (a Stop() right after Start() would be lost and hang the join),
  // and a connection accepted by the kernel meanwhile would wait for it.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server->is_running()) {
    if (*loop_ended) {  // the loop ended without ever running
      thread_.join();
      server_.reset();
      return Error{ErrorCode::kIo, "cannot serve on \"" + address() +
                                       "\": the accept loop ended at start"};
    }
    if (std::chrono::steady_clock::now() > deadline) {
      // Not started in 10 s: give the thread its server and let it go (it
      // can neither be stopped nor joined before its loop runs).
      thread_.detach();
      static_cast<void>(server_.release());
      return Error{ErrorCode::kIo,
                   "cannot serve on \"" + address() +
                       "\": the accept loop did not start within 10 s"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Ok{};
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vb365
