// Fuzz target for LoadConfigString, the exporter's YAML config. Any text
// gives a Config or a kConfig Error whose message starts with the file name;
// neither a message nor a warning holds the password (from an environment
// variable or a password file the target provides) unless the input itself
// does. A Config that loads is valid: at least one server, unique names,
// normalized URLs, a password, limits in range.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "config/config.h"
#include "fuzz_check.h"

namespace {

// Files a config may name (the seed corpus does): /tmp/vb365_config_fuzzer/
// password and ca.pem. ${VB365_FUZZ_PASSWORD} is set too.
constexpr char kDir[] = "/tmp/vb365_config_fuzzer";
// Each starts with a letter no escape sequence writes (\xff, \u00e9, \n, ...
// give hex digits and b f n r t u x): a message that quotes the input
// escaped may then hold the secret only if the input does, or if the loader
// read the file or the variable.
constexpr char kFilePassword[] = "Qfile-Secret-7f3a9c";
constexpr char kEnvPassword[] = "Zenv-Secret-2b8e4d";

void Prepare() {
  std::filesystem::create_directories(kDir);
  std::ofstream(std::string(kDir) + "/password") << kFilePassword << "\n";
  std::ofstream(std::string(kDir) + "/ca.pem")
      << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  setenv("VB365_FUZZ_PASSWORD", kEnvPassword, 1);
}

void CheckNoSecret(std::string_view input, const std::string& text) {
  for (const std::string_view secret : {kFilePassword, kEnvPassword}) {
    if (input.find(secret) == std::string_view::npos) {
      VB365_FUZZ_CHECK(text.find(secret) == std::string::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool prepared = (Prepare(), true);
  (void)prepared;
  const std::string yaml(vb365::fuzz::Text(data, size));
  const auto config = vb365::LoadConfigString(yaml, "fuzz.yml");
  if (!config.ok()) {
    vb365::fuzz::CheckError(config, vb365::ErrorCode::kConfig);
    VB365_FUZZ_CHECK(config.error().message().rfind("fuzz.yml:", 0) == 0);
    CheckNoSecret(yaml, config.error().message());
    return 0;
  }
  for (const std::string& warning : config->warnings) {
    CheckNoSecret(yaml, warning);
  }
  VB365_FUZZ_CHECK(config->refresh_interval.count() > 0);
  VB365_FUZZ_CHECK(!config->servers.empty());
  std::set<std::string> names;
  for (const vb365::ServerConfig& server : config->servers) {
    VB365_FUZZ_CHECK(!server.name.empty() && names.insert(server.name).second);
    VB365_FUZZ_CHECK(server.url.rfind("http://", 0) == 0 ||
                     server.url.rfind("https://", 0) == 0);
    VB365_FUZZ_CHECK(server.url.back() != '/');
    VB365_FUZZ_CHECK(!server.username.empty() && !server.password.empty());
    VB365_FUZZ_CHECK(server.timeout.count() > 0);
    VB365_FUZZ_CHECK(server.max_concurrent_requests >= 1 &&
                     server.max_concurrent_requests <= 64);
    VB365_FUZZ_CHECK(server.session_history.count() >= 1);
    VB365_FUZZ_CHECK(server.refresh_interval.count() >= 0);
  }
  return 0;
}
