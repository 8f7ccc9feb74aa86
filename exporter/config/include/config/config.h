// The exporter's configuration: defaults, strict YAML decoding, validation.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace vb365 {

// A secret string: prints as <secret>, never logged, never in a label.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  static constexpr const char* kMasked = "<secret>";

 private:
  std::string value_;
};

enum class ApiVersion { kAuto = 0, kV3 = 3, kV4, kV5, kV6, kV7, kV8 };
// "auto", "v3".."v8" -> value; nullopt otherwise.
std::optional<ApiVersion> ParseApiVersion(const std::string& text);
std::string ApiVersionName(ApiVersion v);  // "auto", "v3", ...

enum class TlsVersion { kTls12, kTls13 };

// A server's `tls:` block. How the settings combine (docs/configuration.md):
// without a pin, the chain is verified against ca_file (or the system trust
// store) and the name against server_name (or the URL's host); with a pin
// and no ca_file, the pin replaces the chain and name checks; with a pin and
// a ca_file, both must hold.
struct TlsConfig {
  std::string ca_file;  // empty: the system's trust store
  bool insecure_skip_verify = false;
  // The leaf certificate's SHA-256 fingerprint as "AA:BB:..." (32 bytes,
  // upper-case hex, colons), normalized at load; empty: no pin.
  std::string server_certificate_sha256;
  // The name sent as SNI and verified in the certificate (and sent as the
  // Host header) instead of the URL's host; empty: the URL's host.
  std::string server_name;
  TlsVersion min_version = TlsVersion::kTls12;
};

// "AA:BB:..." from a SHA-256 fingerprint written as 64 hex digits, with or
// without a colon between every two, either case, optionally after
// "sha256 Fingerprint=" (openssl x509 -fingerprint's output); nullopt
// otherwise.
std::optional<std::string> NormalizeSha256Fingerprint(const std::string& text);

// One jobs.include / jobs.exclude entry, compiled once when the config is
// loaded: the compiled ECMAScript regex and its source text (for messages).
// Copies share the compiled regex (immutable; safe to match from any thread).
class JobNameRegex {
 public:
  // Error: why `text` does not compile ("unbalanced ( )", ...), without the
  // text itself.
  static Result<JobNameRegex> Compile(const std::string& text);
  const std::string& text() const { return text_; }
  // True when the regex matches the whole of `name`.
  bool FullMatch(const std::string& name) const;

 private:
  JobNameRegex(std::string text, std::shared_ptr<const std::regex> regex)
      : text_(std::move(text)), regex_(std::move(regex)) {}
  std::string text_;
  std::shared_ptr<const std::regex> regex_;  // never null
};

struct JobFilter {
  std::vector<JobNameRegex> include;  // full match; none: every job
  std::vector<JobNameRegex> exclude;
};

// The collectors a server can run (issue 9), in the order a refresh runs
// them: `collectors:` in the config names a subset (default: all).
inline constexpr std::array<std::string_view, 9> kCollectorNames = {
    "jobs",           "copy_jobs",        "license",
    "repositories",   "proxies",          "organizations",
    "licensed_users", "restore_sessions", "health"};

struct ServerConfig {
  std::string name;
  std::string url;  // scheme://host:port, no trailing slash, no /vN
  ApiVersion api_version = ApiVersion::kAuto;
  std::string username;
  Secret password;  // from password_file, or password with ${ENV} expansion
  TlsConfig tls;
  std::chrono::milliseconds timeout{30'000};
  int max_concurrent_requests = 8;
  std::chrono::seconds session_history{7 * 24 * 3600};
  JobFilter jobs;
  // The enabled collectors, names from kCollectorNames (default: all).
  std::set<std::string, std::less<>> collectors{kCollectorNames.begin(),
                                                kCollectorNames.end()};
  // /LicensedUsers is read at most this often (it can hold 100,000 users).
  std::chrono::milliseconds licensed_users_interval{3'600'000};
  bool CollectorEnabled(std::string_view name) const {
    return collectors.find(name) != collectors.end();
  }
  // Per-server override; zero means the global refresh_interval.
  std::chrono::milliseconds refresh_interval{0};
  // The path password was read from (resolved against the config file's
  // directory), empty when it came from `password`. For messages only.
  std::string password_file;
};

struct Config {
  std::chrono::milliseconds refresh_interval{60'000};
  // Requests in flight at once over every server: the size of the one
  // worker pool that refreshes them all (threads and connections do not grow
  // with the number of servers). A server's refresh holds at most
  // min(its max_concurrent_requests, max(1, this / 2)) of them. Read at
  // start only (a reload keeps the running pool).
  int max_concurrent_requests = 16;
  // The first refreshes after start-up are spread over
  // min(this, the server's refresh interval, 100 ms x (the servers of
  // this shard - 1)), each server at a fixed fraction of that window given by a
  // hash of its name. 0s: every server at once.
  std::chrono::milliseconds refresh_stagger{30'000};
  // Responses larger than 256 kB (whole v3/v4 histories, large job lists)
  // held in memory at once, received and parsed, over every server; a
  // worker whose response is large waits for one of these slots once the
  // headers arrive. 0: no limit (up to max_concurrent_requests of them).
  // Applied at start and at every reload.
  int max_large_responses = 2;
  std::vector<ServerConfig> servers;
  // Accepted but risky settings (insecure_skip_verify, http:// URLs), one
  // "FILE:LINE: key.path: reason" line each, for main to log as warnings.
  std::vector<std::string> warnings;
};

// True when a and b configure the same server the same way: every field
// compared, the password by value and the job regexes by their text. A
// reload keeps a server whose config is the same running as it is.
bool SameServerConfig(const ServerConfig& a, const ServerConfig& b);

// Loads and validates a config file. On error the message is
// "FILE:LINE: key.path: reason" (LINE omitted when the file cannot be read),
// and never contains a secret's value.
Result<Config> LoadConfigFile(const std::string& path);
// Same from text already in memory; `name` stands for the file in messages.
Result<Config> LoadConfigString(const std::string& yaml,
                                const std::string& name);

// "60s", "1m30s", "500ms", "7d", "2h" -> duration; nullopt when malformed.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

}  // namespace vb365
