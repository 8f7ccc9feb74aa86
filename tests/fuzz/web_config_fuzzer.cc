// Fuzz target for LoadWebConfigString, the --web.config.file (TLS and basic
// auth of the exporter's own server). Any text gives a WebConfig or a
// kConfig Error whose message starts with the file name. A WebConfig that loads
// has both TLS files or neither, and only well-formed bcrypt hashes under user
// names without ':'.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "config/web_config.h"
#include "fuzz_check.h"

namespace {

// Files a web config may name (the seed corpus does):
// /tmp/vb365_config_fuzzer/cert.pem and key.pem.
void Prepare() {
  const std::string dir = "/tmp/vb365_config_fuzzer";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/cert.pem")
      << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  std::ofstream(dir + "/key.pem")
      << "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
}

// The bcrypt hashes the loader may accept.
const std::regex& BcryptHash() {
  static const std::regex kHash(
      R"(\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53})");
  return kHash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool prepared = (Prepare(), true);
  (void)prepared;
  const std::string yaml(vb365::fuzz::Text(data, size));
  const auto web = vb365::LoadWebConfigString(yaml, "web.yml");
  if (!web.ok()) {
    vb365::fuzz::CheckError(web, vb365::ErrorCode::kConfig);
    VB365_FUZZ_CHECK(web.error().message().rfind("web.yml:", 0) == 0);
    return 0;
  }
  VB365_FUZZ_CHECK(web->tls_cert_file.empty() == web->tls_key_file.empty());
  for (const auto& [user, hash] : web->basic_auth_users) {
    VB365_FUZZ_CHECK(!user.empty() && user.find(':') == std::string::npos);
    VB365_FUZZ_CHECK(std::regex_match(hash.Reveal(), BcryptHash()));
  }
  return 0;
}
