// The production Transport: libcurl easy handles kept in a pool, so TCP
// connections and TLS sessions are reused from one request to the next.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/transport.h"
#include "config/config.h"

namespace vb365 {

namespace curl_tls {
class ServerNameRoute;
}

struct CurlTransportOptions {
  TlsConfig tls;  // ca_file empty: the system trust store
  // scheme://host[:port] of the server (its config url). With
  // tls.server_name set, requests to it go to https://server_name:port and
  // libcurl connects to this host (SNI, verified name and Host header are
  // server_name).
  std::string origin;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};  // whole request
  // Requests in flight at once; further callers of Send wait for a slot.
  int max_connections = 8;
  // A larger body fails the request instead of exhausting memory.
  size_t max_body_bytes = size_t{1} << 30;
  std::string user_agent = "vb365_exporter";
  // Share TLS sessions and the DNS cache between the pooled handles.
  bool share_tls_sessions = true;

  // TLS, timeout and max_concurrent_requests of one configured server.
  static CurlTransportOptions FromServer(const ServerConfig& server);
};

// Thread-safe: Send may be called from many threads at once; at most
// max_connections transfers run in parallel, each on its own pooled handle.
// Errors come from curl's error buffer and never contain the request's
// headers or body (where the token and the password travel). With
// tls.server_certificate_sha256 the leaf certificate is checked during the
// handshake, so a wrong server never receives a request (pin_mismatch).
class CurlTransport : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse Send(const HttpRequest& request) override;

  // Ends every transfer in flight within about a second (a progress
  // callback checks the flag) and fails every later Send at once, for
  // shutdown. Irreversible; callable from any thread.
  void Abort();

  // Closes the connections of the handles not in use (the TLS session
  // cache stays in the share, so the next handshake is resumed). The
  // exporter calls it after each refresh of the server: between refreshes
  // a server holds no connection, so open connections are bounded by the
  // requests in flight, not by the number of servers.
  void CloseIdle();
  // Pooled handles now (busy and idle): each holds at most one connection.
  int Handles();

 private:
  struct Share;
  void* AcquireHandle();  // blocks while max_connections are busy
  void ReleaseHandle(void* handle);
  // Every option of one request (handle is a CURL*, headers a curl_slist*,
  // transfer the callbacks' state).
  void ConfigureHandle(void* handle, const HttpRequest& request, void* headers,
                       void* transfer, char* error_buffer) const;

  const CurlTransportOptions options_;
  std::unique_ptr<Share> share_;
  std::unique_ptr<curl_tls::ServerNameRoute> route_;  // never null

  std::mutex mu_;
  std::condition_variable slot_free_;
  std::vector<void*> idle_;  // CURL* handles not in use; guarded by mu_
  int busy_ = 0;             // guarded by mu_
  std::atomic<bool> aborted_{false};
};

}  // namespace vb365
