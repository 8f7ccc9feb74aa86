// The typed VB365 client: versions, token, paging, the endpoint per version.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/token_manager.h"
#include "api/transport.h"
#include "common/result.h"
#include "config/config.h"
#include "model/types.h"

namespace vb365 {

// Receives what the client did, for the exporter's own metrics. Endpoint
// names are fixed and low-cardinality: "token", "service_instance", "jobs",
// "job_sessions". `code` is the HTTP status, or 0 for a transport error
// (rendered as code="error"). Implementations are thread-safe.
class ApiObserver {
 public:
  virtual ~ApiObserver() = default;
  virtual void OnRequest(std::string_view endpoint, int code, double seconds,
                         size_t response_bytes) = 0;
  // grant: "password" or "refresh_token"; ok false on any failure.
  virtual void OnAuth(std::string_view grant, bool ok) = 0;
  virtual void OnParseError(std::string_view endpoint) = 0;
};

// What one read of a job's sessions returned.
struct SessionsFetch {
  std::vector<JobSession> sessions;
  bool complete_history = false;  // v3/v4: the whole history came back
  size_t bytes = 0;               // response bytes read, all pages
};

// One client per configured server. Thread-safe: ListSessions is called from
// several workers at once; they share one cached token.
class Client {
 public:
  Client(const ServerConfig& config, Transport* transport,
         ApiObserver* observer);

  // With api_version auto, probes GET /vN/ServiceInstance without a token,
  // v8 down to v3: the first that does not answer 404 wins. Cached after
  // success; a fixed version is returned as is.
  Result<ApiVersion> Version();
  // Product version from /ServiceInstance ("" when unavailable).
  Result<ServiceInstance> GetServiceInstance();
  // Every job, all pages.
  Result<std::vector<Job>> ListJobs();
  // The sessions of one job. v3/v4: /Jobs/{id}/JobSessions (whole history).
  // v5/v6: /Jobs/{id}/JobSessions paged. v7/v8:
  // /JobSessions?jobId=..&endTimeLowerBound=.. paged (lower_bound kNoTime:
  // no bound). A 404 gives an Error whose message starts with "not found".
  Result<SessionsFetch> ListSessions(const Job& job, Timestamp lower_bound);

  // Forget the detected version (after the server stopped answering).
  void ResetVersion();
  const ServerConfig& config() const { return config_; }

 private:
  const ServerConfig config_;
  Transport* transport_;
  ApiObserver* observer_;
  std::mutex mu_;
  ApiVersion version_ = ApiVersion::kAuto;  // guarded by mu_
  std::unique_ptr<TokenManager> tokens_;    // created once version is known
};

}  // namespace vb365
