// One TLS handshake with a server and nothing more: what certificate it
// presents. For --print-certificate and for --config.check's pin check; the
// exporter's requests go through CurlTransport.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"
#include "config/config.h"

namespace vb365 {

// The leaf certificate a server presented.
struct PeerCertificate {
  std::string subject;     // RFC 2253, e.g. "CN=localhost"
  std::string issuer;      // same form
  std::string not_before;  // "2026-12-02T05:57:44Z"
  std::string not_after;
  bool expired = false;        // not_after is in the past
  bool not_yet_valid = false;  // not_before is in the future
  std::string sha256;          // "AA:BB:..." (what a pin is compared with)
};

// Connects to `url` (https://host[:port]), completes the TLS handshake and
// closes: no HTTP request, so no credentials, is sent. verify false: any
// certificate is accepted (the one-shot --print-certificate). verify true:
// the handshake checks what `tls` says, as CurlTransport does; a pin that
// does not match fails with kCertificatePinMismatch and the presented
// fingerprint in the message, anything else with kTransport.
Result<PeerCertificate> ProbeCertificate(const std::string& url,
                                         const TlsConfig& tls, bool verify,
                                         std::chrono::milliseconds timeout);

// The lines --print-certificate prints: subject, issuer, validity (with
// "EXPIRED" or "NOT YET VALID" when so) and the SHA-256 fingerprint, as
// "sha256 Fingerprint=AA:BB:..." like `openssl x509 -fingerprint -sha256`,
// ready to paste as tls.server_certificate_sha256.
std::string DescribeCertificate(const PeerCertificate& cert);

}  // namespace vb365
