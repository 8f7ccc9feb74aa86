// The state file end to end: the real exporter binary against the simulator,
// killed with SIGKILL in the middle of a refresh, in the middle of a state
// write and at random moments, with sessions finishing while it is down;
// after each restart every session the simulator added is counted exactly
// once. And SIGTERM while a refresh is stuck on a dripping server: exit 0
// within 2 s, state file written.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "exporter_process.h"
#include "harness.h"

namespace vb365 {
namespace {

using e2e::ExporterProcess;
using e2e::ReadFile;
using e2e::Samples;
using e2e::WaitFor;
using sim::SimulatorConfig;
using sim::SimulatorProcess;

const std::vector<std::string> kStatuses = {"Success", "Warning", "Failed"};

std::string ConfigFor(const SimulatorProcess& s) {
  std::string user;
  for (char c : s.username()) {  // single-quoted YAML: double the quotes
    user += c;
    if (c == '\'') user += '\'';
  }
  return "refresh_interval: 1s\n"
         "servers:\n"
         "  - name: sim\n"
         "    url: " +
         s.base_url() + "\n    api_version: v8\n    username: '" + user +
         "'\n    password_file: " + s.password_file() +
         "\n    tls:\n      ca_file: " + s.ca_file() +
         "\n    timeout: 10s\n    max_concurrent_requests: 2\n";
}

SimulatorConfig SimConfig() {
  SimulatorConfig c;
  c.versions = {"v8"};
  c.jobs = 3;
  c.sessions_per_job = 6;
  c.exit_after_seconds = 300;
  return c;
}

// vb365_job_sessions_total of one job and status (0 when absent).
uint64_t Total(const Samples& m, const std::string& job,
               const std::string& status) {
  const std::string prefix =
      "vb365_job_sessions_total{server=\"sim\",job_id=\"" + job + "\",";
  const std::string suffix = ",status=\"" + status + "\"}";
  for (auto it = m.lower_bound(prefix);
       it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    const std::string& k = it->first;
    if (k.size() > suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return static_cast<uint64_t>(std::stod(it->second));
    }
  }
  return 0;
}

// What the simulator was asked to add since the baseline: job -> status ->
// count. The exporter's counters must equal it.
using Added = std::map<std::string, std::map<std::string, uint64_t>>;

bool CountersEqual(const Samples& m, const Added& added,
                   const std::vector<sim::SimJob>& jobs) {
  for (const sim::SimJob& j : jobs) {
    for (const std::string& st : kStatuses) {
      uint64_t want = 0;
      auto it = added.find(j.id);
      if (it != added.end() && it->second.count(st) != 0) {
        want = it->second.at(st);
      }
      if (Total(m, j.id, st) != want) return false;
    }
  }
  return true;
}

std::string Describe(const Samples& m, const Added& added,
                     const std::vector<sim::SimJob>& jobs) {
  std::string out;
  for (const sim::SimJob& j : jobs) {
    for (const std::string& st : kStatuses) {
      uint64_t want = 0;
      auto it = added.find(j.id);
      if (it != added.end() && it->second.count(st) != 0)
        want = it->second.at(st);
      out += j.id.substr(0, 8) + " " + st + ": have " +
             std::to_string(Total(m, j.id, st)) + " want " +
             std::to_string(want) + "\n";
    }
  }
  return out;
}

// A directory for the state file that outlives each exporter process.
class StateE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vb365_state_e2e_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    state_ = dir_ + "/state";
  }
  void TearDown() override {
    unsetenv("VB365_TEST_STATE_PAUSE_BEFORE_RENAME_MS");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<ExporterProcess> Start(const SimulatorProcess& s) {
    return std::make_unique<ExporterProcess>(
        ConfigFor(s),
        std::vector<std::string>{"--storage.state-file=" + state_});
  }
  // SIGKILL, then reap it (Stop() only collects the status).
  static void KillNine(std::unique_ptr<ExporterProcess>& e) {
    kill(e->pid(), SIGKILL);
    e->Stop();
    e.reset();
  }
  void Add(const SimulatorProcess& s, const std::string& job,
           const std::string& status) {
    s.AddSession(job, status);
    ++added_[job][status];
  }
  // Waits until the counters equal added_, then for three more refreshes
  // (the same sessions read again) and checks they still do.
  void ExpectCountedOnce(const SimulatorProcess& s, const ExporterProcess& e,
                         const std::vector<sim::SimJob>& jobs) {
    Samples m;
    ASSERT_TRUE(WaitFor([&] {
      m = e.Metrics();
      return m["vb365_up{server=\"sim\"}"] == "1" &&
             CountersEqual(m, added_, jobs);
    })) << Describe(m, added_, jobs)
        << e.Stderr();
    const int64_t start = s.Stat("requests.jobs");
    ASSERT_TRUE(WaitFor([&] { return s.Stat("requests.jobs") >= start + 3; }));
    m = e.Metrics();
    EXPECT_TRUE(CountersEqual(m, added_, jobs)) << Describe(m, added_, jobs);
  }

  std::string dir_, state_;
  Added added_;
};

TEST_F(StateE2E, KillNineMidRefreshAndMidWriteCountsEachSessionOnce) {
  SimulatorProcess s(SimConfig());
  const std::vector<sim::SimJob> jobs = s.Jobs();
  const std::string a = jobs[0].id, b = jobs[1].id, c = jobs[2].id;
  auto e = Start(s);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(state_); }))
      << e->Stderr();
  Add(s, a, "Success");
  ExpectCountedOnce(s, *e, jobs);

  // 1. In the middle of a refresh: the job reads are slow, one is in flight.
  sim::Fault slow;
  slow.kind = "latency";
  slow.endpoint = "job_sessions";
  slow.ms = 3000;
  s.AddFault(slow);
  const int64_t reads = s.Stat("requests.job_sessions");
  ASSERT_TRUE(WaitFor([&] { return s.Stat("requests.job_sessions") > reads; }));
  KillNine(e);
  s.ClearFaults();
  Add(s, a, "Success");  // finished while the exporter is down
  Add(s, b, "Failed");
  e = Start(s);
  ExpectCountedOnce(s, *e, jobs);
  EXPECT_EQ(e->Stop(), 0);

  // 2. In the middle of a state write: after the temporary file, before the
  // rename. The write holds what the first refresh counted (c's Warning),
  // and the file on disk does not: the next start counts it once more, from
  // the old file, so the total is still exactly once.
  Add(s, c, "Warning");
  const std::string before = ReadFile(state_);
  setenv("VB365_TEST_STATE_PAUSE_BEFORE_RENAME_MS", "60000", 1);
  e = Start(s);
  unsetenv("VB365_TEST_STATE_PAUSE_BEFORE_RENAME_MS");
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(state_ + ".tmp"); }))
      << e->Stderr();
  KillNine(e);
  EXPECT_EQ(ReadFile(state_), before) << "the rename must not have happened";
  Add(s, a, "Warning");
  e = Start(s);
  ExpectCountedOnce(s, *e, jobs);
  EXPECT_NE(e->Stderr().find("state file read"), std::string::npos);
  KillNine(e);
}

TEST_F(StateE2E, KillNineAtRandomMomentsNeverLosesOrDoublesASession) {
  SimulatorProcess s(SimConfig());
  const std::vector<sim::SimJob> jobs = s.Jobs();
  auto e = Start(s);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(state_); }))
      << e->Stderr();
  std::mt19937 rng(20261202);
  std::uniform_int_distribution<int> delay_ms(0, 1500), pick(0, 2);
  for (int round = 0; round < 8; ++round) {
    // Sessions finish while it runs and while it is down.
    Add(s, jobs[static_cast<size_t>(pick(rng))].id, kStatuses[pick(rng)]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    KillNine(e);
    Add(s, jobs[static_cast<size_t>(pick(rng))].id, kStatuses[pick(rng)]);
    e = Start(s);
  }
  ExpectCountedOnce(s, *e, jobs);
}

TEST_F(StateE2E, CorruptOrForeignFileIsLoggedOnceAndReplaced) {
  SimulatorProcess s(SimConfig());
  const std::vector<sim::SimJob> jobs = s.Jobs();
  for (const std::string& bad :
       {std::string("vb365_exporter state v1\nserver sim x\nchecksum 0\n"),
        std::string("vb365_exporter state v99\n"), std::string("\0\xff", 2)}) {
    e2e::WriteFile(state_, bad);
    auto e = Start(s);
    ExpectCountedOnce(s, *e, jobs);  // a baseline: nothing counted
    const std::string log = e->Stderr();
    size_t n = 0;
    for (size_t p = log.find("state file ignored"); p != std::string::npos;
         p = log.find("state file ignored", p + 1)) {
      ++n;
    }
    EXPECT_EQ(n, 1u) << log;
    EXPECT_EQ(e->Stop(), 0);
    EXPECT_EQ(ReadFile(state_).rfind("vb365_exporter state v2\n", 0), 0u);
    EXPECT_NE(ReadFile(state_), bad);
  }
}

TEST_F(StateE2E, SigtermDuringAStuckRefreshExitsZeroWithin2sAndWritesState) {
  SimulatorProcess s(SimConfig());
  const std::vector<sim::SimJob> jobs = s.Jobs();
  auto e = Start(s);
  Add(s, jobs[0].id, "Failed");
  ExpectCountedOnce(s, *e, jobs);
  // Every job read now drips one byte a second: a refresh takes minutes.
  sim::Fault drip;
  drip.kind = "drip";
  drip.endpoint = "job_sessions";
  drip.bytes = 1;
  drip.ms = 1000;
  s.AddFault(drip);
  const int64_t reads = s.Stat("requests.job_sessions");
  ASSERT_TRUE(WaitFor([&] { return s.Stat("requests.job_sessions") > reads; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // mid-body
  std::filesystem::remove(state_);  // so the shutdown's write is seen
  const auto t0 = std::chrono::steady_clock::now();
  kill(e->pid(), SIGTERM);
  const int code = e->Stop();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(code, 0);
  std::printf("SIGTERM to exit: %.3f s\n", took);
  const std::string log = e->Stderr();
#ifndef VB365_SANITIZER_BUILD
  EXPECT_LT(took, 2.0) << "seconds from SIGTERM to exit";
  // Stopped cleanly: the transfer was aborted, not left behind by the
  // shutdown's safety net (which also exits 0).
  EXPECT_EQ(log.find("did not stop in time"), std::string::npos) << log;
  EXPECT_NE(log.find("msg=\"stopped\""), std::string::npos) << log;
#else
  // Under ASan or TSan everything runs several times slower, and noticing
  // the abort (libcurl's progress callback, about once a second on an idle
  // transfer) can take longer than the shutdown's 1.5 s for the refreshers:
  // the safety net may then exit. The 2 s bound and the clean stop are
  // proven by the ordinary build (make test); here, the shutdown path's
  // memory and thread safety, a bound of 3 times, exit code 0 and the state
  // file written either way.
  EXPECT_LT(took, 6.0) << "seconds from SIGTERM to exit";
  EXPECT_TRUE(log.find("msg=\"stopped\"") != std::string::npos ||
              log.find("did not stop in time") != std::string::npos)
      << log;
#endif
  const std::string text = ReadFile(state_);
  EXPECT_EQ(text.rfind("vb365_exporter state v2\n", 0), 0u) << text;
  EXPECT_NE(text.find("\nchecksum "), std::string::npos) << text;
  // And the next start goes on from it.
  s.ClearFaults();
  e = Start(s);
  ExpectCountedOnce(s, *e, jobs);
}

}  // namespace
}  // namespace vb365
