// The TLS helpers of the command line: --print-certificate, and the pin
// check --config.check runs. Internal to vb365_app.
#pragma once

#include <string>

#include "config/config.h"

namespace vb365 {

// --print-certificate URL: prints the presented leaf certificate to stdout
// (DescribeCertificate); returns the exit code (0, or 1 with the reason on
// stderr when there was no handshake).
int PrintCertificate(const std::string& url);

// For each server with tls.server_certificate_sha256: one TLS handshake with
// its TLS settings, no HTTP request. A match is logged at info level (at
// warn when the certificate has expired). A mismatch is logged as an error with
// the fingerprint the server presented, and makes this return false; a
// server that cannot be reached is logged as a warning (the config itself
// is valid) and does not.
bool CheckCertificatePins(const Config& config);

}  // namespace vb365
