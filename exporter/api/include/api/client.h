// The typed VB365 client: versions, token, paging, the endpoint per version.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/token_manager.h"
#include "api/transport.h"
#include "common/result.h"
#include "config/config.h"
#include "model/resources.h"
#include "model/types.h"
#include "parse/padded_body.h"

namespace vb365 {

// Receives what the client did, for the exporter's own metrics. Endpoint
// names are fixed and low-cardinality: "token", "service_instance", "jobs",
// "copy_jobs", "job_sessions", and the resources' "license", "repositories",
// "proxies", "organizations", "organization_sync", "licensed_users", "health",
// "restore_sessions". `code` is
// the HTTP status, or 0 for a transport error (rendered as code="error").
// Implementations are thread-safe.
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
};

// One client per configured server. Thread-safe: ListSessions is called from
// several workers at once; they share one cached token.
class Client {
 public:
  // observer may be null. `clock` drives token expiry (tests inject one).
  Client(const ServerConfig& config, Transport* transport,
         ApiObserver* observer,
         TokenManager::Clock clock = &std::chrono::steady_clock::now);

  // With api_version auto, probes GET /vN/ServiceInstance without a token,
  // v8 down to v3: the first that does not answer 404 wins. Cached after
  // success; a fixed version is returned as is.
  Result<ApiVersion> Version();
  // Product version from /ServiceInstance ("" when unavailable).
  Result<ServiceInstance> GetServiceInstance();
  // Every job, all pages (v8: limit=10000&offset=N until a page is shorter
  // than the limit the server reports and has no next link).
  Result<std::vector<Job>> ListJobs();
  // Every backup copy job (/CopyJobs, v6+; paged like /Jobs on v8), each
  // with type kCopy. A 404 (v3 to v5) gives code kNotFound.
  Result<std::vector<Job>> ListCopyJobs();
  // The sessions of one job. v3/v4: /Jobs/{id}/JobSessions (whole history).
  // v5/v6: /Jobs/{id}/JobSessions paged. v7/v8:
  // /JobSessions?jobId=..&endTimeLowerBound=.. paged by 10,000 (lower_bound
  // kNoTime: no bound). A 404 (a job deleted since it was listed) gives an
  // Error with code kNotFound. Sessions of other jobs (a server that ignores
  // jobId) are dropped. Copy jobs: v7/v8 /JobSessions?jobId=..&jobType=Copy
  // (bounded as above); v6 /JobSessions?jobType=Copy (every copy job's, kept by
  // _links.job). Every request that gets 401 is retried once after a new login.
  Result<SessionsFetch> ListSessions(const Job& job, Timestamp lower_bound);
  // Every job's sessions of one type in one paged read, for a refresh after
  // the first (v7/v8): /JobSessions?endTimeLowerBound=.. without jobId
  // (with jobType=Copy for copy jobs; without jobType a server may return
  // backup sessions only), limit=10000. Sessions that do not name their job
  // (jobId on v8, _links.job before) are dropped; the caller gives the rest
  // to their jobs and ignores the others. Before v7 an Error with code
  // kNotFound, without a request (v6 has no jobId filter but also no status
  // filter, so its per-job reads stay: see docs/collection.md).
  Result<SessionsFetch> ListRecentSessions(JobType type, Timestamp lower_bound);
  // v8 only: /JobSessions?jobId=..&status=Running (and jobType=Copy for a
  // copy job), unbounded: for a server whose bounded reads leave running
  // sessions out. Before v8 an empty fetch, without a request.
  Result<SessionsFetch> ListRunningSessions(const Job& job);

  // Forget the detected version (after the server stopped answering): the
  // next call probes again. The cached token, and any 429 back-off, are
  // kept as long as the probe finds the same version again.
  void ResetVersion();

  // The resources beyond jobs (issue 9; resources_client.cc). Collections
  // are read in pages on v8 (every page, limit=1000&offset=N) and as one
  // array before; /LicensedUsers is paged on every version. A 404 (the
  // resource does not exist on this version) gives code kNotFound; so does
  // asking for a resource the version is known not to have, without a
  // request (sync state before v7, health before v8).
  Result<License> GetLicense();
  Result<std::vector<Repository>> ListRepositories();
  Result<std::vector<Proxy>> ListProxies();
  Result<std::vector<Organization>> ListOrganizations();
  // v8: /Organizations/SyncState. v7: /Organizations/{id}/SyncState for
  // each of `organizations` (one that answers 404 has no sync state).
  Result<std::vector<OrganizationSync>> ListSyncStates(
      const std::vector<Organization>& organizations);
  // Every page of /LicensedUsers, counted per organizationId; no user kept.
  Result<std::map<std::string, UserCounts>> CountLicensedUsers();
  // v8 /Health, anonymous (no token is sent).
  Result<Health> GetHealth();
  // /RestoreSessions?startTimeFrom=started_from, every page; on v8 with
  // ended_from set also ?endTimeFrom=ended_from (sessions created earlier
  // that ended since). Duplicates are possible (the caller counts by id).
  Result<std::vector<RestoreSession>> ListRestoreSessions(
      Timestamp started_from, Timestamp ended_from);

 private:
  struct Target {
    ApiVersion version;
    std::string base_url;  // url + "/vN"
    std::shared_ptr<TokenManager> tokens;
  };
  // The version, its base URL and the token manager, probing if needed.
  Result<Target> Prepare();
  // GET base_url + path_query with a bearer token; one re-login and retry
  // on 401. Non-2xx and transport failures become Errors: 404 kNotFound,
  // 401 twice kUnauthorized, 429 kThrottled, other kHttpStatus, no answer
  // kTransport (kTooLarge over the body limit).
  Result<HttpResponse> Get(const Target& target, std::string_view endpoint,
                           const std::string& path_query);
  // Reads every page of a collection into *out, asking for `limit` elements
  // a page. `parse` appends one page's elements to *out.
  template <typename T, typename ParseFn, typename FilterFn>
  Status ReadAll(const Target& target, std::string_view endpoint,
                 const std::string& path, bool send_paging, int64_t limit,
                 ParseFn parse, FilterFn keep, std::vector<T>* out);
  void Observe(std::string_view endpoint, const HttpResponse& response);
  // Every page of `path` (job sessions), sessions of other jobs dropped
  // when filter_by_job.
  Result<SessionsFetch> ReadJobSessions(const Target& target, const Job& job,
                                        const std::string& path, bool paged,
                                        bool filter_by_job);
  // Reads every page of a resource collection (resources_client.cc): `read`
  // takes one body and returns its page info; paging as in ReadAll.
  using PageReader = std::function<Result<PageInfo>(std::string_view body)>;
  Status ReadPages(const Target& target, std::string_view endpoint,
                   const std::string& path, bool send_paging,
                   const PageReader& read);

  const ServerConfig config_;
  Transport* transport_;
  ApiObserver* observer_;
  const TokenManager::Clock clock_;
  std::mutex mu_;  // held while probing, so concurrent callers probe once
  ApiVersion version_ = ApiVersion::kAuto;  // guarded by mu_
  // Created once the version is known, replaced only when a new probe finds
  // another version; shared so that this cannot pull it from under a request
  // in flight. Guarded by mu_.
  std::shared_ptr<TokenManager> tokens_;
  ApiVersion tokens_version_ = ApiVersion::kAuto;  // guarded by mu_
};

// The config's max_large_responses for the process (the receive path's
// large-body slots, PaddedBody::SetLargeBodyLimit) and what they did.
void SetMaxLargeResponses(int slots);
LargeBodyStats LargeResponseStats();

// While one is alive on a thread (a refresh's worker, which reads one job's
// whole history after another), that thread keeps its receive buffers for
// its next request: the largest response body's buffer and its parser's
// index, which are otherwise freed after each large response. A v3/v4 full
// read spent half its CPU in the kernel mapping, faulting in and unmapping
// them per response (bench/README.md, "Receive"). The destructor frees
// them, so they live only as long as the scope (the worker thread).
class ReceiveBufferReuse {
 public:
  ReceiveBufferReuse();
  ~ReceiveBufferReuse();
  ReceiveBufferReuse(const ReceiveBufferReuse&) = delete;
  ReceiveBufferReuse& operator=(const ReceiveBufferReuse&) = delete;
};

}  // namespace vb365
