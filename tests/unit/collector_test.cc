// The snapshot collector and the self metrics, checked on the text output of
// prometheus-cpp's TextSerializer (what Prometheus actually reads).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "model/job_state.h"

namespace vb365 {
namespace {

constexpr char kSeedJobId[] = "b20cedd4-66b2-49b1-86de-a575dc67e83b";

Timestamp T(const char* text) {
  auto t = ParseTimestamp(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(kNoTime);
}

// The seed's example session (tests/fixtures/seed_v3_jobsessions.json).
JobSession SeedSession() {
  JobSession s;
  s.id = ParseId("a8cf9a63-64c3-4748-9c95-b1fbac0cce1d");
  s.job_id = ParseId(kSeedJobId);
  s.creation_time = T("2019-02-04T16:49:22.8529769Z");
  s.end_time = T("2019-02-04T16:50:21.3024288Z");
  s.progress = 1;
  s.status = SessionStatus::kSuccess;
  s.has_statistics = true;
  s.statistics.processing_rate_bytes_ps = 1683256;
  s.statistics.processing_rate_items_ps = 20;
  s.statistics.read_rate_bytes_ps = 5383429;
  s.statistics.write_rate_bytes_ps = 26015396;
  s.statistics.transferred_data_bytes = 98142970;
  s.statistics.processed_objects = 1193;
  s.statistics.bottleneck = Bottleneck::kSource;
  return s;
}

Job MakeJob(const std::string& id, const std::string& name) {
  Job j;
  j.id = id;
  j.key = ParseId(id);
  j.name = name;
  j.backup_type = "EntireOrganization";
  j.repository_id = "repo-1";
  return j;
}

JobSummary Summarize(const Job& job, const std::vector<JobSession>& sessions) {
  JobTracker t(job);
  t.Apply(sessions);
  return t.summary();
}

std::shared_ptr<const ServerSnapshot> Snapshot(
    std::vector<JobSummary> jobs, const std::string& server = "east") {
  auto s = std::make_shared<ServerSnapshot>();
  s->server = server;
  s->up = true;
  s->refresh_duration_seconds = 0.25;
  s->last_success = T("2026-11-29T10:00:00Z");
  s->product_version = "8.1.0.305";
  s->api_version = "v8";
  s->jobs = std::move(jobs);
  return s;
}

std::string Render(const SnapshotCollector& c) {
  return SerializeText(Exposition({}, &c));
}

std::string Render(const prometheus::Collectable& c) {
  return SerializeText(Exposition({&c}));
}

// series text (name{labels}) -> value text, for every sample line.
std::map<std::string, std::string> Samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::string JobLabels(const std::string& name = "Seed",
                      const std::string& id = kSeedJobId) {
  return "server=\"east\",job_id=\"" + id + "\",job_name=\"" + name + "\"";
}

TEST(CollectorTest, SeedSessionRendersWithExactlyItsValues) {
  SnapshotCollector c;
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  auto m = Samples(Render(c));
  const std::string l = "{" + JobLabels() + "}";
  EXPECT_EQ(m["vb365_job_last_session_duration_seconds" + l], "58.4494519");
  EXPECT_EQ(m["vb365_job_last_session_transferred_bytes" + l], "98142970");
  EXPECT_EQ(m["vb365_job_last_session_processing_rate_bytes_per_second" + l],
            "1683256");
  EXPECT_EQ(m["vb365_job_last_session_processing_rate_items_per_second" + l],
            "20");
  EXPECT_EQ(m["vb365_job_last_session_read_rate_bytes_per_second" + l],
            "5383429");
  EXPECT_EQ(m["vb365_job_last_session_write_rate_bytes_per_second" + l],
            "26015396");
  EXPECT_EQ(m["vb365_job_last_session_processed_objects" + l], "1193");
  EXPECT_EQ(m["vb365_job_last_session_start_timestamp_seconds" + l],
            "1549298962.852977");
  EXPECT_EQ(m["vb365_job_last_session_end_timestamp_seconds" + l],
            "1549299021.302429");
  const std::string lb = "{" + JobLabels();
  EXPECT_EQ(m["vb365_job_last_session_status" + lb + ",status=\"Success\"}"],
            "1");
  EXPECT_EQ(m["vb365_job_last_session_status" + lb + ",status=\"Failed\"}"],
            "0");
  EXPECT_EQ(
      m["vb365_job_last_session_bottleneck" + lb + ",bottleneck=\"Source\"}"],
      "1");
  EXPECT_EQ(m["vb365_job_last_session_bottleneck" + lb + ",bottleneck=\"NA\"}"],
            "0");
  EXPECT_EQ(m["vb365_job_last_status_timestamp_seconds" + lb +
              ",status=\"Success\"}"],
            "1549299021.302429");
  EXPECT_EQ(
      m["vb365_job_last_status_timestamp_seconds" + lb + ",status=\"Failed\"}"],
      "0");
  // No lastBackup from the API (v3): the end of the latest Success session.
  EXPECT_EQ(m["vb365_job_last_backup_timestamp_seconds" + l],
            "1549299021.302429");
  EXPECT_EQ(m["vb365_job_running" + l], "0");
  // v3 sends no retryCount.
  EXPECT_EQ(m.count("vb365_job_last_session_retries" + l), 0u);
}

TEST(CollectorTest, PerServerSeriesAndInfo) {
  SnapshotCollector c;
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  auto m = Samples(Render(c));
  EXPECT_EQ(m["vb365_up{server=\"east\"}"], "1");
  EXPECT_EQ(m["vb365_refresh_duration_seconds{server=\"east\"}"], "0.25");
  EXPECT_EQ(m["vb365_refresh_last_success_timestamp_seconds{server=\"east\"}"],
            "1795946400");
  EXPECT_EQ(m["vb365_server_info{server=\"east\",version=\"8.1.0.305\","
              "api_version=\"v8\"}"],
            "1");
  EXPECT_EQ(m["vb365_jobs{server=\"east\"}"], "1");
  EXPECT_EQ(m["vb365_job_info{" + JobLabels() +
              ",backup_type=\"EntireOrganization\",repository_id=\"repo-1\","
              "organization_id=\"\",job_type=\"Backup\",backup_job_id=\"\"}"],
            "1");
}

TEST(CollectorTest, ServerBeforeFirstSuccessHasNoSuccessTimeNorInfo) {
  auto s = std::make_shared<ServerSnapshot>();
  s->server = "west";
  SnapshotCollector c;
  c.Publish(s);
  const std::string text = Render(c);
  auto m = Samples(text);
  EXPECT_EQ(m["vb365_up{server=\"west\"}"], "0");
  EXPECT_EQ(m["vb365_jobs{server=\"west\"}"], "0");
  EXPECT_EQ(text.find("vb365_refresh_last_success_timestamp_seconds{"),
            std::string::npos);
  EXPECT_EQ(text.find("vb365_server_info{"), std::string::npos);
}

TEST(CollectorTest, HelpSaysValuesComeFromTheBackgroundRefresh) {
  SnapshotCollector c;
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  const std::string text = Render(c);
  std::istringstream in(text);
  std::string line;
  int helps = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) != 0) continue;
    ++helps;
    EXPECT_NE(line.find("(from the last background refresh)"),
              std::string::npos)
        << line;
  }
  EXPECT_GT(helps, 20);
}

int CountOnes(const std::map<std::string, std::string>& m,
              const std::string& prefix, int* series) {
  int ones = 0;
  *series = 0;
  for (const auto& [k, v] : m) {
    if (k.rfind(prefix, 0) != 0) continue;
    ++*series;
    if (v == "1") {
      ++ones;
    } else {
      EXPECT_EQ(v, "0") << k;
    }
  }
  return ones;
}

TEST(CollectorTest, StateSetsHaveExactlyOneOneForEveryStatusAndBottleneck) {
  for (int st = 0; st < kSessionStatusCount; ++st) {
    const auto status = static_cast<SessionStatus>(st);
    if (IsActive(status)) continue;
    for (int b = 0; b < kBottleneckCount; ++b) {
      JobSession s = SeedSession();
      s.status = status;
      s.statistics.bottleneck = static_cast<Bottleneck>(b);
      SnapshotCollector c;
      c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {s})}));
      auto m = Samples(Render(c));
      int series = 0;
      EXPECT_EQ(CountOnes(m, "vb365_job_last_session_status{", &series), 1)
          << SessionStatusName(status);
      EXPECT_EQ(series, 7);
      const std::string want = "vb365_job_last_session_status{" + JobLabels() +
                               ",status=\"" +
                               std::string(SessionStatusName(status)) + "\"}";
      EXPECT_EQ(m[want], "1");
      EXPECT_EQ(CountOnes(m, "vb365_job_last_session_bottleneck{", &series), 1);
      EXPECT_EQ(series, 5);
      EXPECT_EQ(
          m["vb365_job_last_session_bottleneck{" + JobLabels() +
            ",bottleneck=\"" +
            std::string(BottleneckName(static_cast<Bottleneck>(b))) + "\"}"],
          "1");
    }
  }
}

TEST(CollectorTest, JobNameWithQuotesBackslashesNewlinesAndUnicodeIsEscaped) {
  const std::string name =
      "Daily \"VIP\" C:\\mail\nsecond line \xC3\x9C\xE6\x97\xA5";
  SnapshotCollector c;
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, name), {SeedSession()})}));
  const std::string text = Render(c);
  const std::string escaped =
      "job_name=\"Daily \\\"VIP\\\" C:\\\\mail\\nsecond line "
      "\xC3\x9C\xE6\x97\xA5\"";
  EXPECT_NE(text.find("vb365_job_running{server=\"east\",job_id=\"" +
                      std::string(kSeedJobId) + "\"," + escaped + "} 0"),
            std::string::npos)
      << text;
  // No raw newline inside a sample line: every line is a comment or a sample.
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    EXPECT_TRUE(line[0] == '#' || line.rfind("vb365_", 0) == 0) << line;
  }
}

TEST(CollectorTest, RunningJobShowsRunningSeriesAndKeepsTheLastFinished) {
  JobSession running;
  running.id = ParseId("11111111-1111-1111-1111-111111111111");
  running.creation_time = T("2019-02-05T16:00:00Z");
  running.status = SessionStatus::kRunning;
  running.progress = 321;
  SnapshotCollector c;
  c.Publish(Snapshot(
      {Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession(), running})}));
  auto m = Samples(Render(c));
  const std::string l = "{" + JobLabels() + "}";
  EXPECT_EQ(m["vb365_job_running" + l], "1");
  EXPECT_EQ(m["vb365_job_running_session_start_timestamp_seconds" + l],
            "1549382400");
  EXPECT_EQ(m["vb365_job_running_session_progress" + l], "321");
  EXPECT_EQ(m["vb365_job_last_session_duration_seconds" + l], "58.4494519");
  EXPECT_EQ(m["vb365_job_last_session_status{" + JobLabels() +
              ",status=\"Success\"}"],
            "1");
}

TEST(CollectorTest, FinishedJobHasNoRunningSessionSeries) {
  SnapshotCollector c;
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  const std::string text = Render(c);
  EXPECT_EQ(text.find("vb365_job_running_session_start_timestamp_seconds{"),
            std::string::npos);
  EXPECT_EQ(text.find("vb365_job_running_session_progress{"),
            std::string::npos);
}

TEST(CollectorTest, UnknownValuesAreAbsentNotZero) {
  // A job whose only session is running, enabled null, no next run.
  JobSession running;
  running.id = ParseId("11111111-1111-1111-1111-111111111111");
  running.creation_time = T("2019-02-05T16:00:00Z");
  running.status = SessionStatus::kQueued;
  SnapshotCollector c;
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {running})}));
  const std::string text = Render(c);
  for (const char* absent :
       {"vb365_job_enabled{", "vb365_job_last_run_timestamp_seconds{",
        "vb365_job_next_run_timestamp_seconds{",
        "vb365_job_last_backup_timestamp_seconds{",
        "vb365_job_last_session_status{",
        "vb365_job_last_session_duration_seconds{",
        "vb365_job_last_session_bottleneck{",
        "vb365_job_last_session_retries{"}) {
    EXPECT_EQ(text.find(absent), std::string::npos) << absent;
  }
  auto m = Samples(text);
  // Per-status end times are 0 (not absent), so "time() - x > 26h" fires.
  EXPECT_EQ(m["vb365_job_last_status_timestamp_seconds{" + JobLabels() +
              ",status=\"Success\"}"],
            "0");
  EXPECT_EQ(m["vb365_job_running{" + JobLabels() + "}"], "1");
}

TEST(CollectorTest, JobFieldsAndRetryCountWhenPresent) {
  Job job = MakeJob(kSeedJobId, "Seed");
  job.is_enabled = false;
  job.last_run = T("2026-11-29T01:00:00Z");
  job.next_run = T("2026-11-30T01:00:00Z");
  job.last_backup = T("2026-11-28T01:00:00Z");
  JobSession s = SeedSession();
  s.retry_count = 2;
  SnapshotCollector c;
  c.Publish(Snapshot({Summarize(job, {s})}));
  auto m = Samples(Render(c));
  const std::string l = "{" + JobLabels() + "}";
  EXPECT_EQ(m["vb365_job_enabled" + l], "0");
  EXPECT_EQ(m["vb365_job_last_run_timestamp_seconds" + l], "1795914000");
  EXPECT_EQ(m["vb365_job_next_run_timestamp_seconds" + l], "1796000400");
  // lastBackup from the API wins over the session fallback.
  EXPECT_EQ(m["vb365_job_last_backup_timestamp_seconds" + l], "1795827600");
  EXPECT_EQ(m["vb365_job_last_session_retries" + l], "2");
}

TEST(CollectorTest, CountersStartAtZeroForEveryStatusAndCount) {
  Job job = MakeJob(kSeedJobId, "Seed");
  JobTracker t(job);
  t.Apply({});
  SnapshotCollector c;
  c.Publish(Snapshot({t.summary()}));
  auto m = Samples(Render(c));
  int series = 0;
  EXPECT_EQ(CountOnes(m, "vb365_job_sessions_total{", &series), 0);
  EXPECT_EQ(series, 7);
  t.Apply({SeedSession()});
  c.Publish(Snapshot({t.summary()}));
  m = Samples(Render(c));
  EXPECT_EQ(
      m["vb365_job_sessions_total{" + JobLabels() + ",status=\"Success\"}"],
      "1");
  EXPECT_EQ(m["vb365_job_transferred_bytes_total{" + JobLabels() + "}"],
            "98142970");
  EXPECT_EQ(m["vb365_job_processed_objects_total{" + JobLabels() + "}"],
            "1193");
  EXPECT_NE(Render(c).find("# TYPE vb365_job_sessions_total counter"),
            std::string::npos);
}

TEST(CollectorTest, DeletedJobDisappearsWithTheNextSnapshot) {
  SnapshotCollector c;
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()}),
                      Summarize(MakeJob("job-2", "Other"), {})}));
  EXPECT_NE(Render(c).find("job_id=\"job-2\""), std::string::npos);
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  const std::string text = Render(c);
  EXPECT_EQ(text.find("job_id=\"job-2\""), std::string::npos);
  EXPECT_NE(text.find(kSeedJobId), std::string::npos);
}

TEST(CollectorTest, SeveralServersShareEachFamilyOnce) {
  SnapshotCollector c;
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})},
                     "east"));
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})},
                     "west"));
  const std::string text = Render(c);
  size_t helps = 0;
  for (size_t p = text.find("# HELP vb365_up "); p != std::string::npos;
       p = text.find("# HELP vb365_up ", p + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, 1u);
  auto m = Samples(text);
  EXPECT_EQ(m["vb365_up{server=\"east\"}"], "1");
  EXPECT_EQ(m["vb365_up{server=\"west\"}"], "1");
  // Publishing again replaces, never duplicates.
  c.Publish(Snapshot({}, "west"));
  m = Samples(Render(c));
  EXPECT_EQ(m["vb365_jobs{server=\"west\"}"], "0");
  EXPECT_EQ(m["vb365_jobs{server=\"east\"}"], "1");
}

// Many jobs (more than one render chunk of 128) on two servers.
std::vector<JobSummary> ManyJobs(int n) {
  std::vector<JobSummary> jobs;
  JobSession running = SeedSession();
  running.status = SessionStatus::kRunning;
  running.end_time = kNoTime;
  for (int i = 0; i < n; ++i) {
    const std::string id = "job-" + std::to_string(1000 + i);
    Job job = MakeJob(id, "Job \"" + std::to_string(i) + "\"\\x\n");
    job.is_enabled = i % 2 == 0;
    job.last_run = T("2026-11-29T09:00:00Z");
    job.next_run = T("2026-11-29T11:00:00Z");
    JobSession s = SeedSession();
    s.job_id = ParseId(id);
    if (i % 3 == 1) s.status = SessionStatus::kFailed;
    s.retry_count = i % 4;
    std::vector<JobSession> sessions = {s};
    if (i % 5 == 0) sessions.push_back(running);
    jobs.push_back(
        Summarize(job, i % 7 == 3 ? std::vector<JobSession>{} : sessions));
  }
  return jobs;
}

// Family names in the order of their # TYPE lines.
std::vector<std::string> TypeLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      out.push_back(line.substr(7, line.find(' ', 7) - 7));
    }
  }
  return out;
}

// promtool check metrics on the text; "" when clean.
std::string Promtool(const std::string& text) {
  char path[] = "/tmp/collector_test_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  FILE* f = fdopen(fd, "w");
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  const std::string cmd =
      std::string("promtool check metrics < ") + path + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  const int rc = p == nullptr ? -1 : pclose(p);
  unlink(path);
  return rc == 0 ? "" : "promtool failed:\n" + out;
}

TEST(CollectorTest, CachedTextOfTwoServersIsTheFreshRenderWithEachFamilyOnce) {
  SnapshotCollector c;
  c.Publish(Snapshot(ManyJobs(300), "east"));
  c.Publish(Snapshot(ManyJobs(130), "west"));
  const std::string cached = *c.Text();
  // What a scrape serves is exactly what rendering the families gives.
  EXPECT_EQ(cached, Render(c));
  EXPECT_EQ(ExpositionText(Exposition({}, &c)), cached);

  const std::vector<std::string> types = TypeLines(cached);
  EXPECT_EQ(std::set<std::string>(types.begin(), types.end()).size(),
            types.size())
      << "a family appears twice";
  EXPECT_EQ(types.size(), c.Collect().size());
  EXPECT_GE(types.size(), 24u);
  size_t helps = 0;
  for (size_t p = cached.find("# HELP "); p != std::string::npos;
       p = cached.find("# HELP ", p + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, types.size());

  // Both servers' jobs are in one family: 300 + 130 job_info series.
  auto m = Samples(cached);
  size_t infos = 0;
  for (const auto& [series, value] : m) {
    if (series.rfind("vb365_job_info{", 0) == 0) ++infos;
  }
  EXPECT_EQ(infos, 430u);
  EXPECT_EQ(m["vb365_jobs{server=\"east\"}"], "300");
  EXPECT_EQ(m["vb365_jobs{server=\"west\"}"], "130");
  EXPECT_EQ(Promtool(cached), "");
}

TEST(CollectorTest,
     PublishReplacesTheCachedTextAndKeepsTheOldOneForItsReaders) {
  SnapshotCollector c;
  EXPECT_EQ(*c.Text(), "");
  c.Publish(Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()}),
                      Summarize(MakeJob("job-2", "Other"), {})}));
  std::shared_ptr<const std::string> before = c.Text();
  EXPECT_NE(before->find("job_id=\"job-2\""), std::string::npos);
  c.Publish(
      Snapshot({Summarize(MakeJob(kSeedJobId, "Seed"), {SeedSession()})}));
  EXPECT_EQ(c.Text()->find("job_id=\"job-2\""), std::string::npos);
  EXPECT_NE(c.Text()->find(kSeedJobId), std::string::npos);
  // A scrape still holding the old text sees it whole.
  EXPECT_NE(before->find("job_id=\"job-2\""), std::string::npos);
}

TEST(CollectorTest, ScrapesDuringPublishGetAWholePageNeverAnEmptyOne) {
  SnapshotCollector c;
  c.Publish(Snapshot(ManyJobs(200), "east"));
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int i = 0; i < 20; ++i) c.Publish(Snapshot(ManyJobs(200 + i), "east"));
    done = true;
  });
  int scrapes = 0;
  while (!done) {
    std::shared_ptr<const std::string> text = c.Text();
    ASSERT_NE(text->find("vb365_up{server=\"east\"} 1"), std::string::npos);
    ASSERT_NE(text->find("# TYPE vb365_job_processed_objects_total counter"),
              std::string::npos);
    ++scrapes;
  }
  publisher.join();
  EXPECT_GT(scrapes, 0);
  EXPECT_EQ(Samples(*c.Text())["vb365_jobs{server=\"east\"}"], "219");
}

TEST(CollectorTest, ExpositionTextPutsTheSelfMetricsAndTheSnapshotsOnOnePage) {
  SelfMetrics self("0.1.0", "abc123");
  self.ForServer("east").OnRefreshFailure();
  SnapshotCollector c;
  c.Publish(Snapshot(ManyJobs(3), "east"));
  const Exposition both({self.registry().get()}, &c);
  const std::string page = ExpositionText(both);
  EXPECT_EQ(page, SerializeText(both));
  EXPECT_EQ(Samples(page)["vb365_refresh_failures_total{server=\"east\"}"],
            "1");
  EXPECT_EQ(Samples(page)["vb365_jobs{server=\"east\"}"], "3");
  EXPECT_EQ(Promtool(page), "");
}

// gzip -dc of `gz` (an independent decoder); "" and *ok false on failure.
std::string Gunzip(const std::string& gz, bool* ok) {
  char path[] = "/tmp/collector_test_gz_XXXXXX";
  const int fd = mkstemp(path);
  *ok = false;
  if (fd < 0) return "";
  FILE* f = fdopen(fd, "w");
  fwrite(gz.data(), 1, gz.size(), f);
  fclose(f);
  const std::string cmd = std::string("gzip -dc < ") + path + " 2>/dev/null";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[65536];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  *ok = p != nullptr && pclose(p) == 0;
  unlink(path);
  return out;
}

TEST(CollectorTest, GzipPageSplicesTheCachedStreamAndDecodesToTheSamePage) {
  SelfMetrics self("0.1.0", "abc123");
  self.ForServer("east").OnRequest("jobs", 200, 0.02, 1000);
  SnapshotCollector c;
  c.Publish(Snapshot(ManyJobs(300), "east"));
  c.Publish(Snapshot(ManyJobs(5), "west"));
  const Exposition both({self.registry().get()}, &c);
  const std::string gz = ExpositionGzip(both).value_or("");
  ASSERT_GT(gz.size(), 18u);
  EXPECT_EQ(gz.substr(0, 3), std::string("\x1f\x8b\x08", 3));
  // Smaller than the text: the cached stream is compressed.
  const std::string text = ExpositionText(both);
  EXPECT_LT(gz.size(), text.size() / 3);
  bool ok = false;
  EXPECT_EQ(Gunzip(gz, &ok), text);
  EXPECT_TRUE(ok) << "gzip -d rejected the stream (CRC or length)";
  // The cached stream is what was spliced in, not a new compression.
  const std::string& deflated = c.CachedPage()->deflated;
  EXPECT_NE(gz.find(deflated), std::string::npos);

  // Other layouts (the snapshots alone, the self metrics alone, nothing)
  // still decode to the text.
  for (const Exposition& list :
       {Exposition({}, &c), Exposition({self.registry().get()}),
        Exposition()}) {
    EXPECT_EQ(Gunzip(ExpositionGzip(list).value_or(""), &ok),
              ExpositionText(list));
    EXPECT_TRUE(ok);
  }
  // Before any Publish: the empty page, still a valid gzip.
  SnapshotCollector empty;
  EXPECT_EQ(Gunzip(ExpositionGzip(Exposition({self.registry().get()}, &empty))
                       .value_or(""),
                   &ok),
            ExpositionText(Exposition({self.registry().get()})));
  EXPECT_TRUE(ok);
}

TEST(SelfMetricsTest, RequestsAuthParseErrorsAndBuildInfo) {
  SelfMetrics self("0.1.0", "abc123");
  ServerSelfMetrics& east = self.ForServer("east");
  EXPECT_EQ(&east, &self.ForServer("east"));
  east.OnRequest("jobs", 200, 0.02, 1000);
  east.OnRequest("jobs", 200, 0.2, 500);
  east.OnRequest("job_sessions", 401, 0.01, 0);
  east.OnRequest("token", 0, 30, 0);
  east.OnAuth("password", true);
  east.OnAuth("refresh_token", false);
  east.OnParseError("job_sessions");
  east.OnRefreshFailure();
  auto m = Samples(Render(*self.registry()));
  EXPECT_EQ(m["vb365_api_requests_total{code=\"200\",endpoint=\"jobs\","
              "server=\"east\"}"],
            "2");
  EXPECT_EQ(m["vb365_api_requests_total{code=\"401\",endpoint=\"job_sessions\","
              "server=\"east\"}"],
            "1");
  EXPECT_EQ(m["vb365_api_requests_total{code=\"error\",endpoint=\"token\","
              "server=\"east\"}"],
            "1");
  EXPECT_EQ(m["vb365_api_response_bytes_total{endpoint=\"jobs\","
              "server=\"east\"}"],
            "1500");
  EXPECT_EQ(m["vb365_api_request_duration_seconds_count{endpoint=\"jobs\","
              "server=\"east\"}"],
            "2");
  EXPECT_EQ(m["vb365_api_request_duration_seconds_bucket{endpoint=\"jobs\","
              "server=\"east\",le=\"0.025\"}"],
            "1");
  EXPECT_EQ(m["vb365_auth_requests_total{grant=\"password\",server=\"east\"}"],
            "1");
  EXPECT_EQ(
      m["vb365_auth_requests_total{grant=\"refresh_token\",server=\"east\"}"],
      "1");
  EXPECT_EQ(m["vb365_auth_failures_total{server=\"east\"}"], "1");
  EXPECT_EQ(m["vb365_parse_errors_total{endpoint=\"job_sessions\","
              "server=\"east\"}"],
            "1");
  EXPECT_EQ(m["vb365_parse_errors_total{endpoint=\"jobs\",server=\"east\"}"],
            "0");
  EXPECT_EQ(m["vb365_refresh_failures_total{server=\"east\"}"], "1");
  EXPECT_EQ(m["vb365_exporter_build_info{revision=\"abc123\","
              "version=\"0.1.0\"}"],
            "1");
  // Unknown endpoint names are folded into "other", not new label values.
  east.OnRequest("something-new", 200, 0.1, 1);
  m = Samples(Render(*self.registry()));
  EXPECT_EQ(m["vb365_api_requests_total{code=\"200\",endpoint=\"other\","
              "server=\"east\"}"],
            "1");
}

}  // namespace
}  // namespace vb365

namespace vb365 {
namespace {

// Coalescing (the exporter's mode): 200 servers publishing render far fewer
// pages than publishes, the page ends with every server's newest snapshot,
// and Remove still returns only once no page shows the server.
TEST(CollectorCoalescingTest,
     ManyPublishesFewRendersTheNewestSetAndRemoveWaits) {
  SnapshotCollectorOptions options;
  options.coalesce = true;
  options.min_spacing = std::chrono::milliseconds(200);
  SnapshotCollector c(options);
  std::vector<std::thread> publishers;
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&c, t] {
      for (int i = 0; i < 50; ++i) {
        c.Publish(Snapshot(ManyJobs(2 + (i == 49 ? 1 : 0)),
                           "s" + std::to_string(t * 50 + i)));
      }
    });
  }
  for (std::thread& p : publishers) p.join();
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    const auto m = Samples(*c.Text());
    size_t servers = 0;
    for (const auto& [series, value] : m) {
      servers += series.rfind("vb365_jobs{", 0) == 0 ? 1 : 0;
    }
    if (servers == 200 || std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto m = Samples(*c.Text());
  EXPECT_EQ(m.at("vb365_jobs{server=\"s49\"}"), "3");
  EXPECT_EQ(m.at("vb365_jobs{server=\"s48\"}"), "2");
  EXPECT_LT(c.Renders(), 50u);  // not one render per publish
  EXPECT_GE(c.Renders(), 1u);
  EXPECT_TRUE(c.Remove("s49"));
  EXPECT_EQ(c.Text()->find("server=\"s49\""), std::string::npos);
  EXPECT_NE(c.Text()->find("server=\"s48\""), std::string::npos);
}

}  // namespace
}  // namespace vb365
