#include "metrics/self_metrics.h"

namespace vb365 {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;
using Labels = prometheus::Labels;

namespace {
std::string EndpointName(size_t i) {
  if (i < kApiEndpoints.size()) return std::string(kApiEndpoints[i]);
  i -= kApiEndpoints.size();
  if (i < kResourceEndpoints.size()) return std::string(kResourceEndpoints[i]);
  return "other";
}
}  // namespace

ServerSelfMetrics::ServerSelfMetrics(
    const std::string& server, Family<Counter>& requests,
    Family<Histogram>& durations, Family<Counter>& bytes, Family<Counter>& auth,
    Family<Counter>& auth_failures, Family<Counter>& parse_errors,
    Family<Counter>& refresh_failures)
    : server_(server),
      requests_(requests),
      durations_family_(durations),
      bytes_family_(bytes),
      auth_family_(auth),
      auth_failures_family_(auth_failures),
      parse_errors_family_(parse_errors),
      refresh_failures_family_(refresh_failures) {
  for (size_t i = 0; i < kEager; ++i) {
    const Labels labels = {{"server", server}, {"endpoint", EndpointName(i)}};
    durations_[i] = &durations.Add(labels, SelfMetrics::DurationBuckets());
    bytes_[i] = &bytes.Add(labels);
    parse_errors_[i] = &parse_errors.Add(labels);
  }
  // The resources' endpoints, and "other" (an endpoint name this build does
  // not know), only once they occur.
  make_lazy_ = [server, &durations, &bytes, &parse_errors](
                   ServerSelfMetrics* self, size_t i) {
    const Labels labels = {{"server", server}, {"endpoint", EndpointName(i)}};
    self->durations_[i] =
        &durations.Add(labels, SelfMetrics::DurationBuckets());
    self->bytes_[i] = &bytes.Add(labels);
    self->parse_errors_[i] = &parse_errors.Add(labels);
  };
  auth_password_ = &auth.Add({{"server", server}, {"grant", "password"}});
  auth_refresh_ = &auth.Add({{"server", server}, {"grant", "refresh_token"}});
  auth_failures_ = &auth_failures.Add({{"server", server}});
  refresh_failures_ = &refresh_failures.Add({{"server", server}});
}

size_t ServerSelfMetrics::EndpointIndex(std::string_view endpoint) {
  for (size_t i = 0; i < kApiEndpoints.size(); ++i) {
    if (kApiEndpoints[i] == endpoint) return i;
  }
  size_t i = kEager;
  while (i < kOther && kResourceEndpoints[i - kEager] != endpoint) ++i;
  std::call_once(lazy_once_[i - kEager], make_lazy_, this, i);
  return i;
}

Counter& ServerSelfMetrics::RequestCounter(size_t endpoint, int code) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(endpoint, code);
  auto it = request_counters_.find(key);
  if (it != request_counters_.end()) return *it->second;
  // Codes outside 100..599 are not HTTP statuses: one "error" series.
  const std::string code_label =
      code >= 100 && code <= 599 ? std::to_string(code) : "error";
  Counter& c = requests_.Add({{"server", server_},
                              {"endpoint", EndpointName(endpoint)},
                              {"code", code_label}});
  request_counters_.emplace(key, &c);
  return c;
}

void ServerSelfMetrics::OnRequest(std::string_view endpoint, int code,
                                  double seconds, size_t response_bytes) {
  const size_t i = EndpointIndex(endpoint);
  RequestCounter(i, code >= 100 && code <= 599 ? code : 0).Increment();
  durations_[i]->Observe(seconds < 0 ? 0 : seconds);
  bytes_[i]->Increment(static_cast<double>(response_bytes));
}

void ServerSelfMetrics::OnAuth(std::string_view grant, bool ok) {
  (grant == "refresh_token" ? auth_refresh_ : auth_password_)->Increment();
  if (!ok) auth_failures_->Increment();
}

void ServerSelfMetrics::OnParseError(std::string_view endpoint) {
  parse_errors_[EndpointIndex(endpoint)]->Increment();
}

void ServerSelfMetrics::OnRefreshFailure() { refresh_failures_->Increment(); }

void ServerSelfMetrics::RemoveSeries() {
  for (size_t i = 0; i <= kOther; ++i) {
    if (durations_[i] != nullptr) durations_family_.Remove(durations_[i]);
    if (bytes_[i] != nullptr) bytes_family_.Remove(bytes_[i]);
    if (parse_errors_[i] != nullptr) {
      parse_errors_family_.Remove(parse_errors_[i]);
    }
  }
  auth_family_.Remove(auth_password_);
  auth_family_.Remove(auth_refresh_);
  auth_failures_family_.Remove(auth_failures_);
  refresh_failures_family_.Remove(refresh_failures_);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, counter] : request_counters_) {
    requests_.Remove(counter);
  }
  request_counters_.clear();
}

const Histogram::BucketBoundaries& SelfMetrics::DurationBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBuckets;
}

SelfMetrics::SelfMetrics(const std::string& version,
                         const std::string& revision)
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("vb365_api_requests_total")
                    .Help("Requests sent to the VB365 REST API, by endpoint "
                          "and HTTP status (\"error\": no response)")
                    .Register(*registry_)),
      durations_(BuildHistogram()
                     .Name("vb365_api_request_duration_seconds")
                     .Help("Duration of requests to the VB365 REST API")
                     .Register(*registry_)),
      bytes_(BuildCounter()
                 .Name("vb365_api_response_bytes_total")
                 .Help("Response body bytes read from the VB365 REST API")
                 .Register(*registry_)),
      auth_(BuildCounter()
                .Name("vb365_auth_requests_total")
                .Help("Token requests, by grant (password login or refresh)")
                .Register(*registry_)),
      auth_failures_(BuildCounter()
                         .Name("vb365_auth_failures_total")
                         .Help("Token requests that failed")
                         .Register(*registry_)),
      parse_errors_(BuildCounter()
                        .Name("vb365_parse_errors_total")
                        .Help("Responses that could not be parsed, by "
                              "endpoint")
                        .Register(*registry_)),
      refresh_failures_(BuildCounter()
                            .Name("vb365_refresh_failures_total")
                            .Help("Refreshes that ended with vb365_up 0")
                            .Register(*registry_)),
      build_info_(BuildGauge()
                      .Name("vb365_exporter_build_info")
                      .Help("Version and git revision of the exporter; "
                            "always 1")
                      .Register(*registry_)),
      reload_ok_(BuildGauge()
                     .Name("vb365_config_last_reload_successful")
                     .Help("Whether the last configuration load (start-up, "
                           "SIGHUP or POST /-/reload) succeeded")
                     .Register(*registry_)
                     .Add({})),
      reload_time_(BuildGauge()
                       .Name("vb365_config_last_reload_success_timestamp_"
                             "seconds")
                       .Help("When the configuration was last loaded "
                             "successfully (Unix time)")
                       .Register(*registry_)
                       .Add({})) {
  build_info_.Add({{"version", version}, {"revision", revision}}).Set(1);
}

void SelfMetrics::SetConfigReload(bool ok, double unix_seconds) {
  reload_ok_.Set(ok ? 1 : 0);
  if (ok) reload_time_.Set(unix_seconds);
}

void SelfMetrics::RemoveServer(const std::string& server) {
  std::unique_ptr<ServerSelfMetrics> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = servers_.find(server);
    if (it == servers_.end()) return;
    gone = std::move(it->second);
    servers_.erase(it);
  }
  gone->RemoveSeries();
}

ServerSelfMetrics& SelfMetrics::ForServer(const std::string& server) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = servers_.find(server);
  if (it != servers_.end()) return *it->second;
  auto m = std::make_unique<ServerSelfMetrics>(
      server, requests_, durations_, bytes_, auth_, auth_failures_,
      parse_errors_, refresh_failures_);
  ServerSelfMetrics& ref = *m;
  servers_.emplace(server, std::move(m));
  return ref;
}

}  // namespace vb365
