#include "api/tls_probe.h"

#include <curl/curl.h>

#include <memory>

#include "api/http_util.h"
#include "curl_tls.h"

namespace vb365 {

Result<PeerCertificate> ProbeCertificate(const std::string& url,
                                         const TlsConfig& tls, bool verify,
                                         std::chrono::milliseconds timeout) {
  if (url.compare(0, 8, "https://") != 0) {
    return Error(ErrorCode::kConfig, "the URL must start with https://");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);  // reference counted; idempotent
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(
      curl_easy_init(), &curl_easy_cleanup);
  if (handle == nullptr) {
    return Error(ErrorCode::kInternal, "curl: cannot create a handle");
  }
  CURL* curl = handle.get();
  PeerCertificate cert;
  curl_tls::LeafCheck check;
  check.accept_any = !verify;
  check.record = &cert;
  if (CURLcode c = curl_tls::Apply(curl, tls, &check); c != CURLE_OK) {
    return Error(ErrorCode::kInternal,
                 std::string("curl: ") + curl_easy_strerror(c));
  }
  const curl_tls::ServerNameRoute route(url, tls.server_name);
  const std::string target = route.Apply(curl, url);
  char error_buffer[CURL_ERROR_SIZE];
  error_buffer[0] = '\0';
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  // The handshake only: libcurl stops once the TLS connection is up.
  curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(timeout.count()));
  const CURLcode code = curl_easy_perform(curl);
  if (check.mismatch) {
    return Error(ErrorCode::kCertificatePinMismatch,
                 curl_tls::PinMismatchMessage(check));
  }
  if (code != CURLE_OK) {
    const std::string detail = error_buffer[0] != '\0'
                                   ? std::string(error_buffer)
                                   : std::string(curl_easy_strerror(code));
    return Error(ErrorCode::kTransport,
                 "curl error " + std::to_string(static_cast<int>(code)) + ": " +
                     http::Sanitize(detail, 300));
  }
  if (!check.saw_leaf) {
    // A resumed session never shows the certificate; a fresh handle has
    // none to resume, so this is not expected.
    return Error(ErrorCode::kInternal, "the server presented no certificate");
  }
  return cert;
}

std::string DescribeCertificate(const PeerCertificate& cert) {
  std::string validity = cert.not_before + " to " + cert.not_after;
  if (cert.expired) validity += " (EXPIRED)";
  if (cert.not_yet_valid) validity += " (NOT YET VALID)";
  return "subject: " + cert.subject + "\nissuer: " + cert.issuer +
         "\nvalidity: " + validity + "\nsha256 Fingerprint=" + cert.sha256 +
         "\n";
}

}  // namespace vb365
