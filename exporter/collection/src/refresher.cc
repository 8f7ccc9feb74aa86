#include "collection/refresher.h"

#include <algorithm>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unordered_map>
#include <utility>

#include "collection/job_filter.h"
#include "common/log.h"

namespace vb365 {

using Steady = std::chrono::steady_clock;

namespace {
double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}
}  // namespace

Timestamp SystemNow() {
  using namespace std::chrono;
  // 100 ns ticks since the epoch.
  return duration_cast<duration<int64_t, std::ratio<1, kTicksPerSecond>>>(
             system_clock::now().time_since_epoch())
      .count();
}

Refresher::Refresher(ServerConfig config, RefresherOptions options,
                     JobSource* source, SnapshotSink* sink,
                     RefreshObserver* observer)
    : config_(std::move(config)),
      options_(std::move(options)),
      source_(source),
      sink_(sink),
      observer_(observer) {
  if (!options_.now) options_.now = &SystemNow;
  if (options_.overlap <= std::chrono::milliseconds::zero()) {
    options_.overlap = std::max<std::chrono::milliseconds>(
        2 * options_.interval, std::chrono::minutes(10));
  }
  if (options_.state != nullptr) {
    restored_ = options_.state->Restored(config_.name, config_.url);
    if (std::optional<SavedRestores> restores =
            options_.state->RestoredRestores(config_.name, config_.url)) {
      resources_.RestoreRestores(*restores);
    }
  }
  pool_ = options_.pool;
  if (pool_ == nullptr) {
    RefreshPoolOptions own;
    own.workers = std::max(1, config_.max_concurrent_requests);
    own.per_server = own.workers;
    own_pool_ = std::make_unique<RefreshPool>(own);
    pool_ = own_pool_.get();
  }
  // Until the first refresh ends: up 0, no jobs (never "no series at all").
  auto initial = std::make_shared<ServerSnapshot>();
  initial->server = config_.name;
  Publish(initial);
}

Refresher::~Refresher() { Stop(std::chrono::hours(24)); }

void Refresher::Start(std::chrono::milliseconds first_delay) {
  if (task_ != 0 || stopping_) return;
  task_ = pool_->Schedule([this] { RunScheduled(); }, options_.interval,
                          Steady::now() + first_delay);
}

bool Refresher::Stop(std::chrono::milliseconds timeout) {
  stopping_ = true;
  if (task_ == 0) return true;
  return pool_->Cancel(task_, timeout);
}

void Refresher::RunScheduled() {
  if (stopping_) return;
  RefreshOnce();
  if (options_.after_refresh) options_.after_refresh();
#if defined(__GLIBC__)
  // The response bodies, parse indexes and the text render are freed by
  // now, but glibc keeps freed memory in its arenas (the exporter limits
  // them to one, see TuneMalloc): hand it back so the idle RSS is what the
  // exporter holds (a few ms, once per refresh).
  malloc_trim(0);
#endif
}

void Refresher::Publish(std::shared_ptr<const ServerSnapshot> snapshot) {
  last_ = snapshot;
  sink_->Publish(std::move(snapshot));
}

Timestamp Refresher::LowerBound(ApiVersion version, const JobState& state,
                                Timestamp now) const {
  if (version != ApiVersion::kV7 && version != ApiVersion::kV8) {
    return kNoTime;  // v3/v4 return everything; v5/v6 page it all
  }
  auto ticks = [](std::chrono::milliseconds d) {
    return static_cast<Timestamp>(d.count()) * (kTicksPerSecond / 1000);
  };
  const Timestamp history =
      now -
      static_cast<Timestamp>(config_.session_history.count()) * kTicksPerSecond;
  if (state.last_read == kNoTime) return history;
  const Timestamp since_last = state.last_read - ticks(options_.overlap);
  // After a restart: everything since the last read before it, and at least
  // the history window (the last-finished series need their session).
  if (state.restored) return std::min(since_last, history);
  return since_last;
}

// Whether a server leaves running sessions out of bounded reads is not
// documented: when the job says it runs (lastStatus Running or Queued) and no
// unfinished session came back, v8 is asked for the running ones. Before v8
// (no status filter) the running series come from lastStatus alone.
void Refresher::AddRunningSessions(ApiVersion version, const Job& job,
                                   std::vector<JobSession>* sessions) {
  if (version != ApiVersion::kV8 || !job.last_status.has_value() ||
      !IsActive(*job.last_status)) {
    return;
  }
  for (const JobSession& s : *sessions) {
    if (!s.finished()) return;
  }
  Result<SessionsFetch> running = source_->ListRunningSessions(job);
  if (!running.ok()) {
    Log(LogLevel::kDebug, "reading running sessions failed",
        {{"server", config_.name},
         {"job", job.name},
         {"error", running.error().message()}});
    return;
  }
  sessions->insert(sessions->end(), running->sessions.begin(),
                   running->sessions.end());
}

void Refresher::ReadOneJob(ApiVersion version, const Job& job,
                           JobState& state) {
  const bool bulk = state.bulk;
  state.bulk = false;
  Timestamp read_start;
  Result<SessionsFetch> fetch = SessionsFetch{};
  if (bulk) {
    read_start = state.bulk_read_start;
    fetch->sessions = std::move(state.bulk_sessions);
    state.bulk_sessions = {};
  } else {
    read_start = options_.now();
    fetch = source_->ListSessions(job, LowerBound(version, state, read_start));
  }
  if (fetch.ok()) {
    AddRunningSessions(version, job, &fetch->sessions);
    state.tracker->Apply(fetch->sessions);
    state.last_read = read_start;
    state.restored = false;
    if (state.failing) {
      Log(LogLevel::kInfo, "job sessions readable again",
          {{"server", config_.name}, {"job", job.name}});
      state.failing = false;
    }
  } else if (!state.failing) {
    // Once per failure streak: the job keeps its last good values.
    Log(LogLevel::kWarn, "reading job sessions failed",
        {{"server", config_.name},
         {"job", job.name},
         {"error", fetch.error().message()}});
    state.failing = true;
  } else {
    Log(LogLevel::kDebug, "reading job sessions failed again",
        {{"server", config_.name},
         {"job", job.name},
         {"error", fetch.error().message()}});
  }
}

// One read for every job of a type instead of one per job: 1,000 quiet jobs
// cost one or two requests a refresh instead of 1,000. It reaches back to
// the oldest lower bound of those jobs (their last reads are the same but
// for a job whose first read came later); the tracker de-duplicates what
// the overlap reads again. Jobs read for the first time and jobs restored
// from the state file are read on their own (session_history deep, or back
// to the saved read). A job that says it runs but got no unfinished session
// from the bulk read still gets ReadOneJob's running-session look (v8).
void Refresher::ReadRecentSessions(ApiVersion version,
                                   const std::vector<Job>& jobs) {
  for (auto& [id, state] : jobs_) {  // nothing left from a stopped refresh
    state.bulk = false;
    state.bulk_sessions.clear();
  }
  if (version != ApiVersion::kV7 && version != ApiVersion::kV8) return;
  for (const JobType type : {JobType::kBackup, JobType::kCopy}) {
    const Timestamp read_start = options_.now();
    std::unordered_map<Id, JobState*, IdHash> by_job;
    Timestamp bound = read_start;
    for (const Job& job : jobs) {
      if (job.type != type) continue;
      auto it = jobs_.find(job.id);
      if (it == jobs_.end()) continue;
      JobState& state = it->second;
      const Id key = job.key.empty() ? ParseId(job.id) : job.key;
      if (state.last_read == kNoTime || state.restored || key.empty()) {
        continue;
      }
      by_job[key] = &state;
      bound = std::min(bound, LowerBound(version, state, read_start));
    }
    if (by_job.empty() || stopping_) continue;
    Result<SessionsFetch> fetch = source_->ListRecentSessions(type, bound);
    bool& failing = bulk_failing_[static_cast<size_t>(type)];
    if (!fetch.ok() && stopping_) return;  // aborted by Stop: no warning
    if (!fetch.ok()) {
      // Each job is then read on its own, as before v7: a failure that
      // belongs to one job's data (a malformed session, say) stays that
      // job's, and the others are counted as usual. Logged once per streak,
      // at info: a job whose own read fails too logs that as a warning.
      if (fetch.error().code() != ErrorCode::kNotFound || failing) {
        Log(failing ? LogLevel::kDebug : LogLevel::kInfo,
            failing ? "reading recent job sessions failed again"
                    : "reading recent job sessions failed, reading each job",
            {{"server", config_.name},
             {"job_type", JobTypeName(type)},
             {"jobs", std::to_string(by_job.size())},
             {"error", fetch.error().message()}});
        failing = true;
      }
      continue;
    }
    if (failing) {
      Log(LogLevel::kInfo, "recent job sessions readable again",
          {{"server", config_.name}, {"job_type", JobTypeName(type)}});
      failing = false;
    }
    for (auto& [key, state] : by_job) {
      state->bulk = true;
      state->bulk_read_start = read_start;
      state->bulk_sessions.clear();
    }
    // Sessions of jobs not listed, filtered out or read on their own are
    // ignored (a job read on its own gets them from its own read).
    for (JobSession& s : fetch->sessions) {
      auto it = by_job.find(s.job_id);
      if (it != by_job.end()) it->second->bulk_sessions.push_back(std::move(s));
    }
  }
}

void Refresher::ReadSessions(ApiVersion version, const std::vector<Job>& jobs) {
  std::vector<JobState*> states;
  states.reserve(jobs.size());
  for (const Job& job : jobs) states.push_back(&jobs_[job.id]);
  // On this thread and on the pool's free workers, at most
  // max_concurrent_requests of this server at once (and the pool's
  // per-server cap). Each job's state is touched by one worker.
  pool_->ParallelFor(
      jobs.size(), std::max(1, config_.max_concurrent_requests),
      [&](size_t i) {
        if (stopping_) return false;
        ReadOneJob(version, jobs[i], *states[i]);
        return true;
      },
      [](const std::function<void()>& stay) {
        const ReceiveBufferReuse reuse;  // one body and index a worker
        stay();
      });
}

std::shared_ptr<const ServerSnapshot> Refresher::Fail(
    const Error& error, Steady::time_point start) {
  const std::string& reason = error.message();
  if (!failing_) {
    Log(LogLevel::kWarn, "refresh failed",
        {{"server", config_.name}, {"error", reason}});
    failing_ = true;
  } else {
    Log(LogLevel::kDebug, "refresh failed again",
        {{"server", config_.name}, {"error", reason}});
  }
  if (observer_ != nullptr) observer_->OnRefreshFailure();
  // up 0, but the job series of the last good refresh stay (dashboards do
  // not blank during an outage; vb365_up says the values are stale).
  auto snap = std::make_shared<ServerSnapshot>(*last_);
  snap->up = false;
  SetJobRuns(&snap->resources);
  snap->last_refresh = options_.now();
  snap->last_error = reason;
  snap->refresh_duration_seconds =
      std::chrono::duration<double>(Steady::now() - start).count();
  Publish(snap);
  return snap;
}

std::vector<Job> Refresher::SelectJobs(std::vector<Job> listed) {
  // Jobs no longer listed (deleted or filtered out) are dropped. An id
  // listed twice is read once (one tracker never runs on two workers).
  std::map<std::string, JobState> kept;
  std::vector<Job> jobs;
  jobs.reserve(listed.size());
  for (Job& job : listed) {
    if (!KeepJob(config_.jobs, job.name) || kept.count(job.id) != 0) continue;
    JobState& state = kept[job.id];
    auto it = jobs_.find(job.id);
    if (it != jobs_.end()) {
      state = std::move(it->second);
      state.tracker->UpdateJob(job);
    } else if (auto saved = restored_.find(job.id); saved != restored_.end()) {
      state.tracker = std::make_unique<JobTracker>(job, saved->second.tracker);
      state.last_read = saved->second.last_read;
      state.restored = true;
    } else {
      state.tracker = std::make_unique<JobTracker>(job);
    }
    jobs.push_back(std::move(job));
  }
  jobs_ = std::move(kept);
  restored_.clear();  // saved jobs not listed now are gone from the server
  return jobs;
}

std::shared_ptr<const ServerSnapshot> Refresher::Succeed(
    ApiVersion version, Steady::time_point start) {
  auto snap = std::make_shared<ServerSnapshot>();
  snap->server = config_.name;
  snap->up = true;
  snap->product_version = product_version_;
  snap->api_version = ApiVersionName(version);
  snap->resources = resources_.Snapshot();
  SetJobRuns(&snap->resources);
  snap->jobs.reserve(jobs_.size());
  for (const auto& [id, state] : jobs_) {
    snap->jobs.push_back(state.tracker->summary());
  }
  std::sort(snap->jobs.begin(), snap->jobs.end(),
            [](const JobSummary& a, const JobSummary& b) {
              if (a.job.name != b.job.name) return a.job.name < b.job.name;
              return a.job.id < b.job.id;
            });
  snap->last_success = options_.now();
  snap->last_refresh = snap->last_success;
  snap->refresh_duration_seconds =
      std::chrono::duration<double>(Steady::now() - start).count();
  if (failing_) {
    Log(LogLevel::kInfo, "refresh succeeded again", {{"server", config_.name}});
    failing_ = false;
  }
  // Saved before it is published: a value Prometheus scraped is on disk, so
  // a crash never makes a counter go back (a restart goes on from the file).
  SaveState();
  Publish(snap);
  return snap;
}

// The jobs' and copy jobs' runs first, then the resource collectors'
// (replacing the ones a failed refresh copied from the last snapshot).
void Refresher::SetJobRuns(ServerResources* resources) const {
  std::vector<CollectorRun> runs;
  if (jobs_runs_.backup) runs.push_back(*jobs_runs_.backup);
  if (jobs_runs_.copy) runs.push_back(*jobs_runs_.copy);
  for (CollectorRun& run : resources->collectors) {
    if (run.name != "jobs" && run.name != "copy_jobs") {
      runs.push_back(std::move(run));
    }
  }
  resources->collectors = std::move(runs);
}

void Refresher::SaveState() {
  if (options_.state == nullptr) return;
  std::vector<SavedJob> saved;
  saved.reserve(jobs_.size());
  for (const auto& [id, state] : jobs_) {
    // A job whose baseline read has not succeeded has nothing to go on from.
    if (state.tracker->applied() == 0) continue;
    saved.push_back(SavedJob{id, state.last_read, state.tracker->SaveState()});
  }
  options_.state->Update(config_.name, config_.url, std::move(saved),
                         resources_.SaveRestores());
}

void Refresher::ListCopyJobs(std::vector<Job>* listed) {
  Result<std::vector<Job>> copies = source_->ListCopyJobs();
  copy_jobs_not_served_ =
      !copies.ok() && copies.error().code() == ErrorCode::kNotFound;
  if (copies.ok()) {
    copy_jobs_ = std::move(*copies);
    copy_jobs_failing_ = false;
  } else if (copies.error().code() == ErrorCode::kNotFound) {
    // The version has no copy jobs (v3 to v5): skipped, logged once.
    if (!copy_jobs_skipped_) {
      Log(LogLevel::kInfo, "copy jobs not served by this API version",
          {{"server", config_.name}});
      copy_jobs_skipped_ = true;
    }
    copy_jobs_.clear();
  } else if (!copy_jobs_failing_) {
    // Once per failure streak: the copy jobs listed last are read again
    // (their series stay; up and the backup jobs are not touched).
    Log(LogLevel::kWarn, "listing copy jobs failed",
        {{"server", config_.name}, {"error", copies.error().message()}});
    copy_jobs_failing_ = true;
  }
  listed->insert(listed->end(), copy_jobs_.begin(), copy_jobs_.end());
}

std::shared_ptr<const ServerSnapshot> Refresher::RefreshOnce() {
  const auto start = Steady::now();
  Result<ApiVersion> version = source_->Version();
  if (!version.ok()) return Fail(version.error().Context("api version"), start);
  if (!have_service_instance_) {
    // Best effort, once: a missing product version is not an outage.
    Result<ServiceInstance> si = source_->GetServiceInstance();
    if (si.ok()) product_version_ = si->version;
    have_service_instance_ = true;
  }

  const bool backup = config_.CollectorEnabled("jobs");
  const bool copy = config_.CollectorEnabled("copy_jobs");
  std::vector<Job> listed;
  double backup_list_seconds = 0;
  double copy_list_seconds = 0;
  if (backup) {
    const auto list_start = Steady::now();
    Result<std::vector<Job>> jobs = source_->ListJobs();
    backup_list_seconds = SecondsSince(list_start);
    if (!jobs.ok()) {
      // The server may have been replaced or downgraded: probe again next
      // time (a fixed api_version is kept by the client).
      source_->ResetVersion();
      have_service_instance_ = false;
      jobs_runs_.backup = CollectorRun{"jobs", false, backup_list_seconds};
      return Fail(jobs.error().Context("list jobs"), start);
    }
    listed = std::move(*jobs);
  }
  if (copy) {
    const auto list_start = Steady::now();
    ListCopyJobs(&listed);
    copy_list_seconds = SecondsSince(list_start);
  }
  double sessions_seconds = 0;
  if (backup || copy) {
    const auto sessions_start = Steady::now();
    const std::vector<Job> jobs = SelectJobs(std::move(listed));
    ReadRecentSessions(*version, jobs);
    ReadSessions(*version, jobs);
    sessions_seconds = SecondsSince(sessions_start);
  }
  RecordJobRuns(backup, copy, backup_list_seconds + sessions_seconds,
                copy_list_seconds + sessions_seconds);
  // The other resources: one failing keeps its last values and leaves up
  // and the jobs as they are.
  resources_.Collect(*version, source_->Resources(), options_.now());
  return Succeed(*version, start);
}

// jobs: /Jobs listed; copy_jobs: /CopyJobs listed (a 404, the version has
// none: no run). A job whose sessions cannot be read keeps its last good
// values and is logged, but does not fail its collector (the listing
// worked). Both durations include the session reads, done by one pool of
// workers for backup and copy jobs together.
void Refresher::RecordJobRuns(bool backup, bool copy, double backup_seconds,
                              double copy_seconds) {
  jobs_runs_.backup.reset();
  if (backup) jobs_runs_.backup = CollectorRun{"jobs", true, backup_seconds};
  jobs_runs_.copy.reset();
  if (copy && !copy_jobs_not_served_) {
    jobs_runs_.copy =
        CollectorRun{"copy_jobs", !copy_jobs_failing_, copy_seconds};
  }
}

}  // namespace vb365
