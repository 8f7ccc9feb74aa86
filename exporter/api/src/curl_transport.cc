#include "api/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <mutex>
#include <string_view>

#include "api/http_util.h"
#include "curl_tls.h"

namespace vb365 {

// A CURLSH with one mutex per kind of shared data, as libcurl requires when
// handles that share it run on several threads. Only TLS sessions and DNS
// are shared: libcurl does not support sharing the connection cache between
// concurrent threads, so each pooled handle keeps its own connection.
struct CurlTransport::Share {
  CURLSH* handle = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Share*>(user)->locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Share*>(user)->locks[data].unlock();
  }
};

namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-transfer state handed to the callbacks.
struct Transfer {
  PaddedBody* body = nullptr;
  size_t max_body = 0;
  bool too_large = false;
  double retry_after = -1;
  curl_tls::LeafCheck leaf;  // what the handshake checks and saw
  const std::atomic<bool>* aborted = nullptr;  // CurlTransport::Abort()
};

// Called by libcurl often during a transfer (about once a second when no
// data moves): a non-zero return ends it with CURLE_ABORTED_BY_CALLBACK.
int OnProgress(void* data, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const Transfer* t = static_cast<const Transfer*>(data);
  return t->aborted->load() ? 1 : 0;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->body->size() + n > t->max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body->Append(data, n);
  return n;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (StartsWithNoCase(line, "HTTP/")) {
    t->retry_after = -1;  // a new response (after 100 Continue) starts
  } else if (StartsWithNoCase(line, "retry-after:")) {
    t->retry_after = http::ParseRetryAfter(line.substr(12), std::time(nullptr));
  } else if (StartsWithNoCase(line, "content-length:")) {
    // Reserve once instead of growing; with gzip this is the compressed size,
    // still a good first guess.
    std::string value(line.substr(15));
    char* end = nullptr;
    unsigned long long length = std::strtoull(value.c_str(), &end, 10);
    if (end != value.c_str() && length > t->max_body) {
      // Announced too large: fail now instead of reading (and allocating)
      // up to the limit first, which took seconds and a GiB for nothing.
      t->too_large = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    if (end != value.c_str()) {
      t->body->Reserve(static_cast<size_t>(length));
    }
  }
  return n;
}

// The request's headers plus the ones every request sends.
curl_slist* RequestHeaders(const HttpRequest& request) {
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    headers = curl_slist_append(headers, line.c_str());
  }
  headers = curl_slist_append(headers, "Accept: application/json");
  // Small form bodies: no need to wait for 100 Continue.
  return curl_slist_append(headers, "Expect:");
}

void SetMethod(CURL* curl, const HttpRequest& request) {
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  } else if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

// The status, or the error (status 0) of a finished transfer.
void SetOutcome(CURL* curl, CURLcode code, const Transfer& transfer,
                const char* error_buffer, size_t max_body,
                HttpResponse* response) {
  if (transfer.leaf.mismatch) {
    response->status = 0;
    response->body.Clear();
    response->pin_mismatch = true;
    response->error = curl_tls::PinMismatchMessage(transfer.leaf);
  } else if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response->status = static_cast<int>(status);
    response->retry_after_seconds = transfer.retry_after;
  } else {
    response->status = 0;
    response->body.Clear();
    if (code == CURLE_ABORTED_BY_CALLBACK) {
      response->error = "aborted: the exporter is shutting down";
    } else if (transfer.too_large) {
      response->too_large = true;
      response->error =
          "response body larger than " + std::to_string(max_body) + " bytes";
    } else {
      // The error buffer describes the connection (host, TLS, timeout); it
      // never echoes request headers or the POST body.
      std::string detail = error_buffer[0] != '\0'
                               ? std::string(error_buffer)
                               : std::string(curl_easy_strerror(code));
      response->error = "curl error " + std::to_string(static_cast<int>(code)) +
                        ": " + http::Sanitize(detail, 300);
    }
  }
}

}  // namespace

CurlTransportOptions CurlTransportOptions::FromServer(
    const ServerConfig& server) {
  CurlTransportOptions options;
  options.tls = server.tls;
  options.origin = server.url;
  options.timeout = server.timeout;
  options.connect_timeout = std::min(server.timeout, options.connect_timeout);
  options.max_connections = std::max(1, server.max_concurrent_requests);
  return options;
}

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)),
      route_(std::make_unique<curl_tls::ServerNameRoute>(
          options_.origin, options_.tls.server_name)) {
  GlobalInitOnce();
  if (options_.share_tls_sessions) {
    share_ = std::make_unique<Share>();
    share_->handle = curl_share_init();
    if (share_->handle != nullptr) {
      curl_share_setopt(share_->handle, CURLSHOPT_LOCKFUNC, &Share::Lock);
      curl_share_setopt(share_->handle, CURLSHOPT_UNLOCKFUNC, &Share::Unlock);
      curl_share_setopt(share_->handle, CURLSHOPT_USERDATA, share_.get());
      curl_share_setopt(share_->handle, CURLSHOPT_SHARE,
                        CURL_LOCK_DATA_SSL_SESSION);
      curl_share_setopt(share_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    }
  }
}

CurlTransport::~CurlTransport() {
  // Callers must have returned from Send; the pooled handles are all idle.
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
  if (share_ != nullptr && share_->handle != nullptr) {
    curl_share_cleanup(share_->handle);
  }
}

void* CurlTransport::AcquireHandle() {
  std::unique_lock<std::mutex> lock(mu_);
  int limit = std::max(1, options_.max_connections);
  slot_free_.wait(lock, [&] { return busy_ < limit || aborted_; });
  if (aborted_) return nullptr;
  ++busy_;
  if (!idle_.empty()) {
    void* handle = idle_.back();
    idle_.pop_back();
    return handle;
  }
  lock.unlock();
  CURL* handle = curl_easy_init();
  if (handle == nullptr) {
    lock.lock();
    --busy_;
    slot_free_.notify_one();
  }
  return handle;
}

void CurlTransport::Abort() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
  }
  slot_free_.notify_all();
}

void CurlTransport::CloseIdle() {
  std::vector<void*> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
  }
  for (void* handle : idle) curl_easy_cleanup(static_cast<CURL*>(handle));
}

int CurlTransport::Handles() {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_ + static_cast<int>(idle_.size());
}

void CurlTransport::ReleaseHandle(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(handle);
    --busy_;
  }
  slot_free_.notify_one();
}

void CurlTransport::ConfigureHandle(void* handle, const HttpRequest& request,
                                    void* headers, void* transfer_data,
                                    char* error_buffer) const {
  CURL* curl = static_cast<CURL*>(handle);
  auto* transfer = static_cast<Transfer*>(transfer_data);
  const std::string url = route_->Apply(curl, request.url);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());  // libcurl copies it
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headers));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip, br, ...
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, transfer);
  if (share_ != nullptr && share_->handle != nullptr) {
    curl_easy_setopt(curl, CURLOPT_SHARE, share_->handle);
  }
  SetMethod(curl, request);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
}

HttpResponse CurlTransport::Send(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = aborted_ ? nullptr : static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    response.error = aborted_ ? "aborted: the exporter is shutting down"
                              : "curl: cannot create a handle";
    return response;
  }
  // Reset keeps the live connection and the TLS session cache of the handle.
  curl_easy_reset(curl);

  Transfer transfer;
  transfer.body = &response.body;
  transfer.max_body = options_.max_body_bytes;
  transfer.aborted = &aborted_;
  char error_buffer[CURL_ERROR_SIZE];
  error_buffer[0] = '\0';

  curl_slist* headers = RequestHeaders(request);

  ConfigureHandle(curl, request, headers, &transfer, error_buffer);
  const CURLcode tls_code = curl_tls::Apply(curl, options_.tls, &transfer.leaf);
  auto start = std::chrono::steady_clock::now();
  // A TLS setting libcurl refuses (a pin without the OpenSSL backend) fails
  // the request instead of sending it less protected.
  CURLcode code = tls_code != CURLE_OK ? tls_code : curl_easy_perform(curl);
  response.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  SetOutcome(curl, code, transfer, error_buffer, options_.max_body_bytes,
             &response);
  // Do not leave pointers to this stack frame in the pooled handle.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, nullptr);
  curl_slist_free_all(headers);
  ReleaseHandle(curl);
  return response;
}

}  // namespace vb365
