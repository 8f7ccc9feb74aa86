// The TLS settings of one libcurl transfer: verification, the leaf
// certificate pin (an OpenSSL certificate-verify callback installed through
// CURLOPT_SSL_CTX_FUNCTION), the minimum version and server_name (the URL's
// host replaced and the connection sent to the original host with
// CURLOPT_CONNECT_TO). Internal to vb365_api.
#pragma once

#include <curl/curl.h>

#include <string>

#include "api/tls_probe.h"
#include "config/config.h"

namespace vb365::curl_tls {

// What the handshake of one transfer checks and what it saw. Lives for the
// transfer: libcurl calls the verify callback only inside curl_easy_perform,
// during the handshake of a new connection (renegotiation is refused, and
// connections reused later are not verified again). libcurl reuses
// connections and TLS sessions without knowing what the callback checks;
// that is safe because one CurlTransport (its handles and its share) only
// ever serves one server with one TlsConfig.
struct LeafCheck {
  std::string pin;           // "AA:BB:..."; empty: no pin
  bool verify_chain = true;  // also OpenSSL's chain verification (ca_file)
  bool accept_any = false;   // --print-certificate: record, accept anything
  PeerCertificate* record = nullptr;  // filled from the leaf when set
  // Set by the handshake.
  bool saw_leaf = false;
  bool mismatch = false;
  std::string presented;  // the leaf's SHA-256, "AA:BB:..."
};

// Applies `tls` to `curl` (after curl_easy_reset). `check` gets the pin and
// mode; the callback is installed only when there is a pin or a record to
// fill. Returns the first libcurl error (CURLE_NOT_BUILT_IN, ... when the
// libcurl TLS backend is not OpenSSL and a pin is set).
CURLcode Apply(CURL* curl, const TlsConfig& tls, LeafCheck* check);

// "certificate pin mismatch: server presented SHA256 AA:BB:..."
std::string PinMismatchMessage(const LeafCheck& check);

// How requests reach a server whose tls.server_name is set: the URL's origin
// is replaced by https://server_name:port and libcurl connects to the
// original host (CURLOPT_CONNECT_TO), so SNI, the verified name and the Host
// header are server_name. Empty (no rewrite) without server_name.
class ServerNameRoute {
 public:
  ServerNameRoute() = default;
  // origin: "https://host[:port]" (as the config normalizes it).
  ServerNameRoute(const std::string& origin, const std::string& server_name);
  ~ServerNameRoute();
  ServerNameRoute(const ServerNameRoute&) = delete;
  ServerNameRoute& operator=(const ServerNameRoute&) = delete;
  ServerNameRoute(ServerNameRoute&& other) noexcept;
  ServerNameRoute& operator=(ServerNameRoute&& other) noexcept;

  // `url` rewritten when it starts with the origin, and CURLOPT_CONNECT_TO
  // set on `curl`; any other URL is returned as it is.
  std::string Apply(CURL* curl, const std::string& url) const;

 private:
  std::string origin_;       // what requests start with
  std::string replacement_;  // https://server_name:port
  curl_slist* connect_to_ = nullptr;
};

}  // namespace vb365::curl_tls
