// The --web.config.file: TLS and basic auth for the exporter's own HTTP
// server, in the Prometheus exporter-toolkit format (a supported subset:
// tls_server_config.cert_file/key_file and basic_auth_users).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace vb365 {

struct WebConfig {
  // Both set (paths resolved against the web config's directory) or both
  // empty (plain HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
  // User name -> bcrypt hash ($2a$, $2b$ or $2y$). Empty: no auth.
  std::map<std::string, Secret> basic_auth_users;
  // "FILE:LINE: key.path: reason" lines for main to log (basic auth over
  // plain HTTP).
  std::vector<std::string> warnings;

  bool tls_enabled() const { return !tls_cert_file.empty(); }
  bool auth_enabled() const { return !basic_auth_users.empty(); }
};

// Loads and validates a web config, strictly like LoadConfigFile: errors are
// "FILE:LINE: key.path: reason" and never contain a hash or a key.
Result<WebConfig> LoadWebConfigFile(const std::string& path);
// Same from text; relative paths resolve against the working directory.
Result<WebConfig> LoadWebConfigString(const std::string& yaml,
                                      const std::string& name);

// True when `password` matches the bcrypt `hash` (crypt(3) from libxcrypt).
// The computed hash is compared in constant time. Slow by design (the cost
// factor): cache the outcome rather than calling it per request.
bool VerifyBcryptPassword(std::string_view password, const std::string& hash);

// Checks basic-auth credentials against a WebConfig's users. Remembers
// credentials that verified (as a SHA-256 digest, never the password) so a
// scrape every few seconds does not pay for bcrypt each time; an unknown
// user costs one bcrypt too, so timing does not reveal which users exist.
// Thread-safe.
class BasicAuthenticator {
 public:
  explicit BasicAuthenticator(std::map<std::string, Secret> users);

  bool Check(std::string_view user, std::string_view password);
  // Parses an "Authorization: Basic base64(user:password)" value and checks
  // it. False when absent or malformed.
  bool CheckHeader(std::string_view authorization);

 private:
  std::map<std::string, Secret> users_;
  std::mutex mu_;
  std::set<std::string> verified_;  // digests of user, hash and password
};

// Splits an "Authorization: Basic base64(user:password)" value (scheme
// case-insensitive, RFC 7617). False when absent or malformed.
bool ParseBasicAuthHeader(std::string_view authorization, std::string* user,
                          std::string* password);

// Standard base64 (RFC 4648, with padding) decode; false when malformed.
bool DecodeBase64(std::string_view in, std::string* out);

}  // namespace vb365
