// A server's `tls:` block: ca_file, insecure_skip_verify, the certificate
// pin, server_name and min_version, with the checks of how they combine.
#include "tls_config.h"

#include <cctype>
#include <optional>
#include <string>
#include <string_view>

namespace vb365 {

std::optional<std::string> NormalizeSha256Fingerprint(const std::string& text) {
  std::string_view rest = text;
  constexpr std::string_view kPrefix = "sha256 fingerprint=";
  if (rest.size() > kPrefix.size()) {
    bool prefixed = true;
    for (size_t i = 0; i < kPrefix.size(); ++i) {
      prefixed =
          prefixed &&
          std::tolower(static_cast<unsigned char>(rest[i])) == kPrefix[i];
    }
    if (prefixed) rest.remove_prefix(kPrefix.size());
  }
  // Either 64 hex digits, or 32 pairs separated by single colons.
  const bool colons = rest.size() == 32 * 3 - 1;
  if (!colons && rest.size() != 64) return std::nullopt;
  std::string out;
  size_t digits = 0;
  for (size_t i = 0; i < rest.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(rest[i]);
    if (colons && i % 3 == 2) {
      if (c != ':') return std::nullopt;
      continue;
    }
    if (!std::isxdigit(c)) return std::nullopt;
    if (digits > 0 && digits % 2 == 0) out.push_back(':');
    out.push_back(static_cast<char>(std::toupper(c)));
    ++digits;
  }
  return out;
}

namespace config_internal {
namespace {

bool ValidServerName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

std::string ToLowerAscii(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void DecodePin(const Field& f, TlsConfig* tls) {
  const auto pin = NormalizeSha256Fingerprint(AsString(f));
  if (!pin) {
    Fail(f,
         "must be a SHA-256 fingerprint: 64 hex digits, with or without a "
         "colon between every two (as openssl x509 -noout -fingerprint "
         "-sha256 prints it)");
  }
  tls->server_certificate_sha256 = *pin;
}

void DecodeMinVersion(const Field& f, TlsConfig* tls) {
  const std::string text = AsString(f);
  if (text == "1.2" || text == "TLS12") {
    tls->min_version = TlsVersion::kTls12;
  } else if (text == "1.3" || text == "TLS13") {
    tls->min_version = TlsVersion::kTls13;
  } else {
    Fail(f, "invalid TLS version " + Quote(text) +
                " (want 1.2 or 1.3; TLS12 and TLS13 also work)");
  }
}

}  // namespace

void DecodeTls(const MapReader& map, const std::string& base_dir,
               const std::string& file, ServerConfig* server,
               std::vector<std::string>* warnings) {
  const auto tls_field = map.Get("tls");
  if (!tls_field) return;
  MapReader tls(*tls_field,
                {"ca_file", "insecure_skip_verify", "server_certificate_sha256",
                 "server_name", "min_version"});
  TlsConfig& out = server->tls;
  const bool https = server->url.compare(0, 8, "https://") == 0;
  for (const char* key : {"server_certificate_sha256", "server_name"}) {
    if (const auto f = tls.Get(key); f && !https) {
      Fail(*f, "only for https:// URLs");
    }
  }
  if (const auto f = tls.Get("ca_file")) {
    out.ca_file =
        ReadPemFile(*f, base_dir, "-----BEGIN CERTIFICATE-----", "certificate");
  }
  if (const auto f = tls.Get("server_certificate_sha256")) DecodePin(*f, &out);
  if (const auto f = tls.Get("server_name")) {
    const std::string name = AsString(*f);
    if (!ValidServerName(name)) {
      Fail(*f,
           "must be a DNS name (letters, digits, '-' and '.'), without "
           "a port, got " +
               Quote(name));
    }
    out.server_name = ToLowerAscii(name);
  }
  if (const auto f = tls.Get("min_version")) DecodeMinVersion(*f, &out);
  if (const auto f = tls.Get("insecure_skip_verify")) {
    out.insecure_skip_verify = AsBool(*f);
    if (out.insecure_skip_verify && !out.server_certificate_sha256.empty()) {
      Fail(*f,
           "must not be true with server_certificate_sha256: the pin already "
           "replaces the chain check, and skipping verification would skip "
           "the pin too");
    }
    if (out.insecure_skip_verify) {
      warnings->push_back(FormatMessage(
          file, f->line, f->path, "TLS certificate verification is disabled"));
    }
  }
}

}  // namespace config_internal
}  // namespace vb365
