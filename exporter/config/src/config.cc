// Config loading: defaults (config.h), then strict decoding, then validation.
#include "config/config.h"

#include <cstdlib>
#include <limits>
#include <set>

#include "collectors_decode.h"
#include "common/utf8.h"
#include "tls_config.h"
#include "yaml_decode.h"

namespace vb365 {

using config_internal::AsDuration;
using config_internal::AsDurationOrZero;
using config_internal::AsInt;
using config_internal::AsSequence;
using config_internal::AsString;
using config_internal::Fail;
using config_internal::Field;
using config_internal::MapReader;
using config_internal::Quote;

namespace {

constexpr size_t kMaxNameLength = 64;
constexpr int kMinConcurrency = 1;
constexpr int kMaxConcurrency = 64;
constexpr int kMaxGlobalConcurrency = 1024;

// Counts code points; false on a control character (C0, DEL, C1) or
// malformed UTF-8 (common/utf8.h: strict RFC 3629).
bool PrintableUtf8(const std::string& s, size_t* code_points) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return false;
    i += n;
  }
  *code_points = count;
  return true;
}

std::string ToLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Checks and normalizes a server URL to scheme://host[:port]. The URL is
// never echoed: a pasted URL may carry credentials.
std::string NormalizeUrl(const Field& field, bool* plain_http) {
  const std::string url = AsString(field);
  const size_t sep = url.find("://");
  const std::string scheme =
      sep == std::string::npos ? "" : ToLower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    Fail(field, "must start with http:// or https://");
  }
  *plain_http = scheme == "http";
  std::string rest = url.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, end);
  const std::string tail = end == std::string::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string::npos) {
    Fail(field, "must not contain credentials; use username and password");
  }
  if (tail.find_first_of("?#") != std::string::npos) {
    Fail(field, "must not have a query or fragment");
  }
  if (!tail.empty() && tail != "/") {
    Fail(field,
         "must not have a path; the API version is set with api_version");
  }
  for (char c : authority) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '\\') {
      Fail(field, "host contains an invalid character");
    }
  }
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) Fail(field, "unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') Fail(field, "invalid host");
      port = after.substr(1);
      if (port.empty()) Fail(field, "empty port");
    }
    if (host.size() <= 2) Fail(field, "has no host");
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) Fail(field, "empty port");
    }
    if (host.empty()) Fail(field, "has no host");
  }
  if (!port.empty()) {
    long value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) Fail(field, "invalid port");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) Fail(field, "invalid port");
  }
  return scheme + "://" + authority;
}

// Expands ${NAME} from the environment; "$${" writes a literal "${" and any
// other '$' is kept. Messages name the variable, never the value.
std::string ExpandEnv(const Field& field, const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out.push_back(text[i]);
      continue;
    }
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.push_back('$');
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      Fail(field, "unterminated ${ in environment reference");
    }
    const std::string name = text.substr(i + 2, close - i - 2);
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      valid = valid && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_');
    }
    // Not echoed: text between ${ and } could be a literal password.
    if (!valid) Fail(field, "invalid environment variable name in ${...}");
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      Fail(field, "environment variable " + name + " is not set");
    }
    out += value;
    i = close;
  }
  return out;
}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<JobNameRegex> DecodeRegexList(const std::optional<Field>& field) {
  std::vector<JobNameRegex> out;
  if (!field) return out;
  for (const Field& item : AsSequence(*field)) {
    if (item.node.IsNull()) Fail(item, "empty regex");
    const std::string pattern = AsString(item);
    Result<JobNameRegex> re = JobNameRegex::Compile(pattern);
    if (!re.ok()) {
      Fail(item,
           "invalid regex: " + re.error().message() + " in " + Quote(pattern));
    }
    out.push_back(std::move(*re));
  }
  return out;
}

std::string RequiredString(const MapReader& map, std::string_view key) {
  const auto field = map.Get(key);
  if (!field) {
    Fail(map.field().line, config_internal::JoinPath(map.field().path, key),
         "missing required value");
  }
  const std::string value = AsString(*field);
  if (value.empty()) Fail(*field, "must not be empty");
  return value;
}

void DecodeName(const MapReader& map, ServerConfig* server) {
  server->name = RequiredString(map, "name");
  size_t length = 0;
  if (!PrintableUtf8(server->name, &length)) {
    Fail(*map.Get("name"), "must be printable text");
  }
  if (length > kMaxNameLength) {
    Fail(*map.Get("name"),
         "longer than " + std::to_string(kMaxNameLength) + " characters");
  }
}

void DecodeUrl(const MapReader& map, const std::string& file,
               ServerConfig* server, std::vector<std::string>* warnings) {
  RequiredString(map, "url");
  bool plain_http = false;
  server->url = NormalizeUrl(*map.Get("url"), &plain_http);
  if (plain_http) {
    const Field url = *map.Get("url");
    warnings->push_back(config_internal::FormatMessage(
        file, url.line, url.path,
        "plain http:// sends the password and data unencrypted"));
  }
}

void DecodeApiVersion(const MapReader& map, ServerConfig* server) {
  if (const auto f = map.Get("api_version")) {
    const std::string text = AsString(*f);
    const auto v = ParseApiVersion(text);
    if (!v) {
      Fail(*f, "invalid API version " + Quote(text) +
                   " (want auto, v3, v4, v5, v6, v7 or v8)");
    }
    server->api_version = *v;
  }
}

// password (with ${ENV} expansion) or password_file, exactly one.
void DecodePassword(const Field& field, const MapReader& map,
                    const std::string& base_dir, ServerConfig* server) {
  const auto password = map.Get("password");
  const auto password_file = map.Get("password_file");
  if (password && password_file) {
    Fail(field, "only one of password and password_file may be given");
  }
  if (!password && !password_file) {
    Fail(field, "one of password and password_file is required");
  }
  if (password) {
    const std::string value = ExpandEnv(*password, AsString(*password));
    if (value.empty()) Fail(*password, "must not be empty");
    server->password = Secret(value);
    return;
  }
  const std::string path =
      config_internal::ResolvePath(base_dir, AsString(*password_file));
  if (path.empty()) Fail(*password_file, "must not be empty");
  std::string contents, error;
  if (!config_internal::ReadFile(path, &contents, &error)) {
    Fail(*password_file, error);
  }
  contents = TrimTrailingNewlines(std::move(contents));
  if (contents.empty()) {
    Fail(*password_file, "file " + Quote(path) + " is empty");
  }
  server->password = Secret(std::move(contents));
  server->password_file = path;
}

// timeout, max_concurrent_requests, session_history.
void DecodeLimits(const MapReader& map, ServerConfig* server) {
  if (const auto f = map.Get("timeout")) server->timeout = AsDuration(*f);

  if (const auto f = map.Get("max_concurrent_requests")) {
    const std::int64_t n = AsInt(*f);
    if (n < kMinConcurrency || n > kMaxConcurrency) {
      Fail(*f, "must be between " + std::to_string(kMinConcurrency) + " and " +
                   std::to_string(kMaxConcurrency) + ", got " +
                   std::to_string(n));
    }
    server->max_concurrent_requests = static_cast<int>(n);
  }

  if (const auto f = map.Get("session_history")) {
    const auto d = AsDuration(*f);
    if (d < std::chrono::seconds(1)) Fail(*f, "must be at least 1s");
    server->session_history =
        std::chrono::duration_cast<std::chrono::seconds>(d);
  }
}

ServerConfig DecodeServer(const Field& field, const std::string& base_dir,
                          const std::string& file,
                          std::vector<std::string>* warnings) {
  if (field.node.IsNull()) Fail(field, "expected a mapping, got nothing");
  MapReader map(
      field,
      {"name", "url", "api_version", "username", "password", "password_file",
       "tls", "timeout", "max_concurrent_requests", "session_history", "jobs",
       "refresh_interval", "collectors", "licensed_users_interval"});
  ServerConfig server;
  // Each step stops at its first wrong value; when several are wrong, the
  // order of the steps decides which one is reported.
  DecodeName(map, &server);
  DecodeUrl(map, file, &server, warnings);
  DecodeApiVersion(map, &server);
  server.username = RequiredString(map, "username");
  DecodePassword(field, map, base_dir, &server);
  config_internal::DecodeTls(map, base_dir, file, &server, warnings);
  DecodeLimits(map, &server);
  if (const auto jobs_field = map.Get("jobs")) {
    MapReader jobs(*jobs_field, {"include", "exclude"});
    server.jobs.include = DecodeRegexList(jobs.Get("include"));
    server.jobs.exclude = DecodeRegexList(jobs.Get("exclude"));
  }
  if (const auto f = map.Get("refresh_interval")) {
    server.refresh_interval = AsDuration(*f);
  }
  config_internal::DecodeCollectors(map, &server);
  return server;
}

Config Decode(const std::string& yaml, const std::string& file,
              const std::string& base_dir) {
  const Field root = config_internal::ParseDocument(yaml);
  MapReader map(root, {"refresh_interval", "max_concurrent_requests",
                       "refresh_stagger", "max_large_responses", "servers"});
  Config config;
  if (const auto f = map.Get("refresh_interval")) {
    config.refresh_interval = AsDuration(*f);
  }
  if (const auto f = map.Get("max_concurrent_requests")) {
    const std::int64_t n = AsInt(*f);
    if (n < kMinConcurrency || n > kMaxGlobalConcurrency) {
      Fail(*f, "must be between " + std::to_string(kMinConcurrency) + " and " +
                   std::to_string(kMaxGlobalConcurrency) + ", got " +
                   std::to_string(n));
    }
    config.max_concurrent_requests = static_cast<int>(n);
  }
  if (const auto f = map.Get("refresh_stagger")) {
    config.refresh_stagger = AsDurationOrZero(*f);
  }
  if (const auto f = map.Get("max_large_responses")) {
    const std::int64_t n = AsInt(*f);
    if (n < 0 || n > kMaxGlobalConcurrency) {
      Fail(*f, "must be between 0 (no limit) and " +
                   std::to_string(kMaxGlobalConcurrency) + ", got " +
                   std::to_string(n));
    }
    config.max_large_responses = static_cast<int>(n);
  }
  const auto servers = map.Get("servers");
  if (!servers) {
    Fail(root.line, "servers", "at least one server is required");
  }
  const std::vector<Field> items = AsSequence(*servers);
  if (items.empty()) Fail(*servers, "at least one server is required");
  std::set<std::string> names;
  for (const Field& item : items) {
    ServerConfig server = DecodeServer(item, base_dir, file, &config.warnings);
    if (!names.insert(server.name).second) {
      Field name = *MapReader(item).Get("name");
      Fail(name, "duplicate server name " + Quote(server.name));
    }
    config.servers.push_back(std::move(server));
  }
  return config;
}

}  // namespace

std::optional<ApiVersion> ParseApiVersion(const std::string& text) {
  if (text == "auto") return ApiVersion::kAuto;
  if (text.size() == 2 && text[0] == 'v' && text[1] >= '3' && text[1] <= '8') {
    return static_cast<ApiVersion>(text[1] - '0');
  }
  return std::nullopt;
}

std::string ApiVersionName(ApiVersion v) {
  if (v == ApiVersion::kAuto) return "auto";
  return "v" + std::to_string(static_cast<int>(v));
}

std::optional<std::chrono::milliseconds> ParseDuration(
    const std::string& text) {
  // Prometheus' duration syntax: units from largest to smallest, each once.
  struct Unit {
    const char* name;
    std::int64_t ms;
  };
  static const Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000},
      {"w", 7LL * 24 * 3600 * 1000},
      {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000},
      {"m", 60LL * 1000},
      {"s", 1000},
      {"ms", 1},
  };
  constexpr int kUnitCount = sizeof(kUnits) / sizeof(kUnits[0]);
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  int next_unit = 0;  // units must appear in table order
  size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
        return std::nullopt;
      }
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    int unit = -1;
    if (text.compare(i, 2, "ms") == 0) {
      unit = kUnitCount - 1;
    } else if (i < text.size()) {
      for (int u = 0; u < kUnitCount - 1; ++u) {
        if (text[i] == kUnits[u].name[0]) unit = u;
      }
    }
    if (unit < next_unit)
      return std::nullopt;  // unknown, missing or out of order
    i += unit == kUnitCount - 1 ? 2 : 1;
    next_unit = unit + 1;
    if (number >
        (std::numeric_limits<std::int64_t>::max() - total) / kUnits[unit].ms) {
      return std::nullopt;
    }
    total += number * kUnits[unit].ms;
  }
  return std::chrono::milliseconds(total);
}

Result<Config> LoadConfigString(const std::string& yaml,
                                const std::string& name) {
  return config_internal::DecodeOrError<Config>(yaml, name, "", Decode);
}

Result<Config> LoadConfigFile(const std::string& path) {
  // Relative password_file and ca_file paths are relative to the config file.
  return config_internal::DecodeFile<Config>(path, Decode);
}

namespace {
bool SameRegexes(const std::vector<JobNameRegex>& a,
                 const std::vector<JobNameRegex>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].text() != b[i].text()) return false;
  }
  return true;
}
}  // namespace

bool SameServerConfig(const ServerConfig& a, const ServerConfig& b) {
  return a.name == b.name && a.url == b.url && a.api_version == b.api_version &&
         a.username == b.username &&
         a.password.Reveal() == b.password.Reveal() &&
         a.tls.ca_file == b.tls.ca_file &&
         a.tls.insecure_skip_verify == b.tls.insecure_skip_verify &&
         a.tls.server_certificate_sha256 == b.tls.server_certificate_sha256 &&
         a.tls.server_name == b.tls.server_name &&
         a.tls.min_version == b.tls.min_version && a.timeout == b.timeout &&
         a.max_concurrent_requests == b.max_concurrent_requests &&
         a.session_history == b.session_history &&
         SameRegexes(a.jobs.include, b.jobs.include) &&
         SameRegexes(a.jobs.exclude, b.jobs.exclude) &&
         a.refresh_interval == b.refresh_interval &&
         a.password_file == b.password_file;
}

}  // namespace vb365
