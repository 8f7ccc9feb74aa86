// The background refresh of one server: probe, list jobs, read each job's
// sessions with a few workers, fold them into JobTrackers, publish an
// immutable ServerSnapshot. The scrape path only reads the snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "api/client.h"
#include "common/result.h"
#include "config/config.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "model/job_state.h"

namespace vb365 {

// What a refresh reads: the Client's calls, behind a seam so the refresh
// logic is unit-tested with a fake. Implementations are thread-safe
// (ListSessions runs on several workers at once).
class JobSource {
 public:
  virtual ~JobSource() = default;
  virtual Result<ApiVersion> Version() = 0;
  virtual Result<ServiceInstance> GetServiceInstance() = 0;
  virtual Result<std::vector<Job>> ListJobs() = 0;
  virtual Result<SessionsFetch> ListSessions(const Job& job,
                                             Timestamp lower_bound) = 0;
  virtual void ResetVersion() = 0;
};

// The production JobSource: forwards to a Client (not owned).
class ClientJobSource : public JobSource {
 public:
  explicit ClientJobSource(Client* client) : client_(client) {}
  Result<ApiVersion> Version() override { return client_->Version(); }
  Result<ServiceInstance> GetServiceInstance() override {
    return client_->GetServiceInstance();
  }
  Result<std::vector<Job>> ListJobs() override { return client_->ListJobs(); }
  Result<SessionsFetch> ListSessions(const Job& job,
                                     Timestamp lower_bound) override {
    return client_->ListSessions(job, lower_bound);
  }
  void ResetVersion() override { client_->ResetVersion(); }

 private:
  Client* client_;
};

// Compiled jobs.include/exclude: a job is kept when it fully matches an
// include regex (or there are none) and no exclude regex.
class JobNameFilter {
 public:
  // Error when a regex does not compile (config validation normally
  // catches that first).
  static Result<JobNameFilter> Create(const JobFilter& filter);
  bool Keep(const std::string& name) const;

 private:
  std::vector<std::regex> include_;
  std::vector<std::regex> exclude_;
};

struct RefresherOptions {
  std::chrono::milliseconds interval{60'000};
  // v7/v8 incremental reads start this far before the last successful read
  // of a job; zero: max(2 x interval, 10 min).
  std::chrono::milliseconds overlap{0};
  // Wall clock (lower bounds, last success). Tests move it by hand.
  std::function<Timestamp()> now;
};

// Refreshes one server every interval on its own thread (the first refresh
// at once). RefreshOnce is also callable directly (tests); it must not run
// concurrently with itself. Start/Stop are called from one thread.
class Refresher {
 public:
  // source, collector and metrics outlive the Refresher.
  Refresher(ServerConfig config, RefresherOptions options, JobSource* source,
            SnapshotCollector* collector, ServerSelfMetrics* metrics);
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  void Start();
  // Asks the thread to stop (no new request starts) and waits up to
  // `timeout` for it. False if it is still inside a request then; it is
  // joined by the destructor.
  bool Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // One refresh; publishes the snapshot and returns it.
  std::shared_ptr<const ServerSnapshot> RefreshOnce();
  uint64_t refreshes() const { return refreshes_.load(); }

 private:
  struct JobState {
    std::unique_ptr<JobTracker> tracker;
    Timestamp last_read = kNoTime;  // start of the last successful read
    bool failing = false;           // in a failure streak (logged once)
  };

  void Run();
  std::shared_ptr<const ServerSnapshot> Fail(
      const std::string& reason, std::chrono::steady_clock::time_point start);
  Timestamp LowerBound(ApiVersion version, const JobState& state,
                       Timestamp now) const;
  void ReadSessions(ApiVersion version, const std::vector<Job>& jobs,
                    std::vector<JobState*>& states);

  const ServerConfig config_;
  RefresherOptions options_;
  JobSource* source_;
  SnapshotCollector* collector_;
  ServerSelfMetrics* metrics_;
  Result<JobNameFilter> filter_;

  // Refresh state: touched only by the refreshing thread (and its workers,
  // each on its own JobState).
  std::map<std::string, JobState> jobs_;
  std::shared_ptr<const ServerSnapshot> last_;
  Timestamp last_success_ = kNoTime;
  std::string product_version_;
  bool have_service_instance_ = false;
  bool failing_ = false;

  std::atomic<uint64_t> refreshes_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_requested_ = false;  // guarded by mu_
  bool done_ = false;            // guarded by mu_
  std::thread thread_;
};

// Wall clock as a Timestamp.
Timestamp SystemNow();

}  // namespace vb365
