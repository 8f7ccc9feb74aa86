#include "config/web_config.h"

#include <crypt.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <regex>

#include "yaml_decode.h"

namespace vb365 {

using config_internal::AsString;
using config_internal::Fail;
using config_internal::Field;
using config_internal::MapReader;
using config_internal::Quote;
using config_internal::ReadPemFile;

namespace {

// A valid bcrypt hash of a random password: verifying against it gives an
// unknown user the same cost as a known one.
constexpr const char* kDummyHash =
    "$2b$10$TaQQkRV4GJB5q5BwM0yB3eUuJdg/yUzKZQwsue6I80J.Yu6cGiLC.";

bool LooksLikeBcrypt(const std::string& hash) {
  static const std::regex kBcrypt(
      R"(\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53})");
  return std::regex_match(hash, kBcrypt);
}

WebConfig Decode(const std::string& yaml, const std::string& file,
                 const std::string& base_dir) {
  const Field root = config_internal::ParseDocument(yaml);
  MapReader map(
      root, {"tls_server_config", "http_server_config", "basic_auth_users"});
  WebConfig config;
  if (const auto f = map.Get("http_server_config")) {
    Fail(*f, "not supported by vb365_exporter");
  }
  if (const auto tls_field = map.Get("tls_server_config")) {
    MapReader tls(*tls_field,
                  {"cert_file", "key_file", "cert", "key", "client_auth_type",
                   "client_ca_file", "client_allowed_sans", "cipher_suites",
                   "curve_preferences", "min_version", "max_version",
                   "prefer_server_cipher_suites"});
    for (const auto& [key, value] : tls.entries()) {
      if (key != "cert_file" && key != "key_file" && !value.node.IsNull()) {
        Fail(value, "not supported by vb365_exporter");
      }
    }
    const auto cert = tls.Get("cert_file");
    const auto key = tls.Get("key_file");
    if (!cert) {
      Fail(tls_field->line, tls_field->path + ".cert_file",
           "missing required value");
    }
    if (!key) {
      Fail(tls_field->line, tls_field->path + ".key_file",
           "missing required value");
    }
    config.tls_cert_file = ReadPemFile(
        *cert, base_dir, "-----BEGIN CERTIFICATE-----", "certificate");
    config.tls_key_file =
        ReadPemFile(*key, base_dir, "PRIVATE KEY-----", "private key");
  }
  if (const auto users_field = map.Get("basic_auth_users")) {
    MapReader users(*users_field);
    for (const auto& [user, value] : users.entries()) {
      if (user.empty()) Fail(value, "user name must not be empty");
      if (user.find(':') != std::string::npos) {
        Fail(value, "user name must not contain ':'");
      }
      if (value.node.IsNull()) Fail(value, "missing bcrypt hash");
      const std::string hash = AsString(value);
      // The hash is not echoed: it is as good as a password to a cracker.
      if (!LooksLikeBcrypt(hash)) {
        Fail(value, "not a bcrypt hash ($2a$, $2b$ or $2y$)");
      }
      config.basic_auth_users.emplace(user, Secret(hash));
    }
    if (!config.basic_auth_users.empty() && !config.tls_enabled()) {
      config.warnings.push_back(config_internal::FormatMessage(
          file, users_field->line, users_field->path,
          "basic auth without tls_server_config sends passwords unencrypted"));
    }
  }
  return config;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string Digest(std::string_view user, const std::string& hash,
                   std::string_view password) {
  // Lengths first, so ("ab","c") and ("a","bc") differ.
  std::string input = std::to_string(user.size()) + ":" + std::string(user) +
                      std::to_string(hash.size()) + ":" + hash +
                      std::string(password);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         md);
  std::fill(input.begin(), input.end(), '\0');
  return std::string(reinterpret_cast<char*>(md), sizeof(md));
}

}  // namespace

Result<WebConfig> LoadWebConfigString(const std::string& yaml,
                                      const std::string& name) {
  return config_internal::DecodeOrError<WebConfig>(yaml, name, "", Decode);
}

Result<WebConfig> LoadWebConfigFile(const std::string& path) {
  return config_internal::DecodeFile<WebConfig>(path, Decode);
}

bool VerifyBcryptPassword(std::string_view password, const std::string& hash) {
  // crypt() needs a NUL-terminated phrase; a NUL inside would truncate it.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  // Failure is NULL or a string starting with '*'.
  if (out == nullptr || out[0] == '*') return false;
  const bool ok = ConstantTimeEquals(out, hash);
  std::memset(data.get(), 0, sizeof(crypt_data));
  return ok;
}

BasicAuthenticator::BasicAuthenticator(std::map<std::string, Secret> users)
    : users_(std::move(users)) {}

bool BasicAuthenticator::Check(std::string_view user,
                               std::string_view password) {
  const auto it = users_.find(std::string(user));
  if (it == users_.end()) {
    VerifyBcryptPassword(password, kDummyHash);
    return false;
  }
  const std::string& hash = it->second.Reveal();
  const std::string digest = Digest(user, hash, password);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (verified_.count(digest) != 0) return true;
  }
  if (!VerifyBcryptPassword(password, hash)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  // Bounded: only correct credentials are remembered, at most a few per user.
  if (verified_.size() < 1024) verified_.insert(digest);
  return true;
}

bool ParseBasicAuthHeader(std::string_view authorization, std::string* user,
                          std::string* password) {
  constexpr std::string_view kPrefix = "Basic ";
  if (authorization.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    // The scheme name is case-insensitive (RFC 7617).
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i]))) {
      return false;
    }
  }
  std::string_view encoded = authorization.substr(kPrefix.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  std::string decoded;
  if (!DecodeBase64(encoded, &decoded)) return false;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user->assign(decoded, 0, colon);
  password->assign(decoded, colon + 1);
  std::fill(decoded.begin(), decoded.end(), '\0');
  return true;
}

bool BasicAuthenticator::CheckHeader(std::string_view authorization) {
  std::string user, password;
  if (!ParseBasicAuthHeader(authorization, &user, &password)) return false;
  const bool ok = Check(user, password);
  std::fill(password.begin(), password.end(), '\0');
  return ok;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  if (in.size() % 4 != 0) return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad > 0) return false;  // data after padding
        v[k] = value(c);
        if (v[k] < 0) return false;
      }
    }
    const unsigned int n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

}  // namespace vb365
