#include "api/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <mutex>
#include <string_view>

#include "api/http_util.h"

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
};

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

// Verification on, unless the server's config opts out.
void SetTls(CURL* curl, const CurlTransportOptions& options) {
  if (options.tls.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.tls.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, options.tls.ca_file.c_str());
    }
  }
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

}  // namespace

CurlTransportOptions CurlTransportOptions::FromServer(
    const ServerConfig& server) {
  CurlTransportOptions options;
  options.tls = server.tls;
  options.timeout = server.timeout;
  options.connect_timeout = std::min(server.timeout, options.connect_timeout);
  options.max_connections = std::max(1, server.max_concurrent_requests);
  return options;
}

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_(std::move(options)) {
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
  slot_free_.wait(lock, [&] { return busy_ < limit; });
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

void CurlTransport::ReleaseHandle(void* handle) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(handle);
    --busy_;
  }
  slot_free_.notify_one();
}

HttpResponse CurlTransport::Send(const HttpRequest& request) {
  HttpResponse response;
  CURL* curl = static_cast<CURL*>(AcquireHandle());
  if (curl == nullptr) {
    response.error = "curl: cannot create a handle";
    return response;
  }
  // Reset keeps the live connection and the TLS session cache of the handle.
  curl_easy_reset(curl);

  Transfer transfer;
  transfer.body = &response.body;
  transfer.max_body = options_.max_body_bytes;
  char error_buffer[CURL_ERROR_SIZE];
  error_buffer[0] = '\0';

  curl_slist* headers = RequestHeaders(request);

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
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
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (share_ != nullptr && share_->handle != nullptr) {
    curl_easy_setopt(curl, CURLOPT_SHARE, share_->handle);
  }
  SetTls(curl, options_);
  SetMethod(curl, request);

  auto start = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(curl);
  response.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    response.retry_after_seconds = transfer.retry_after;
  } else {
    response.status = 0;
    response.body.Clear();
    if (transfer.too_large) {
      response.too_large = true;
      response.error = "response body larger than " +
                       std::to_string(options_.max_body_bytes) + " bytes";
    } else {
      // The error buffer describes the connection (host, TLS, timeout); it
      // never echoes request headers or the POST body.
      std::string detail = error_buffer[0] != '\0'
                               ? std::string(error_buffer)
                               : std::string(curl_easy_strerror(code));
      response.error = "curl error " + std::to_string(static_cast<int>(code)) +
                       ": " + http::Sanitize(detail, 300);
    }
  }
  // Do not leave pointers to this stack frame in the pooled handle.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  ReleaseHandle(curl);
  return response;
}

}  // namespace vb365
