#include "tls_commands.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "api/tls_probe.h"
#include "common/log.h"

namespace vb365 {
namespace {

constexpr std::chrono::milliseconds kProbeTimeout{10'000};

}  // namespace

int PrintCertificate(const std::string& url) {
  Result<PeerCertificate> cert =
      ProbeCertificate(url, TlsConfig{}, /*verify=*/false, kProbeTimeout);
  if (!cert.ok()) {
    std::cerr << "vb365_exporter: --print-certificate: "
              << cert.error().message() << "\n";
    return 1;
  }
  std::cout << DescribeCertificate(*cert);
  return 0;
}

bool CheckCertificatePins(const Config& config) {
  bool all_match = true;
  for (const ServerConfig& server : config.servers) {
    if (server.tls.server_certificate_sha256.empty()) continue;
    Result<PeerCertificate> cert =
        ProbeCertificate(server.url, server.tls, /*verify=*/true,
                         std::min(server.timeout, kProbeTimeout));
    if (cert.ok() && cert->expired) {
      // Accepted without a ca_file (docs/configuration.md), but worth
      // knowing before the server's certificate is renewed.
      Log(LogLevel::kWarn,
          "certificate pin matches, but the certificate has expired",
          {{"server", server.name}, {"not_after", cert->not_after}});
    } else if (cert.ok()) {
      Log(LogLevel::kInfo, "certificate pin matches",
          {{"server", server.name}, {"not_after", cert->not_after}});
    } else if (cert.error().code() == ErrorCode::kCertificatePinMismatch) {
      all_match = false;
      Log(LogLevel::kError, "certificate pin mismatch",
          {{"server", server.name}, {"error", cert.error().message()}});
    } else {
      Log(LogLevel::kWarn, "cannot check the certificate pin",
          {{"server", server.name}, {"error", cert.error().message()}});
    }
  }
  return all_match;
}

}  // namespace vb365
