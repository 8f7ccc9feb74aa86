// The background refresh of one server: probe, list jobs, read each job's
// sessions with a few workers, fold them into JobTrackers, publish an
// immutable ServerSnapshot. The scrape path only reads the snapshot.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collection/job_source.h"
#include "collection/refresh_pool.h"
#include "collection/resource_collectors.h"
#include "collection/state_store.h"
#include "config/config.h"
#include "model/job_state.h"

namespace vb365 {

// Where a refresher publishes its snapshots (app: the metrics collector).
// Called from the refresher's thread; implementations are thread-safe when
// several refreshers share one.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual void Publish(std::shared_ptr<const ServerSnapshot> snapshot) = 0;
};

// What a refresher reports besides the snapshot (app: the server's self
// metrics). Called from the refresher's thread.
class RefreshObserver {
 public:
  virtual ~RefreshObserver() = default;
  // A refresh failed (no version, or the job listing failed).
  virtual void OnRefreshFailure() = 0;
};

struct RefresherOptions {
  std::chrono::milliseconds interval{60'000};
  // v7/v8 incremental reads start this far before the last successful read
  // of a job; zero: max(2 x interval, 10 min).
  std::chrono::milliseconds overlap{0};
  // Wall clock (lower bounds, last success). Tests move it by hand.
  std::function<Timestamp()> now;
  // Where the jobs' counting state survives a restart (--storage.state-file);
  // null: every start is a baseline. Not owned; outlives the Refresher.
  StateStore* state = nullptr;
  // The workers that run the refreshes and session reads (shared by every
  // server of the process). Null: the Refresher makes its own pool of
  // max_concurrent_requests workers (tests, benchmarks). Not owned;
  // outlives the Refresher.
  RefreshPool* pool = nullptr;
  // Called on the refreshing thread after each scheduled refresh (app:
  // closes the server's idle connections). May be empty.
  std::function<void()> after_refresh;
};

// Refreshes one server every interval on a worker of the pool (the first
// refresh `first_delay` after Start). RefreshOnce is also callable directly
// (tests, benchmarks; its session reads still use the pool's free workers);
// it must not run concurrently with itself. Start/Stop are called from one
// thread.
class Refresher {
 public:
  // source, sink and observer outlive the Refresher; observer may be null.
  // The constructor publishes the initial snapshot (up 0, no jobs).
  Refresher(ServerConfig config, RefresherOptions options, JobSource* source,
            SnapshotSink* sink, RefreshObserver* observer);
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  void Start(
      std::chrono::milliseconds first_delay = std::chrono::milliseconds(0));
  // Asks the refresh to stop (no new request or refresh starts) and waits up
  // to `timeout` for the one in progress. False if it is still inside a request
  // then; it is joined by the destructor.
  bool Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // One refresh; publishes the snapshot and returns it.
  std::shared_ptr<const ServerSnapshot> RefreshOnce();

 private:
  struct JobState {
    std::unique_ptr<JobTracker> tracker;
    Timestamp last_read = kNoTime;  // start of the last successful read
    bool failing = false;           // in a failure streak (logged once)
    // Restored from the state file and not read since: the first read
    // reaches back to cover the time the exporter was down.
    bool restored = false;
    // This refresh's share of the bulk read (ReadRecentSessions): when set,
    // its sessions are in bulk_sessions (read from bulk_read_start); else
    // the job is read on its own.
    bool bulk = false;
    std::vector<JobSession> bulk_sessions;
    Timestamp bulk_read_start = kNoTime;
  };

  // One scheduled refresh (on a pool worker).
  void RunScheduled();
  std::shared_ptr<const ServerSnapshot> Fail(
      const Error& error, std::chrono::steady_clock::time_point start);
  // Keeps the listed jobs that pass the filter, each id once, with their
  // state from the last refresh; drops the state of every other job.
  std::vector<Job> SelectJobs(std::vector<Job> listed);
  Timestamp LowerBound(ApiVersion version, const JobState& state,
                       Timestamp now) const;
  // v7/v8: one paged read of every job's recent sessions per job type for
  // the jobs read before (their share goes to their JobState); the others
  // (first read, restored from the state file) stay for ReadSessions.
  void ReadRecentSessions(ApiVersion version, const std::vector<Job>& jobs);
  void ReadSessions(ApiVersion version, const std::vector<Job>& jobs);
  void ReadOneJob(ApiVersion version, const Job& job, JobState& state);
  // v8: adds the job's running sessions when it says it runs and *sessions
  // (a bounded read) holds none.
  void AddRunningSessions(ApiVersion version, const Job& job,
                          std::vector<JobSession>* sessions);
  // Appends the copy jobs to *listed (the last good list when listing
  // fails; none when the version has none).
  void ListCopyJobs(std::vector<Job>* listed);
  std::shared_ptr<const ServerSnapshot> Succeed(
      ApiVersion version, std::chrono::steady_clock::time_point start);
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot);
  // Hands the jobs' counting state to options_.state (if any).
  void SaveState();
  // The CollectorRun of jobs and copy_jobs after a successful listing.
  void RecordJobRuns(bool backup, bool copy, double backup_seconds,
                     double copy_seconds);
  // Puts the runs of jobs and copy_jobs first in resources->collectors.
  void SetJobRuns(ServerResources* resources) const;

  const ServerConfig config_;
  RefresherOptions options_;
  JobSource* source_;
  SnapshotSink* sink_;
  RefreshObserver* observer_;

  // Refresh state: touched only by the refreshing thread (and its workers,
  // each on its own JobState).
  std::map<std::string, JobState> jobs_;
  std::vector<Job> copy_jobs_;  // last good /CopyJobs
  bool copy_jobs_failing_ = false;
  bool copy_jobs_skipped_ = false;     // the 404 was logged
  bool copy_jobs_not_served_ = false;  // the last listing was a 404
  // The last runs of the jobs and copy_jobs collectors (none: not run, or
  // copy jobs not served by the version).
  struct JobRuns {
    std::optional<CollectorRun> backup;
    std::optional<CollectorRun> copy;
  } jobs_runs_;
  bool bulk_failing_[2] = {false, false};  // by JobType (logged once)
  // From the state file, by job id, until the first successful listing
  // takes the listed ones (the others are dropped).
  std::map<std::string, SavedJob> restored_;
  ResourceCollectors resources_{&config_};  // license, repositories, ...
  std::shared_ptr<const ServerSnapshot> last_;
  std::string product_version_;
  bool have_service_instance_ = false;
  bool failing_ = false;

  std::atomic<bool> stopping_{false};
  std::unique_ptr<RefreshPool> own_pool_;  // when options_.pool was null
  RefreshPool* pool_ = nullptr;
  RefreshPool::TaskId task_ = 0;  // 0: not started
};

// Wall clock as a Timestamp.
Timestamp SystemNow();

}  // namespace vb365
