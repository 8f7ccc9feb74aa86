// Issue 11, "ask the backup server once, not once per job": after the first
// refresh, v7/v8 read every job's recent sessions in one paged
// /JobSessions?endTimeLowerBound= read per job type instead of one request
// per job. Through the Refresher, the Client and verified HTTPS against the
// simulator: the request count of a later refresh, counters exact across
// refreshes with the bulk read spread over several (overlapping) pages, the
// running state under both behaviours of bounded reads for backup and copy
// jobs, a job added (its own history-deep first read) and one deleted.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "api/client.h"
#include "api/curl_transport.h"
#include "collection/job_source.h"
#include "collection/refresher.h"
#include "harness.h"
#include "sim_refresher.h"

namespace vb365 {
namespace {

using sim::SimulatorConfig;
using sim::SimulatorProcess;

using sim_refresher::LastSink;

// The exporter's side for one simulated server: jobs and copy jobs only.
struct Exporter {
  explicit Exporter(const SimulatorProcess& sim) {
    config = sim_refresher::JobsConfig(sim, std::chrono::seconds(30));
    transport = std::make_unique<CurlTransport>(
        CurlTransportOptions::FromServer(config));
    client = std::make_unique<Client>(config, transport.get(), nullptr);
    source = std::make_unique<ClientJobSource>(client.get());
    refresher = std::make_unique<Refresher>(config, RefresherOptions{},
                                            source.get(), &sink, nullptr);
  }
  std::shared_ptr<const ServerSnapshot> Refresh() {
    auto snap = refresher->RefreshOnce();
    EXPECT_TRUE(snap->up) << snap->last_error;
    return snap;
  }

  ServerConfig config;
  LastSink sink;
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClientJobSource> source;
  std::unique_ptr<Refresher> refresher;
};

const JobSummary* Find(const ServerSnapshot& snap, const std::string& id) {
  return sim_refresher::FindJob(snap, id);
}

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

uint64_t Count(const JobSummary& s, SessionStatus status) {
  return s.sessions_total[static_cast<size_t>(status)];
}

// Finished sessions counted per job id and status, over the whole snapshot.
std::map<std::string, std::map<SessionStatus, uint64_t>> Counted(
    const ServerSnapshot& snap) {
  std::map<std::string, std::map<SessionStatus, uint64_t>> out;
  for (const JobSummary& s : snap.jobs) {
    for (size_t i = 0; i < s.sessions_total.size(); ++i) {
      if (s.sessions_total[i] != 0) {
        out[s.job.id][static_cast<SessionStatus>(i)] = s.sessions_total[i];
      }
    }
  }
  return out;
}

std::vector<std::string> CopyJobIds(const ServerSnapshot& snap) {
  std::vector<std::string> ids;
  for (const JobSummary& s : snap.jobs) {
    if (s.job.type == JobType::kCopy) ids.push_back(s.job.id);
  }
  return ids;
}

class BulkSessions : public ::testing::TestWithParam<std::string> {};

TEST_P(BulkSessions, LaterRefreshOfAThousandQuietJobsTakesAtMostFiveRequests) {
  SimulatorConfig sc;
  sc.versions = {GetParam()};
  sc.jobs = 1000;
  sc.sessions_per_job = 3;
  sc.extra_args = {"--threads", "16"};
  SimulatorProcess sim(sc);
  Exporter e(sim);
  auto snap = e.Refresh();
  const size_t jobs = static_cast<size_t>(sc.jobs + sc.resources.copy_jobs);
  ASSERT_EQ(snap->jobs.size(), jobs);
  // The first refresh reads each job on its own (session_history deep).
  EXPECT_GE(sim.Stat("requests.job_sessions"), sc.jobs);

  sim.ResetStats();
  snap = e.Refresh();
  ASSERT_EQ(snap->jobs.size(), jobs);
  const int64_t total = sim.Stat("requests.total");
  EXPECT_LE(total, 5) << sim.StatsJson();
  EXPECT_EQ(sim.Stat("requests.jobs"), 1);  // 1,000 jobs: one page
  EXPECT_EQ(sim.Stat("requests.copy_jobs"), 1);
  // One read for the backup jobs, one for the copy jobs, none per job.
  EXPECT_EQ(sim.Stat("requests.job_sessions"), 2);
  EXPECT_EQ(sim.Stat("job_sessions_all_jobs"), 2);
  EXPECT_EQ(sim.Stat("logins"), 0);
  sim.Stop();
}

TEST_P(BulkSessions, SessionsFinishedBetweenRefreshesAreCountedExactlyOnce) {
  SimulatorConfig sc;
  sc.versions = {GetParam()};
  sc.jobs = 12;
  sc.sessions_per_job = 6;
  // Every paged read in pages of 3, each page repeating the last session
  // of the page before: the bulk read spans several overlapping pages.
  sc.faults = {"kind=page_overlap,endpoint=job_sessions,page_size=3"};
  SimulatorProcess sim(sc);
  Exporter e(sim);
  auto snap = e.Refresh();
  EXPECT_TRUE(Counted(*snap).empty());  // the first read is the baseline
  const std::vector<std::string> copies = CopyJobIds(*snap);
  ASSERT_FALSE(copies.empty());

  std::map<std::string, std::map<SessionStatus, uint64_t>> want;
  const std::vector<std::pair<int, std::string>> adds = {
      {0, "Success"}, {5, "Failed"},  {5, "Success"}, {7, "Warning"},
      {7, "Warning"}, {9, "Success"}, {10, "Failed"}, {11, "Success"}};
  auto status_of = [](const std::string& s) {
    return s == "Failed"    ? SessionStatus::kFailed
           : s == "Warning" ? SessionStatus::kWarning
                            : SessionStatus::kSuccess;
  };
  for (const auto& [index, status] : adds) {
    sim.AddSession(sim.JobId(index), status, 30);
    ++want[sim.JobId(index)][status_of(status)];
  }
  sim.AddSession(copies[0], "Success", 30);
  ++want[copies[0]][SessionStatus::kSuccess];
  sim.AddSession(copies[0], "Failed", 30);
  ++want[copies[0]][SessionStatus::kFailed];

  sim.ResetStats();
  snap = e.Refresh();
  EXPECT_EQ(Counted(*snap), want);
  // Only the bulk reads (several pages each), no read of a single job.
  EXPECT_EQ(sim.Stat("requests.job_sessions"),
            sim.Stat("job_sessions_all_jobs"));
  EXPECT_GT(sim.Stat("requests.job_sessions"), 4) << sim.StatsJson();

  // The overlap window reads them again: still counted once.
  snap = e.Refresh();
  EXPECT_EQ(Counted(*snap), want);

  // More finish; each is counted once on top.
  sim.AddSession(sim.JobId(0), "Failed", 30);
  ++want[sim.JobId(0)][SessionStatus::kFailed];
  sim.AddSession(copies[1], "Warning", 30);
  ++want[copies[1]][SessionStatus::kWarning];
  snap = e.Refresh();
  EXPECT_EQ(Counted(*snap), want);
  snap = e.Refresh();
  EXPECT_EQ(Counted(*snap), want);
  sim.Stop();
}

TEST_P(BulkSessions, ANewJobGetsItsOwnDeepFirstReadAndADeletedJobVanishes) {
  SimulatorConfig sc;
  sc.versions = {GetParam()};
  sc.jobs = 8;
  SimulatorProcess sim(sc);
  Exporter e(sim);
  auto snap = e.Refresh();
  const std::string deleted = sim.JobId(1);
  ASSERT_NE(Find(*snap, deleted), nullptr);

  const std::string added = sim.AddJob();
  sim.DeleteJob(deleted);
  sim.ResetStats();
  snap = e.Refresh();
  EXPECT_EQ(Find(*snap, deleted), nullptr);
  const JobSummary* job = Find(*snap, added);
  ASSERT_NE(job, nullptr);
  // Its own read, session_history deep: it finds the last finished session
  // (older than the overlap a bulk read reaches back), and counts nothing.
  EXPECT_EQ(sim.Stat("job_sessions_by_job." + Lower(job->job.id)), 1);
  std::string want_status;
  for (const sim::SimJob& j : sim.Jobs()) {
    if (j.id == added) want_status = j.last_finished_status;
  }
  ASSERT_NE(want_status, "");
  ASSERT_TRUE(job->has_last_finished);
  EXPECT_EQ(SessionStatusName(job->last_finished.status), want_status);
  EXPECT_TRUE(Counted(*snap).empty());
  EXPECT_EQ(sim.Stat("job_sessions_all_jobs"), 2);  // the others: bulk

  // From then on it is part of the bulk read; a new session counts once.
  sim.AddSession(added, "Failed", 30);
  sim.ResetStats();
  const std::string added_id = job->job.id;  // job points into the old snapshot
  snap = e.Refresh();
  EXPECT_EQ(sim.Stat("job_sessions_by_job." + Lower(added_id)), 0);
  job = Find(*snap, added);
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(Count(*job, SessionStatus::kFailed), 1u);
  EXPECT_EQ(job->last_finished.status, SessionStatus::kFailed);
  sim.Stop();
}

INSTANTIATE_TEST_SUITE_P(V7AndV8, BulkSessions, ::testing::Values("v7", "v8"),
                         [](const auto& info) { return info.param; });

// (version, running sessions in bounded reads)
class BulkRunning
    : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(BulkRunning, RunningStateHoldsOnTheBulkPathForBackupAndCopyJobs) {
  const auto& [version, bounded_includes_running] = GetParam();
  SimulatorConfig sc;
  sc.versions = {version};
  sc.jobs = 6;
  sc.running_sessions_in_bounded_reads = bounded_includes_running;
  SimulatorProcess sim(sc);
  Exporter e(sim);
  auto snap = e.Refresh();
  const std::vector<std::string> copies = CopyJobIds(*snap);
  ASSERT_GE(copies.size(), 2u);
  // Job 0 and a copy job that does not run (docs/simulator.md) each start
  // a session after the first refresh, so the bulk read is what sees it.
  const std::string backup = sim.JobId(0);
  std::string copy;
  for (const std::string& id : copies) {
    if (copy.empty() && !Find(*snap, id)->running) copy = id;
  }
  ASSERT_NE(copy, "");
  for (const std::string& id : {backup, copy}) {
    ASSERT_FALSE(Find(*snap, id)->running) << id;
    sim.StartSession(id);
  }
  sim.ResetStats();
  snap = e.Refresh();
  EXPECT_EQ(sim.Stat("job_sessions_all_jobs"), 2);
  // v7 cannot ask for running sessions: when bounded reads leave them out,
  // only the job's lastStatus says it runs (no start time). v8 asks the
  // job that says it runs (status=Running) when the bulk read had none.
  const bool session_seen = bounded_includes_running || version != "v7";
  for (const std::string& id : {backup, copy}) {
    const JobSummary* s = Find(*snap, id);
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->running) << id;
    EXPECT_EQ(s->running_start != kNoTime, session_seen) << id;
    const bool asked = version == "v8" && !bounded_includes_running;
    EXPECT_EQ(sim.Stat("job_sessions_by_job." + Lower(s->job.id)),
              asked ? 1 : 0)
        << id;
  }
  std::map<std::string, uint64_t> before;
  for (const std::string& id : {backup, copy}) {
    before[id] = Count(*Find(*snap, id), SessionStatus::kSuccess);
  }

  // Both finish: counted once each, running goes to 0, and stays counted
  // once over the next refreshes (the overlap reads them again).
  EXPECT_EQ(sim.FinishRunning(backup, "Success"), 1);
  EXPECT_EQ(sim.FinishRunning(copy, "Success"), 1);
  for (int i = 0; i < 3; ++i) {
    snap = e.Refresh();
    for (const std::string& id : {backup, copy}) {
      const JobSummary* s = Find(*snap, id);
      ASSERT_NE(s, nullptr);
      EXPECT_FALSE(s->running) << id;
      EXPECT_EQ(Count(*s, SessionStatus::kSuccess), before[id] + 1) << id;
    }
  }
  sim.Stop();
}

INSTANTIATE_TEST_SUITE_P(VersionsAndBoundedReads, BulkRunning,
                         ::testing::Combine(::testing::Values("v7", "v8"),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return sim_refresher::BoundedReadsName(info);
                         });

}  // namespace
}  // namespace vb365
