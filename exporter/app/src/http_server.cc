#include "app/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "common/log.h"
#include "config/flags.h"
#include "config/web_config.h"
#include "header_watchdog.h"
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
    : options_(std::move(options)), exposition_(std::move(exposition)) {
  landing_page_ =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
      "<title>VB365 Exporter</title></head>\n<body><h1>VB365 Exporter</h1>\n"
      "<p>Prometheus exporter for Veeam Backup for Microsoft 365.</p>\n"
      "<ul><li><a href=\"" +
      HtmlEscape(options_.telemetry_path) +
      "\">Metrics</a></li>\n"
      "<li><a href=\"/-/healthy\">Health</a></li></ul>\n</body></html>\n";
}

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

uint64_t HttpServer::header_timeouts() const {
  return watchdog_ ? watchdog_->cut() : 0;
}

HttpServer::Reply HttpServer::Metrics(
    const std::string& accept_encoding) const {
  Reply r;
  r.headers = {{"Content-Type", kMetricsContentType},
               {"Vary", "Accept-Encoding"}};
  if (AcceptsGzip(accept_encoding)) {
    // Prometheus asks for gzip: the snapshots' compressed stream was made
    // when they were published and is spliced in (ExpositionGzip). If
    // compressing the rest failed, the plain text below is served.
    if (std::optional<std::string> gz = ExpositionGzip(exposition_)) {
      r.body = std::move(*gz);
      r.headers.emplace_back("Content-Encoding", "gzip");
      return r;
    }
  }
  r.body = RenderMetrics();
  return r;
}

HttpServer::Reply HttpServer::Answer(
    const std::string& method, const std::string& path,
    const std::function<std::string(const char*)>& header,
    const std::function<std::string(const char*)>& query) const {
  Reply r;
  auto text = [&r](int status, std::string body) {
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  };
  if (options_.basic_auth) {
    std::string user, password;
    if (!ParseBasicAuthHeader(header("Authorization"), &user, &password) ||
        !options_.basic_auth(user, password)) {
      text(401, "Unauthorized\n");
      r.headers.emplace_back(
          "WWW-Authenticate",
          "Basic realm=\"vb365_exporter\", charset=\"UTF-8\"");
      return r;
    }
  }
  if (std::optional<Reply> routed =
          AnswerLifecycleOrProbe(options_, method, path, header, query)) {
    return *std::move(routed);
  }
  const bool known =
      path == options_.telemetry_path || path == "/" || path == "/-/healthy";
  if (!known) {
    text(404, "Not Found\n");
  } else if (method != "GET" && method != "HEAD") {
    text(405, "Method Not Allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else if (path == options_.telemetry_path) {
    r = Metrics(header("Accept-Encoding"));
  } else if (path == "/-/healthy") {
    text(200, "Healthy\n");
  } else if (options_.status_page) {
    r.body = options_.status_page();
    r.headers = {{"Content-Type", "text/html; charset=utf-8"},
                 // Defence in depth next to the escaping: the page needs no
                 // script, image, font or frame, and gets none.
                 {"Content-Security-Policy", kStatusPageCsp},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Cache-Control", "no-store"}};
  } else {
    r.body = landing_page_;
    r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  }
  return r;
}

namespace {

HeaderWatchdog::Connection* WatchedConnection(MHD_Connection* c) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info == nullptr
             ? nullptr
             : static_cast<HeaderWatchdog::Connection*>(info->socket_context);
}

// The request handler: called once the header is read (*req_cls still
// null), for each piece of a body (ignored), then once more to answer.
MHD_Result HandleRequest(void* cls, MHD_Connection* c, const char* url,
                         const char* method, const char* /*version*/,
                         const char* /*upload_data*/, size_t* upload_data_size,
                         void** req_cls) {
  static int started;
  auto* server = static_cast<const HttpServer*>(cls);
  if (*req_cls == nullptr) {
    *req_cls = &started;
    if (HeaderWatchdog::Connection* w = WatchedConnection(c)) {
      server->watchdog()->HeaderDone(w);
    }
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  auto lookup = [c](MHD_ValueKind kind) {
    return [c, kind](const char* name) {
      const char* v = MHD_lookup_connection_value(c, kind, name);
      return std::string(v == nullptr ? "" : v);
    };
  };
  HttpServer::Reply reply = server->Answer(method, url, lookup(MHD_HEADER_KIND),
                                           lookup(MHD_GET_ARGUMENT_KIND));
  // The body moves into the response, which frees it (a page is megabytes
  // at 1,000 jobs: no copy).
  auto* body = new std::string(std::move(reply.body));
  MHD_Response* response =
      MHD_create_response_from_buffer_with_free_callback_cls(
          body->size(), body->data(),
          [](void* p) { delete static_cast<std::string*>(p); }, body);
  if (response == nullptr) {
    delete body;
    return MHD_NO;
  }
  for (const auto& [name, value] : reply.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  const MHD_Result queued =
      MHD_queue_response(c, static_cast<unsigned>(reply.status), response);
  MHD_destroy_response(response);
  return queued;
}

// Tells the watchdog of each connection's start and end.
void NotifyConnection(void* cls, MHD_Connection* c, void** socket_context,
                      MHD_ConnectionNotificationCode code) {
  auto* watchdog = static_cast<HeaderWatchdog*>(cls);
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context = watchdog->Opened(info ? info->connect_fd : -1);
  } else if (*socket_context != nullptr) {
    watchdog->Closed(static_cast<HeaderWatchdog::Connection*>(*socket_context));
    *socket_context = nullptr;
  }
}

void RequestCompleted(void* cls, MHD_Connection* c, void** /*req_cls*/,
                      MHD_RequestTerminationCode /*toe*/) {
  if (HeaderWatchdog::Connection* w = WatchedConnection(c)) {
    static_cast<HeaderWatchdog*>(cls)->RequestDone(w);
  }
}

// libmicrohttpd's own messages (a client's bad TLS, a refused connection)
// go to the debug log.
void LogDaemon(void* /*cls*/, const char* format, va_list args) {
  char buf[512];
  vsnprintf(buf, sizeof(buf), format, args);
  std::string text(buf);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  Log(LogLevel::kDebug, "http server", {{"detail", text}});
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return !out->empty();
}

}  // namespace

int HttpServer::Listen(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) !=
      0) {
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR for quick restarts, not SO_REUSEPORT (a second process
    // could bind the same port and share the traffic): a busy port is an
    // error. IPV6_V6ONLY off: "::" takes IPv4 too.
    int yes = 1;
    int no = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (a->ai_family == AF_INET6) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof(no));
    }
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 511) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6
                    ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  host_ = host;
  return fd;
}

Status HttpServer::StartDaemon(int listen_fd) {
  std::string cert, key;
  if (tls() && (!ReadWholeFile(options_.tls_cert_file, &cert) ||
                !ReadWholeFile(options_.tls_key_file, &key))) {
    close(listen_fd);
    return Error{ErrorCode::kConfig,
                 "cannot read TLS certificate \"" + options_.tls_cert_file +
                     "\" or key \"" + options_.tls_key_file + "\""};
  }
  const int threads =
      options_.threads > 0
          ? options_.threads
          : std::max(8, static_cast<int>(std::thread::hardware_concurrency()));
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(
      options_.idle_timeout + std::chrono::milliseconds(999));
  watchdog_ = std::make_unique<HeaderWatchdog>(options_.read_header_timeout,
                                               options_.idle_timeout);
  auto fn = [](auto f) { return reinterpret_cast<intptr_t>(f); };
  std::vector<MHD_OptionItem> opts = {
      {MHD_OPTION_EXTERNAL_LOGGER, fn(&LogDaemon), nullptr},
      {MHD_OPTION_LISTEN_SOCKET, listen_fd, nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, std::max(options_.max_connections, threads),
       nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, options_.max_connections_per_client,
       nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, std::max<intptr_t>(1, idle.count()),
       nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, fn(&NotifyConnection), watchdog_.get()},
      {MHD_OPTION_NOTIFY_COMPLETED, fn(&RequestCompleted), watchdog_.get()}};
  // One thread: libmicrohttpd's own loop; more: a pool of loops.
  if (threads > 1) {
    opts.push_back({MHD_OPTION_THREAD_POOL_SIZE, threads, nullptr});
  }
  unsigned flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (tls()) {
    flags |= MHD_USE_TLS;
    opts.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, key.data()});
    opts.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, cert.data()});
    // TLS 1.2 and 1.3 only, as exporter-toolkit's default min_version.
    opts.push_back(
        {MHD_OPTION_HTTPS_PRIORITIES, 0,
         const_cast<char*>("NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2")});
  }
  opts.push_back({MHD_OPTION_END, 0, nullptr});
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HandleRequest, this,
                             MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
  if (daemon_ == nullptr) {
    close(listen_fd);
    watchdog_.reset();
    if (tls()) {
      return Error{ErrorCode::kConfig,
                   "cannot load TLS certificate \"" + options_.tls_cert_file +
                       "\" and key \"" + options_.tls_key_file + "\""};
    }
    return Error{ErrorCode::kIo, "cannot serve on \"" + address() +
                                     "\": the server did not start"};
  }
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
  int fd = -1;
  if (host.empty()) {
    fd = Listen("::", port);
    if (fd < 0) fd = Listen("0.0.0.0", port);
  } else {
    fd = Listen(host, port);
  }
  if (fd < 0) {
    return Error{ErrorCode::kIo, "cannot listen on \"" +
                                     options_.listen_address +
                                     "\" (address in use or not available)"};
  }
  // The socket listens already: a connection made right after Start
  // returns waits in its queue for the event loop, which runs on return.
  return StartDaemon(fd);
}

void HttpServer::Stop() {
  // Closes the listening socket and every connection, joins the threads.
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  watchdog_.reset();
}

}  // namespace vb365
