// The `tls:` block of a server: the certificate pin, server_name and
// min_version, and how they combine with ca_file and insecure_skip_verify.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <utility>

#include "config/config.h"

namespace vb365 {
namespace {

const std::string kPin =
    "3F:1A:00:B2:C4:D5:E6:F7:08:19:2A:3B:4C:5D:6E:7F:80:91:A2:B3:C4:D5:E6:F7:"
    "08:19:2A:3B:4C:5D:6E:FF";

// One server with `tls:` followed by the given lines (6-space indented).
std::string WithTls(const std::string& tls_lines,
                    const std::string& url = "https://10.0.0.5:4443") {
  return "servers:\n  - name: a\n    url: " + url +
         "\n    username: u\n    password: p\n    tls:\n" + tls_lines;
}

std::string ErrorOf(const std::string& yaml) {
  const auto r = LoadConfigString(yaml, "bad.yml");
  if (r.ok()) return "(loaded)";
  EXPECT_EQ(r.error().code(), ErrorCode::kConfig);
  return r.error().message();
}

TEST(ConfigTlsFingerprint, AcceptsHexWithOrWithoutColonsInEitherCase) {
  std::string bare;
  for (char c : kPin) {
    if (c != ':') bare.push_back(c);
  }
  std::string lower;
  for (char c : kPin) lower.push_back(static_cast<char>(std::tolower(c)));
  EXPECT_EQ(NormalizeSha256Fingerprint(kPin), kPin);
  EXPECT_EQ(NormalizeSha256Fingerprint(bare), kPin);
  EXPECT_EQ(NormalizeSha256Fingerprint(lower), kPin);
  // What `openssl x509 -noout -fingerprint -sha256` prints (3.x and 1.1).
  EXPECT_EQ(NormalizeSha256Fingerprint("sha256 Fingerprint=" + kPin), kPin);
  EXPECT_EQ(NormalizeSha256Fingerprint("SHA256 Fingerprint=" + lower), kPin);
}

TEST(ConfigTlsFingerprint, RefusesWrongLengthsSeparatorsAndDigits) {
  EXPECT_FALSE(NormalizeSha256Fingerprint(""));
  EXPECT_FALSE(NormalizeSha256Fingerprint(kPin.substr(3)));      // 31 bytes
  EXPECT_FALSE(NormalizeSha256Fingerprint(kPin + ":AB"));        // 33 bytes
  EXPECT_FALSE(NormalizeSha256Fingerprint(kPin.substr(0, 59)));  // SHA-1 size
  std::string g = kPin;
  g[0] = 'G';
  EXPECT_FALSE(NormalizeSha256Fingerprint(g));
  std::string dashes = kPin;
  for (char& c : dashes) {
    if (c == ':') c = '-';
  }
  EXPECT_FALSE(NormalizeSha256Fingerprint(dashes));
  std::string misplaced = kPin;
  std::swap(misplaced[2], misplaced[3]);  // "3FA:1..."
  EXPECT_FALSE(NormalizeSha256Fingerprint(misplaced));
}

TEST(ConfigTls, DefaultsAreNoPinTheUrlHostAndTls12) {
  const auto r = LoadConfigString(
      "servers:\n  - name: a\n    url: https://h\n    username: u\n"
      "    password: p\n",
      "ok.yml");
  ASSERT_TRUE(r.ok()) << r.error();
  const TlsConfig& tls = r->servers[0].tls;
  EXPECT_EQ(tls.server_certificate_sha256, "");
  EXPECT_EQ(tls.server_name, "");
  EXPECT_EQ(tls.min_version, TlsVersion::kTls12);
}

TEST(ConfigTls, LoadsAPinAServerNameAndMinVersion) {
  std::string lower;
  for (char c : kPin) lower.push_back(static_cast<char>(std::tolower(c)));
  const auto r =
      LoadConfigString(WithTls("      server_certificate_sha256: " + lower +
                               "\n      server_name: VB365.Corp.Example\n"
                               "      min_version: \"1.3\"\n"),
                       "ok.yml");
  ASSERT_TRUE(r.ok()) << r.error();
  const TlsConfig& tls = r->servers[0].tls;
  EXPECT_EQ(tls.server_certificate_sha256, kPin);
  EXPECT_EQ(tls.server_name, "vb365.corp.example");
  EXPECT_EQ(tls.min_version, TlsVersion::kTls13);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(ConfigTls, MinVersionTakesTheNumberUnquotedAndPrometheusSpelling) {
  for (const char* text : {"1.2", "TLS12"}) {
    const auto r = LoadConfigString(
        WithTls(std::string("      min_version: ") + text + "\n"), "ok.yml");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->servers[0].tls.min_version, TlsVersion::kTls12) << text;
  }
  const auto r =
      LoadConfigString(WithTls("      min_version: TLS13\n"), "ok.yml");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->servers[0].tls.min_version, TlsVersion::kTls13);
}

TEST(ConfigTls, ABadPinNamesTheKeyAndTheExpectedForm) {
  EXPECT_EQ(ErrorOf(WithTls("      server_certificate_sha256: AB:CD\n")),
            "bad.yml:7: servers[0].tls.server_certificate_sha256: must be a "
            "SHA-256 fingerprint: 64 hex digits, with or without a colon "
            "between every two (as openssl x509 -noout -fingerprint -sha256 "
            "prints it)");
}

TEST(ConfigTls, APinWithInsecureSkipVerifyIsRefused) {
  EXPECT_EQ(ErrorOf(WithTls("      server_certificate_sha256: " + kPin +
                            "\n      insecure_skip_verify: true\n")),
            "bad.yml:8: servers[0].tls.insecure_skip_verify: must not be true "
            "with server_certificate_sha256: the pin already replaces the "
            "chain check, and skipping verification would skip the pin too");
}

TEST(ConfigTls, PinAndServerNameNeedAnHttpsUrl) {
  EXPECT_EQ(ErrorOf(WithTls("      server_certificate_sha256: " + kPin + "\n",
                            "http://10.0.0.5:4443")),
            "bad.yml:7: servers[0].tls.server_certificate_sha256: only for "
            "https:// URLs");
  EXPECT_EQ(ErrorOf(WithTls("      server_name: vb365.local\n",
                            "http://10.0.0.5:4443")),
            "bad.yml:7: servers[0].tls.server_name: only for https:// URLs");
}

TEST(ConfigTls, ABadServerNameOrVersionIsRefused) {
  EXPECT_EQ(ErrorOf(WithTls("      server_name: vb365.local:4443\n")),
            "bad.yml:7: servers[0].tls.server_name: must be a DNS name "
            "(letters, digits, '-' and '.'), without a port, got "
            "\"vb365.local:4443\"");
  EXPECT_EQ(ErrorOf(WithTls("      server_name: a..b\n")).substr(0, 40),
            "bad.yml:7: servers[0].tls.server_name: m");
  EXPECT_EQ(ErrorOf(WithTls("      server_name: \"\"\n")).substr(0, 40),
            "bad.yml:7: servers[0].tls.server_name: m");
  EXPECT_EQ(ErrorOf(WithTls("      min_version: \"1.1\"\n")),
            "bad.yml:7: servers[0].tls.min_version: invalid TLS version "
            "\"1.1\" (want 1.2 or 1.3; TLS12 and TLS13 also work)");
  EXPECT_EQ(ErrorOf(WithTls("      pin: x\n")),
            "bad.yml:7: servers[0].tls.pin: unknown key");
}

}  // namespace
}  // namespace vb365
