// The exporter's own metrics: API requests, auth, parse errors, refresh
// failures and build info. They live across refreshes in a
// prometheus::Registry (a Collectable served next to the snapshots).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace vb365 {

// The fixed endpoint label values (client.h's ApiObserver); anything else is
// reported as "other". Their series exist from the start.
inline constexpr std::array<std::string_view, 4> kApiEndpoints = {
    "token", "service_instance", "jobs", "job_sessions"};
// The resource collectors' endpoints (issue 9): their series appear once the
// endpoint is first used, so a collector that is off, or a resource the
// server's version does not have, adds none.
inline constexpr std::array<std::string_view, 9> kResourceEndpoints = {
    "license",       "repositories",      "proxies",
    "organizations", "organization_sync", "licensed_users",
    "health",        "restore_sessions",  "copy_jobs"};

// Counters of one server. The series are created once and their references
// kept (Family::Add allocates and scans per call). Thread-safe: called by
// the refresh workers and the token manager at once.
class ServerSelfMetrics {
 public:
  ServerSelfMetrics(const std::string& server,
                    prometheus::Family<prometheus::Counter>& requests,
                    prometheus::Family<prometheus::Histogram>& durations,
                    prometheus::Family<prometheus::Counter>& bytes,
                    prometheus::Family<prometheus::Counter>& auth,
                    prometheus::Family<prometheus::Counter>& auth_failures,
                    prometheus::Family<prometheus::Counter>& parse_errors,
                    prometheus::Family<prometheus::Counter>& refresh_failures);

  // code: HTTP status, or 0 for a transport error (code="error").
  void OnRequest(std::string_view endpoint, int code, double seconds,
                 size_t response_bytes);
  // grant: "password" or "refresh_token".
  void OnAuth(std::string_view grant, bool ok);
  void OnParseError(std::string_view endpoint);
  void OnRefreshFailure();

  // Removes every series of this server from its families (the server was
  // removed by a reload). Called once, when nothing calls the On* methods
  // any more; the object is destroyed right after.
  void RemoveSeries();

 private:
  static constexpr size_t kEager = kApiEndpoints.size();
  static constexpr size_t kOther = kEager + kResourceEndpoints.size();
  // The endpoint's index; its series created first if it is a lazy one.
  size_t EndpointIndex(std::string_view endpoint);
  prometheus::Counter& RequestCounter(size_t endpoint, int code);

  const std::string server_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_family_;
  prometheus::Family<prometheus::Counter>& bytes_family_;
  prometheus::Family<prometheus::Counter>& auth_family_;
  prometheus::Family<prometheus::Counter>& auth_failures_family_;
  prometheus::Family<prometheus::Counter>& parse_errors_family_;
  prometheus::Family<prometheus::Counter>& refresh_failures_family_;
  std::array<prometheus::Histogram*, kOther + 1> durations_{};
  std::array<prometheus::Counter*, kOther + 1> bytes_{};
  std::array<prometheus::Counter*, kOther + 1> parse_errors_{};
  prometheus::Counter* auth_password_ = nullptr;
  prometheus::Counter* auth_refresh_ = nullptr;
  prometheus::Counter* auth_failures_ = nullptr;
  prometheus::Counter* refresh_failures_ = nullptr;

  // The lazy endpoints (resources, then "other"): created once each.
  std::array<std::once_flag, kOther + 1 - kEager> lazy_once_;
  std::function<void(ServerSelfMetrics*, size_t)> make_lazy_;

  std::mutex mu_;  // guards request_counters_ (codes appear as they come)
  std::map<std::pair<size_t, int>, prometheus::Counter*> request_counters_;
};

// The registry and one ServerSelfMetrics per server. ForServer is meant for
// start-up and reloads (it locks); the returned object lives as long as
// this one, or until RemoveServer.
class SelfMetrics {
 public:
  SelfMetrics(const std::string& version, const std::string& revision);

  ServerSelfMetrics& ForServer(const std::string& server);
  // Drops the server's series and its ServerSelfMetrics (a reload removed
  // the server): nothing may use that object any more. A later ForServer
  // of the same name starts from zero.
  void RemoveServer(const std::string& server);
  // The outcome of the last config load (start-up or reload):
  // vb365_config_last_reload_successful, and when it succeeded
  // vb365_config_last_reload_success_timestamp_seconds = unix_seconds.
  void SetConfigReload(bool ok, double unix_seconds);
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // Buckets of vb365_api_request_duration_seconds.
  static const prometheus::Histogram::BucketBoundaries& DurationBuckets();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& bytes_;
  prometheus::Family<prometheus::Counter>& auth_;
  prometheus::Family<prometheus::Counter>& auth_failures_;
  prometheus::Family<prometheus::Counter>& parse_errors_;
  prometheus::Family<prometheus::Counter>& refresh_failures_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Gauge& reload_ok_;
  prometheus::Gauge& reload_time_;

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<ServerSelfMetrics>> servers_;
};

}  // namespace vb365
