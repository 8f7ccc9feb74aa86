// The refresh logic against a fake JobSource: filters, lower bounds, failure
// handling (up, kept values, refresh failures), dropped jobs, concurrency.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/collection_adapters.h"
#include "collection/refresher.h"
#include "common/log.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {
namespace {

constexpr Timestamp kNow = 1'800'000'000LL * kTicksPerSecond;

class FakeSource : public JobSource {
 public:
  Result<ApiVersion> Version() override {
    std::lock_guard<std::mutex> l(mu);
    if (down) return Error{ErrorCode::kTransport, "connection refused"};
    return version;
  }
  Result<ServiceInstance> GetServiceInstance() override {
    std::lock_guard<std::mutex> l(mu);
    ++service_instance_calls;
    return ServiceInstance{"8.1.0.305"};
  }
  Result<std::vector<Job>> ListJobs() override {
    std::lock_guard<std::mutex> l(mu);
    if (jobs_fail) return Error{ErrorCode::kHttpStatus, "HTTP 500"};
    return jobs;
  }
  Result<SessionsFetch> ListSessions(const Job& job,
                                     Timestamp lower_bound) override {
    EnterAndMaybeHold();
    std::lock_guard<std::mutex> l(mu);
    bounds[job.id].push_back(lower_bound);
    if (failing_jobs.count(job.id) != 0)
      return Error{ErrorCode::kHttpStatus, "HTTP 500 for job"};
    SessionsFetch f;
    f.sessions = sessions[job.id];
    return f;
  }
  Result<std::vector<Job>> ListCopyJobs() override {
    std::lock_guard<std::mutex> l(mu);
    if (copy_jobs_error) return Error{*copy_jobs_error, "copy jobs failed"};
    return copy_jobs;
  }
  Result<SessionsFetch> ListRunningSessions(const Job& job) override {
    std::lock_guard<std::mutex> l(mu);
    ++running_calls[job.id];
    SessionsFetch f;
    f.sessions = running[job.id];
    return f;
  }
  // With `bulk` set, the read of every job's sessions: the sessions of
  // every job of `type` (job_id set from the map's key), then bulk_extra.
  Result<SessionsFetch> ListRecentSessions(JobType type,
                                           Timestamp lower_bound) override {
    std::lock_guard<std::mutex> l(mu);
    if (!bulk) return Error{ErrorCode::kNotFound, "no bulk read"};
    bulk_bounds[type].push_back(lower_bound);
    if (bulk_fail) return Error{ErrorCode::kHttpStatus, "HTTP 503 for all"};
    std::set<std::string> copies;
    for (const Job& c : copy_jobs) copies.insert(c.id);
    SessionsFetch f;
    for (const auto& [id, list] : sessions) {
      if ((copies.count(id) != 0) != (type == JobType::kCopy)) continue;
      for (JobSession s : list) {
        s.job_id = ParseId(id);
        f.sessions.push_back(s);
      }
    }
    for (const JobSession& s : bulk_extra) f.sessions.push_back(s);
    return f;
  }
  void ResetVersion() override { ++resets; }

  bool bulk = false;
  bool bulk_fail = false;
  std::vector<JobSession> bulk_extra;
  std::map<JobType, std::vector<Timestamp>> bulk_bounds;
  std::mutex mu;
  std::vector<Job> copy_jobs;
  std::optional<ErrorCode> copy_jobs_error;
  std::map<std::string, std::vector<JobSession>> running;
  std::map<std::string, int> running_calls;
  bool down = false;
  bool jobs_fail = false;
  ApiVersion version = ApiVersion::kV8;
  std::vector<Job> jobs;
  std::map<std::string, std::vector<JobSession>> sessions;
  std::set<std::string> failing_jobs;
  std::map<std::string, std::vector<Timestamp>> bounds;
  int service_instance_calls = 0;
  int resets = 0;

  // The gate: with hold set, every ListSessions stays in flight until the
  // test releases the batch it arrived in (ReleaseBatch). Counts what is in
  // flight; the timeouts only stop a broken test from hanging.
  void Hold() {
    std::lock_guard<std::mutex> l(gate_mu_);
    hold_ = true;
  }
  // Waits until `n` requests of the current batch are held; false when more
  // arrive or fewer within `timeout`.
  bool WaitHeld(int n, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> l(gate_mu_);
    gate_cv_.wait_for(l, timeout, [&] { return held_ >= n; });
    return held_ == n;
  }
  void ReleaseBatch() {
    std::lock_guard<std::mutex> l(gate_mu_);
    ++batch_;
    held_ = 0;
    gate_cv_.notify_all();
  }
  void ReleaseAll() {
    std::lock_guard<std::mutex> l(gate_mu_);
    hold_ = false;
    ++batch_;
    held_ = 0;
    gate_cv_.notify_all();
  }
  int held() {
    std::lock_guard<std::mutex> l(gate_mu_);
    return held_;
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> l(gate_mu_);
    return max_in_flight_;
  }

 private:
  void EnterAndMaybeHold() {
    std::unique_lock<std::mutex> l(gate_mu_);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    if (hold_) {
      const uint64_t batch = batch_;
      ++held_;
      gate_cv_.notify_all();
      gate_cv_.wait_for(l, std::chrono::seconds(60),
                        [&] { return batch_ != batch; });
    }
    --in_flight_;
  }

  std::mutex gate_mu_;
  std::condition_variable gate_cv_;
  bool hold_ = false;
  uint64_t batch_ = 0;
  int held_ = 0;  // held requests of the current batch
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// The collector, as the exporter wires it (CollectorSink), counting the
// refreshes that published (the constructor's initial snapshot is not one).
class CountingSink : public SnapshotSink {
 public:
  explicit CountingSink(SnapshotCollector* collector) : inner_(collector) {}
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot) override {
    inner_.Publish(std::move(snapshot));
    ++published_;
  }
  uint64_t refreshes() const {
    const uint64_t n = published_.load();
    return n == 0 ? 0 : n - 1;
  }

 private:
  CollectorSink inner_;
  std::atomic<uint64_t> published_{0};
};

std::vector<JobNameRegex> Regexes(const std::vector<std::string>& texts) {
  std::vector<JobNameRegex> out;
  for (const std::string& t : texts) out.push_back(*JobNameRegex::Compile(t));
  return out;
}

Job MakeJob(const std::string& id, const std::string& name) {
  Job j;
  j.id = id;
  j.key = ParseId(id);
  j.name = name;
  return j;
}

JobSession Finished(uint64_t n, Timestamp created,
                    SessionStatus status = SessionStatus::kSuccess) {
  JobSession s;
  s.id = Id{9, n};
  s.creation_time = created;
  s.end_time = created + 60 * kTicksPerSecond;
  s.status = status;
  s.has_statistics = true;
  s.statistics.transferred_data_bytes = 100;
  return s;
}

JobSession RunningSince(uint64_t n, Timestamp created) {
  JobSession s;
  s.id = Id{9, n};
  s.creation_time = created;
  s.status = SessionStatus::kRunning;
  s.progress = 3;
  return s;
}

class RefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTesting(&log_);
    config_.name = "east";
    config_.max_concurrent_requests = 4;
    config_.session_history = std::chrono::hours(24);
    options_.interval = std::chrono::seconds(60);
    options_.now = [this] { return now_; };
  }
  void TearDown() override { SetLogSinkForTesting(nullptr); }

  std::unique_ptr<Refresher> Make() {
    return std::make_unique<Refresher>(config_, options_, &source_, &sink_,
                                       &observer_);
  }
  std::string Text() {
    return SerializeText(Exposition({self_.registry().get()}, &collector_));
  }

  std::string log_;
  ServerConfig config_;
  RefresherOptions options_;
  Timestamp now_ = kNow;
  FakeSource source_;
  SnapshotCollector collector_;
  SelfMetrics self_{"test", "rev"};
  CountingSink sink_{&collector_};
  MetricsRefreshObserver observer_{&self_.ForServer("east")};
};

TEST_F(RefresherTest, BeforeTheFirstRefreshTheServerIsDownWithNoJobs) {
  auto r = Make();
  auto snap = collector_.Get("east");
  ASSERT_NE(snap, nullptr);
  EXPECT_FALSE(snap->up);
  EXPECT_TRUE(snap->jobs.empty());
}

TEST_F(RefresherTest, PublishesJobsSortedByNameWithVersions) {
  source_.jobs = {MakeJob("j2", "beta"), MakeJob("j1", "alpha"),
                  MakeJob("j3", "Alpha")};
  auto r = Make();
  auto snap = r->RefreshOnce();
  EXPECT_TRUE(snap->up);
  EXPECT_EQ(snap->api_version, "v8");
  EXPECT_EQ(snap->product_version, "8.1.0.305");
  EXPECT_EQ(snap->last_success, kNow);
  ASSERT_EQ(snap->jobs.size(), 3u);
  EXPECT_EQ(snap->jobs[0].job.name, "Alpha");
  EXPECT_EQ(snap->jobs[1].job.name, "alpha");
  EXPECT_EQ(snap->jobs[2].job.name, "beta");
  EXPECT_EQ(collector_.Get("east"), snap);
  r->RefreshOnce();
  EXPECT_EQ(source_.service_instance_calls, 1);  // once, not per refresh
}

TEST_F(RefresherTest, IncludeAndExcludeFiltersFullyMatchTheJobName) {
  config_.jobs.include = Regexes({"Daily.*", "Weekly"});
  config_.jobs.exclude = Regexes({".*Test.*"});
  source_.jobs = {MakeJob("1", "Daily Mail"), MakeJob("2", "Weekly"),
                  MakeJob("3", "Weekly Extra"), MakeJob("4", "Daily Test"),
                  MakeJob("5", "My Daily")};
  auto r = Make();
  auto snap = r->RefreshOnce();
  std::vector<std::string> names;
  for (const auto& j : snap->jobs) names.push_back(j.job.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Daily Mail", "Weekly"}));
  // Filtered jobs are not read at all.
  EXPECT_EQ(source_.bounds.count("3"), 0u);
  EXPECT_EQ(source_.bounds.count("4"), 0u);
}

TEST_F(RefresherTest, V8ReadsSessionHistoryFirstThenFromLastReadMinusOverlap) {
  source_.jobs = {MakeJob("j1", "a")};
  options_.interval = std::chrono::seconds(60);  // overlap: 10 min minimum
  auto r = Make();
  r->RefreshOnce();
  now_ += 60 * kTicksPerSecond;
  r->RefreshOnce();
  const auto& b = source_.bounds["j1"];
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0], kNow - 24LL * 3600 * kTicksPerSecond);
  EXPECT_EQ(b[1], kNow - 600LL * kTicksPerSecond);
}

TEST_F(RefresherTest, OverlapIsTwiceTheIntervalWhenThatIsLonger) {
  source_.jobs = {MakeJob("j1", "a")};
  options_.interval = std::chrono::minutes(15);
  auto r = Make();
  r->RefreshOnce();
  r->RefreshOnce();
  EXPECT_EQ(source_.bounds["j1"][1], kNow - 30LL * 60 * kTicksPerSecond);
}

TEST_F(RefresherTest, V3ToV6IgnoreTheLowerBound) {
  for (ApiVersion v :
       {ApiVersion::kV3, ApiVersion::kV4, ApiVersion::kV5, ApiVersion::kV6}) {
    source_.version = v;
    source_.bounds.clear();
    source_.jobs = {MakeJob("j1", "a")};
    auto r = Make();
    r->RefreshOnce();
    r->RefreshOnce();
    for (Timestamp t : source_.bounds["j1"]) EXPECT_EQ(t, kNoTime);
  }
}

TEST_F(RefresherTest, ListFailureSetsUpZeroCountsAndKeepsTheLastGoodJobs) {
  source_.jobs = {MakeJob("j1", "a")};
  source_.sessions["j1"] = {Finished(1, kNow - kTicksPerSecond * 3600)};
  auto r = Make();
  r->RefreshOnce();
  source_.jobs_fail = true;
  auto snap = r->RefreshOnce();
  EXPECT_FALSE(snap->up);
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_TRUE(snap->jobs[0].has_last_finished);
  EXPECT_EQ(snap->last_success, kNow);  // of the last good refresh
  EXPECT_EQ(source_.resets, 1);
  const std::string text = Text();
  EXPECT_NE(text.find("vb365_up{server=\"east\"} 0"), std::string::npos);
  EXPECT_NE(text.find("vb365_refresh_failures_total{server=\"east\"} 1"),
            std::string::npos);
  // Logged once per failure streak.
  r->RefreshOnce();
  EXPECT_NE(Text().find("vb365_refresh_failures_total{server=\"east\"} 2"),
            std::string::npos);
  size_t warnings = 0;
  for (size_t p = log_.find("refresh failed"); p != std::string::npos;
       p = log_.find("refresh failed", p + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log_;
  EXPECT_NE(log_.find("HTTP 500"), std::string::npos);
  source_.jobs_fail = false;
  EXPECT_TRUE(r->RefreshOnce()->up);
  EXPECT_NE(log_.find("refresh succeeded again"), std::string::npos);
}

TEST_F(RefresherTest, ServerDownBeforeAnySuccessGivesUpZero) {
  source_.down = true;
  auto r = Make();
  auto snap = r->RefreshOnce();
  EXPECT_FALSE(snap->up);
  EXPECT_EQ(snap->last_success, kNoTime);
  EXPECT_NE(log_.find("connection refused"), std::string::npos);
}

TEST_F(RefresherTest, SnapshotSaysWhenItWasRefreshedAndWhyItFailed) {
  source_.jobs = {MakeJob("j1", "a")};
  auto r = Make();
  EXPECT_EQ(collector_.Get("east")->last_refresh, kNoTime);
  auto good = r->RefreshOnce();
  EXPECT_EQ(good->last_refresh, kNow);
  EXPECT_EQ(good->last_error, "");
  now_ = kNow + 90 * kTicksPerSecond;
  source_.down = true;
  auto bad = r->RefreshOnce();
  EXPECT_FALSE(bad->up);
  EXPECT_EQ(bad->last_refresh, now_);  // the failed refresh, not the success
  EXPECT_EQ(bad->last_success, kNow);
  EXPECT_NE(bad->last_error.find("connection refused"), std::string::npos)
      << bad->last_error;
  source_.down = false;
  now_ += 60 * kTicksPerSecond;
  auto again = r->RefreshOnce();
  EXPECT_EQ(again->last_error, "");
  EXPECT_EQ(again->last_refresh, now_);
}

TEST_F(RefresherTest, OneJobFailingKeepsUpAndItsLastGoodValues) {
  source_.jobs = {MakeJob("j1", "a"), MakeJob("j2", "b")};
  source_.sessions["j1"] = {Finished(1, kNow - kTicksPerSecond * 3600)};
  source_.sessions["j2"] = {Finished(2, kNow - kTicksPerSecond * 3600)};
  auto r = Make();
  r->RefreshOnce();
  source_.failing_jobs = {"j1"};
  source_.sessions["j2"].push_back(Finished(3, kNow - kTicksPerSecond * 60));
  auto snap = r->RefreshOnce();
  EXPECT_TRUE(snap->up);
  ASSERT_EQ(snap->jobs.size(), 2u);
  EXPECT_TRUE(snap->jobs[0].has_last_finished);  // j1 kept
  EXPECT_EQ(snap->jobs[0].last_finished.id, (Id{9, 1}));
  EXPECT_EQ(snap->jobs[1].last_finished.id, (Id{9, 3}));  // j2 moved on
  r->RefreshOnce();
  size_t warnings = 0;
  for (size_t p = log_.find("reading job sessions failed");
       p != std::string::npos;
       p = log_.find("reading job sessions failed", p + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log_;
}

TEST_F(RefresherTest, JobsNoLongerListedAreDropped) {
  source_.jobs = {MakeJob("j1", "a"), MakeJob("j2", "b")};
  auto r = Make();
  r->RefreshOnce();
  source_.jobs = {MakeJob("j2", "b")};
  auto snap = r->RefreshOnce();
  ASSERT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(snap->jobs[0].job.id, "j2");
  EXPECT_EQ(Text().find("job_id=\"j1\""), std::string::npos);
}

TEST_F(RefresherTest, CountersFromTheSecondRefreshOn) {
  source_.jobs = {MakeJob("j1", "a")};
  source_.sessions["j1"] = {Finished(1, kNow - kTicksPerSecond * 3600)};
  auto r = Make();
  r->RefreshOnce();
  source_.sessions["j1"].push_back(
      Finished(2, kNow - kTicksPerSecond * 60, SessionStatus::kFailed));
  r->RefreshOnce();
  r->RefreshOnce();
  auto snap = collector_.Get("east");
  EXPECT_EQ(
      snap->jobs[0].sessions_total[static_cast<size_t>(SessionStatus::kFailed)],
      1u);
  EXPECT_EQ(snap->jobs[0]
                .sessions_total[static_cast<size_t>(SessionStatus::kSuccess)],
            0u);
}

TEST_F(RefresherTest, DuplicateJobIdsInTheListAreReadOnce) {
  source_.jobs = {MakeJob("j1", "a"), MakeJob("j1", "a")};
  auto r = Make();
  auto snap = r->RefreshOnce();
  EXPECT_EQ(snap->jobs.size(), 1u);
  EXPECT_EQ(source_.bounds["j1"].size(), 1u);
}

// Every request is held until the test has seen the whole batch in flight:
// exactly max_concurrent_requests at a time (fewer only for the last jobs).
// Too few workers never fill a batch (WaitHeld fails after its guard
// timeout); an extra worker overfills a batch or raises max_in_flight, since
// no held request ends before the test releases it (in practice the first
// batch already fails). No sleeps: the test waits on the gate's counts.
TEST_F(RefresherTest, WorkersNeverExceedMaxConcurrentRequests) {
  constexpr int kJobs = 50, kLimit = 3;
  for (int i = 0; i < kJobs; ++i) {
    source_.jobs.push_back(MakeJob("j" + std::to_string(i), "n"));
  }
  config_.max_concurrent_requests = kLimit;
  auto r = Make();
  source_.Hold();
  std::shared_ptr<const ServerSnapshot> snap;
  std::thread refresh([&] { snap = r->RefreshOnce(); });
  int released = 0;
  while (released < kJobs) {
    const int want = std::min(kLimit, kJobs - released);
    if (!source_.WaitHeld(want, std::chrono::seconds(30))) {
      ADD_FAILURE() << "after " << released << " requests: " << source_.held()
                    << " in flight, want " << want;
      break;
    }
    released += want;
    source_.ReleaseBatch();
  }
  source_.ReleaseAll();  // lets a failed run finish
  refresh.join();
  EXPECT_EQ(source_.max_in_flight(), kLimit);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->jobs.size(), static_cast<size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(source_.bounds["j" + std::to_string(i)].size(), 1u);
  }
}

TEST_F(RefresherTest, StartRefreshesAtOnceAndStopReturnsPromptly) {
  source_.jobs = {MakeJob("j1", "a")};
  options_.interval = std::chrono::hours(1);
  auto r = Make();
  r->Start();
  // Wait (bounded) for the first refresh, which must not wait an interval.
  for (int i = 0; i < 5000 && sink_.refreshes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sink_.refreshes(), 1u);
  // Stop interrupts the hour-long wait.
  EXPECT_TRUE(r->Stop(std::chrono::seconds(30)));
  EXPECT_TRUE(collector_.Get("east")->up);
}

}  // namespace
}  // namespace vb365

namespace vb365 {
namespace {

TEST_F(RefresherTest, CopyJobsAreJobsAndAFailingCopyListKeepsTheLastOnes) {
  source_.jobs = {MakeJob("j1", "backup")};
  Job copy = MakeJob("c1", "copy");
  copy.type = JobType::kCopy;
  copy.backup_job_id = "j1";
  source_.copy_jobs = {copy};
  auto r = Make();
  auto snap = r->RefreshOnce();
  ASSERT_EQ(snap->jobs.size(), 2u);
  EXPECT_EQ(snap->jobs[1].job.type, JobType::kCopy);
  EXPECT_EQ(snap->jobs[1].job.backup_job_id, "j1");
  EXPECT_EQ(source_.bounds.count("c1"), 1u);  // its sessions are read
  source_.copy_jobs_error = ErrorCode::kHttpStatus;
  snap = r->RefreshOnce();
  EXPECT_TRUE(snap->up);
  ASSERT_EQ(snap->jobs.size(), 2u);  // the last good copy jobs stay
  EXPECT_EQ(source_.bounds["c1"].size(), 2u);
  source_.copy_jobs_error = ErrorCode::kNotFound;  // the version has none
  snap = r->RefreshOnce();
  EXPECT_TRUE(snap->up);
  EXPECT_EQ(snap->jobs.size(), 1u);
  config_.collectors = {"jobs"};
  source_.copy_jobs_error.reset();
  snap = Make()->RefreshOnce();
  EXPECT_EQ(snap->jobs.size(), 1u);
}

// vb365_collector_success/_duration_seconds for jobs and copy_jobs too: a
// failing listing sets its collector to 0 (a job whose sessions cannot be
// read keeps its last values but not its collector), a version without
// copy jobs has no copy_jobs series, a failing /Jobs listing sets jobs to 0.
TEST_F(RefresherTest, JobsAndCopyJobsReportTheirCollectorRuns) {
  source_.jobs = {MakeJob("j1", "backup")};
  Job copy = MakeJob("c1", "copy");
  copy.type = JobType::kCopy;
  source_.copy_jobs = {copy};
  auto r = Make();
  auto runs = [&](const ServerSnapshot& snap) {
    std::map<std::string, bool> out;
    for (const CollectorRun& c : snap.resources.collectors) {
      EXPECT_GE(c.duration_seconds, 0.0) << c.name;
      out[c.name] = c.success;
    }
    return out;
  };
  using Runs = std::map<std::string, bool>;
  auto snap = r->RefreshOnce();
  EXPECT_EQ(runs(*snap), (Runs{{"jobs", true}, {"copy_jobs", true}}));
  ASSERT_GE(snap->resources.collectors.size(), 2u);
  EXPECT_EQ(snap->resources.collectors[0].name, "jobs");  // jobs first
  std::string text = Text();
  EXPECT_NE(
      text.find(
          "vb365_collector_success{server=\"east\",collector=\"jobs\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "vb365_collector_success{server=\"east\",collector=\"copy_jobs\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("vb365_collector_duration_seconds{server=\"east\","
                      "collector=\"jobs\"} "),
            std::string::npos);
  EXPECT_NE(text.find("vb365_collector_duration_seconds{server=\"east\","
                      "collector=\"copy_jobs\"} "),
            std::string::npos);

  source_.failing_jobs = {"c1", "j1"};  // sessions fail, listings do not
  EXPECT_EQ(runs(*r->RefreshOnce()),
            (Runs{{"jobs", true}, {"copy_jobs", true}}));
  source_.failing_jobs.clear();
  source_.copy_jobs_error = ErrorCode::kHttpStatus;  // listing fails
  EXPECT_EQ(runs(*r->RefreshOnce()),
            (Runs{{"jobs", true}, {"copy_jobs", false}}));
  source_.copy_jobs_error = ErrorCode::kNotFound;  // the version has none
  EXPECT_EQ(runs(*r->RefreshOnce()), (Runs{{"jobs", true}}));
  EXPECT_EQ(Text().find("collector=\"copy_jobs\""), std::string::npos);
  source_.copy_jobs_error.reset();
  EXPECT_EQ(runs(*r->RefreshOnce()),
            (Runs{{"jobs", true}, {"copy_jobs", true}}));
  source_.jobs_fail = true;  // the server is down: jobs failed
  snap = r->RefreshOnce();
  EXPECT_FALSE(snap->up);
  EXPECT_EQ(runs(*snap), (Runs{{"jobs", false}, {"copy_jobs", true}}));
  EXPECT_NE(
      Text().find(
          "vb365_collector_success{server=\"east\",collector=\"jobs\"} 0"),
      std::string::npos);
  // A collector off in the config has no series.
  config_.collectors = {"jobs"};
  source_.jobs_fail = false;
  EXPECT_EQ(runs(*Make()->RefreshOnce()), (Runs{{"jobs", true}}));
}

TEST_F(RefresherTest, OnV8AJobSayingItRunsWithoutARunningSessionIsAskedForIt) {
  Job says = MakeJob("j1", "says running");
  says.last_status = SessionStatus::kRunning;
  Job seen = MakeJob("j2", "running seen");
  seen.last_status = SessionStatus::kQueued;
  Job idle = MakeJob("j3", "idle");
  idle.last_status = SessionStatus::kSuccess;
  source_.jobs = {says, seen, idle};
  source_.sessions["j1"] = {Finished(1, kNow - 3600 * kTicksPerSecond)};
  source_.sessions["j2"] = {RunningSince(2, kNow - 60 * kTicksPerSecond)};
  source_.running["j1"] = {RunningSince(3, kNow - 120 * kTicksPerSecond)};
  auto r = Make();
  auto snap = r->RefreshOnce();
  EXPECT_EQ(source_.running_calls["j1"], 1);
  EXPECT_EQ(source_.running_calls.count("j2"), 0u);  // one came back
  EXPECT_EQ(source_.running_calls.count("j3"), 0u);  // does not say so
  for (const JobSummary& s : snap->jobs) {
    EXPECT_EQ(s.running, s.job.id != "j3") << s.job.id;
  }
  ASSERT_EQ(snap->jobs[2].job.id, "j1");  // by name: idle, running, says
  EXPECT_EQ(snap->jobs[2].running_start, kNow - 120 * kTicksPerSecond);

  // v7 has no status filter: running from lastStatus alone.
  source_.version = ApiVersion::kV7;
  source_.running_calls.clear();
  snap = Make()->RefreshOnce();
  EXPECT_TRUE(source_.running_calls.empty());
  EXPECT_TRUE(snap->jobs[2].running);
  EXPECT_EQ(snap->jobs[2].running_start, kNoTime);
}

uint64_t Counted(const JobSummary& s) {
  uint64_t n = 0;
  for (uint64_t c : s.sessions_total) n += c;
  return n;
}

const JobSummary* FindJob(const ServerSnapshot& snap, const std::string& id) {
  for (const JobSummary& s : snap.jobs) {
    if (s.job.id == id) return &s;
  }
  return nullptr;
}

TEST_F(RefresherTest, LaterRefreshesOnV7AndV8ReadEveryJobInOneReadPerType) {
  for (ApiVersion v : {ApiVersion::kV7, ApiVersion::kV8}) {
    FakeSource source;
    source.version = v;
    source.bulk = true;
    source.jobs = {MakeJob("j1", "a"), MakeJob("j2", "b")};
    Job copy = MakeJob("c1", "copy");
    copy.type = JobType::kCopy;
    source.copy_jobs = {copy};
    now_ = kNow;
    Refresher r(config_, options_, &source, &sink_, &observer_);
    r.RefreshOnce();  // first reads: each job on its own, history deep
    EXPECT_TRUE(source.bulk_bounds.empty());
    for (const char* id : {"j1", "j2", "c1"}) {
      ASSERT_EQ(source.bounds[id].size(), 1u) << id;
      EXPECT_EQ(source.bounds[id][0], kNow - 24LL * 3600 * kTicksPerSecond);
    }
    now_ += 60 * kTicksPerSecond;
    r.RefreshOnce();
    for (const char* id : {"j1", "j2", "c1"}) {
      EXPECT_EQ(source.bounds[id].size(), 1u) << id << " read on its own";
    }
    for (JobType t : {JobType::kBackup, JobType::kCopy}) {
      ASSERT_EQ(source.bulk_bounds[t].size(), 1u);
      EXPECT_EQ(source.bulk_bounds[t][0], kNow - 600LL * kTicksPerSecond);
    }
  }
  // v3 to v6 keep their per-job reads.
  for (ApiVersion v : {ApiVersion::kV3, ApiVersion::kV5, ApiVersion::kV6}) {
    FakeSource source;
    source.version = v;
    source.bulk = true;
    source.jobs = {MakeJob("j1", "a")};
    Refresher r(config_, options_, &source, &sink_, &observer_);
    r.RefreshOnce();
    r.RefreshOnce();
    EXPECT_TRUE(source.bulk_bounds.empty());
    EXPECT_EQ(source.bounds["j1"].size(), 2u);
  }
}

TEST_F(RefresherTest, BulkSessionsGoToTheirJobAndOthersAreIgnored) {
  config_.jobs.exclude = Regexes({"hidden"});
  source_.bulk = true;
  source_.jobs = {MakeJob("j1", "a"), MakeJob("j2", "b"),
                  MakeJob("j3", "hidden")};
  auto r = Make();
  r->RefreshOnce();  // baseline
  const Timestamp t = kNow + 30 * kTicksPerSecond;
  source_.sessions["j1"] = {
      Finished(1, t),
      Finished(2, t + 90 * kTicksPerSecond, SessionStatus::kFailed)};
  source_.sessions["j2"] = {Finished(3, t)};
  source_.sessions["j3"] = {Finished(4, t)};    // filtered out
  source_.sessions["gone"] = {Finished(5, t)};  // not listed
  JobSession anonymous = Finished(6, t);        // names no job
  source_.bulk_extra = {anonymous};
  now_ += 60 * kTicksPerSecond;
  auto snap = r->RefreshOnce();
  ASSERT_EQ(snap->jobs.size(), 2u);
  EXPECT_EQ(Counted(*FindJob(*snap, "j1")), 2u);
  EXPECT_EQ(FindJob(*snap, "j1")->last_finished.status, SessionStatus::kFailed);
  EXPECT_EQ(Counted(*FindJob(*snap, "j2")), 1u);
  // The overlap reads them again: still counted once.
  now_ += 60 * kTicksPerSecond;
  snap = r->RefreshOnce();
  EXPECT_EQ(Counted(*FindJob(*snap, "j1")), 2u);
  EXPECT_EQ(Counted(*FindJob(*snap, "j2")), 1u);
  EXPECT_EQ(source_.bulk_bounds[JobType::kBackup].size(), 2u);
}

TEST_F(RefresherTest, AFailingBulkReadFallsBackToReadingEachJob) {
  source_.bulk = true;
  source_.jobs = {MakeJob("j1", "a"), MakeJob("j2", "b")};
  auto r = Make();
  r->RefreshOnce();
  source_.bulk_fail = true;
  source_.failing_jobs = {"j2"};  // its own data is what breaks the read
  source_.sessions["j1"] = {Finished(1, kNow + 10 * kTicksPerSecond)};
  for (int i = 0; i < 2; ++i) {
    now_ += 60 * kTicksPerSecond;
    auto snap = r->RefreshOnce();
    EXPECT_TRUE(snap->up);
    ASSERT_EQ(snap->jobs.size(), 2u);
    // j1 is read on its own and counted once; j2 keeps its values.
    EXPECT_EQ(Counted(*FindJob(*snap, "j1")), 1u);
  }
  EXPECT_EQ(source_.bounds["j1"].size(), 3u);
  EXPECT_EQ(source_.bounds["j1"][2],
            kNow + 60 * kTicksPerSecond - 600LL * kTicksPerSecond);
  // One warning for the streak, not one per refresh.
  size_t warnings = 0;
  for (size_t at = log_.find("reading recent job sessions failed");
       at != std::string::npos;
       at = log_.find("reading recent job sessions failed", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log_;
  source_.bulk_fail = false;
  source_.failing_jobs.clear();
  now_ += 60 * kTicksPerSecond;
  auto snap = r->RefreshOnce();
  EXPECT_EQ(Counted(*FindJob(*snap, "j1")), 1u);
  EXPECT_EQ(source_.bounds["j1"].size(), 3u);  // the bulk read again
  // j2's reads failed since the first refresh (kNow): the bulk read
  // reaches back to that read minus the overlap.
  EXPECT_EQ(source_.bulk_bounds[JobType::kBackup].back(),
            kNow - 600LL * kTicksPerSecond);
  EXPECT_NE(log_.find("recent job sessions readable again"), std::string::npos);
}

TEST_F(RefresherTest, ANewJobGetsItsOwnHistoryDeepReadAndThenJoinsTheBulk) {
  source_.bulk = true;
  source_.jobs = {MakeJob("j1", "a")};
  auto r = Make();
  r->RefreshOnce();
  source_.jobs.push_back(MakeJob("j2", "new"));
  source_.sessions["j2"] = {Finished(1, kNow - 3600 * kTicksPerSecond)};
  now_ += 60 * kTicksPerSecond;
  auto snap = r->RefreshOnce();
  ASSERT_EQ(source_.bounds["j2"].size(), 1u);
  EXPECT_EQ(source_.bounds["j2"][0], now_ - 24LL * 3600 * kTicksPerSecond);
  const JobSummary* j2 = FindJob(*snap, "j2");
  ASSERT_NE(j2, nullptr);
  EXPECT_TRUE(j2->has_last_finished);
  EXPECT_EQ(Counted(*j2), 0u);  // its first read is the baseline
  // The bulk read also returned j2's session: j2 was read on its own, so
  // that copy was not applied a second time (the baseline holds).
  now_ += 60 * kTicksPerSecond;
  snap = r->RefreshOnce();
  EXPECT_EQ(source_.bounds["j2"].size(), 1u);  // now in the bulk read
  EXPECT_EQ(Counted(*FindJob(*snap, "j2")), 0u);
  EXPECT_EQ(source_.bulk_bounds[JobType::kBackup].size(), 2u);
}

TEST_F(RefresherTest, OnV8ABulkReadJobSayingItRunsIsAskedForItsRunningOnes) {
  source_.bulk = true;
  Job says = MakeJob("j1", "says running");
  source_.jobs = {says};
  auto r = Make();
  r->RefreshOnce();
  EXPECT_EQ(source_.running_calls.count("j1"), 0u);
  source_.jobs[0].last_status = SessionStatus::kRunning;
  source_.running["j1"] = {RunningSince(3, kNow)};
  now_ += 60 * kTicksPerSecond;
  auto snap = r->RefreshOnce();
  EXPECT_EQ(source_.bulk_bounds[JobType::kBackup].size(), 1u);
  EXPECT_EQ(source_.running_calls["j1"], 1);
  EXPECT_TRUE(snap->jobs[0].running);
  EXPECT_EQ(snap->jobs[0].running_start, kNow);
  // It finishes: counted once, as a pending id.
  source_.jobs[0].last_status = SessionStatus::kSuccess;
  source_.running.clear();
  JobSession done = RunningSince(3, kNow);
  done.end_time = kNow + 100 * kTicksPerSecond;
  done.status = SessionStatus::kSuccess;
  source_.sessions["j1"] = {done};
  now_ += 60 * kTicksPerSecond;
  snap = r->RefreshOnce();
  EXPECT_FALSE(snap->jobs[0].running);
  EXPECT_EQ(Counted(snap->jobs[0]), 1u);
}

}  // namespace
}  // namespace vb365
