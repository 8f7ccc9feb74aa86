// End to end: the real vb365_exporter binary against the real simulator over
// verified HTTPS on loopback, read through its /metrics page like Prometheus
// does. Every wait polls with a deadline; nothing asserts timing. The
// process helpers are in exporter_process.h.
#include <crypt.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "exporter_process.h"
#include "harness.h"

namespace vb365 {
namespace {

namespace fs = std::filesystem;
using e2e::ExporterProcess;
using e2e::ReadFile;
using e2e::Samples;
using e2e::WaitFor;
using e2e::WriteFile;
using sim::SimulatorConfig;
using sim::SimulatorProcess;

constexpr char kSeedJobId[] = "b20cedd4-66b2-49b1-86de-a575dc67e83b";
// The value of a per-job series: `name{server="sim",job_id="ID",...}` with
// `extra` (e.g. status="Success") as its last label, or "" when absent.
std::string JobValue(const Samples& m, const std::string& name,
                     const std::string& job_id, const std::string& extra = "") {
  const std::string prefix =
      name + "{server=\"sim\",job_id=\"" + job_id + "\",job_name=\"";
  const std::string suffix = extra.empty() ? "\"}" : "\"," + extra + "}";
  for (auto it = m.lower_bound(prefix);
       it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    const std::string& k = it->first;
    if (k.size() >= suffix.size() &&
        k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0) {
      // Without extra labels the job_name must be the last label.
      if (extra.empty() && k.find("\",", prefix.size()) != std::string::npos) {
        continue;
      }
      return it->second;
    }
  }
  return "";
}

double Num(const std::string& v) { return v.empty() ? -1 : std::stod(v); }

const std::vector<std::string> kStatuses = {
    "Success",       "Warning",      "Failed", "Stopped",
    "NotConfigured", "Disconnected", "Unknown"};

std::string ConfigFor(const SimulatorProcess& s, const std::string& version,
                      const std::string& extra = "") {
  std::string user;
  for (char c : s.username()) {  // single-quoted YAML: double the quotes
    user += c;
    if (c == '\'') user += '\'';
  }
  return "refresh_interval: 1s\n"
         "servers:\n"
         "  - name: sim\n"
         "    url: " +
         s.base_url() +
         "\n"
         "    api_version: " +
         version +
         "\n"
         "    username: '" +
         user +
         "'\n"
         "    password_file: " +
         s.password_file() +
         "\n"
         "    tls:\n"
         "      ca_file: " +
         s.ca_file() +
         "\n"
         "    timeout: 10s\n"
         "    max_concurrent_requests: 4\n" +
         extra;
}

SimulatorConfig SimConfig(const std::string& version, int jobs,
                          int sessions = 6) {
  SimulatorConfig c;
  c.versions = {version};
  c.jobs = jobs;
  c.sessions_per_job = sessions;
  // The job sets these tests compare are the backup jobs; copy jobs (also
  // vb365_job_* series) are tested in integration_copy_jobs.
  c.resources.copy_jobs = 0;
  c.exit_after_seconds = 300;
  return c;
}

// promtool check metrics on the text; returns its output, "" when clean.
std::string Promtool(const std::string& dir, const std::string& text) {
  const std::string in = dir + "/metrics.txt";
  const std::string out = dir + "/promtool.txt";
  WriteFile(in, text);
  const std::string cmd =
      "promtool check metrics < '" + in + "' > '" + out + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0)
    return "promtool failed (" + std::to_string(rc) + "):\n" + ReadFile(out);
  return "";
}

// The number of distinct job_id values of a family.
std::set<std::string> JobIds(const Samples& m, const std::string& family) {
  std::set<std::string> ids;
  const std::string prefix = family + "{server=\"sim\",job_id=\"";
  for (auto it = m.lower_bound(prefix);
       it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    const size_t end = it->first.find('"', prefix.size());
    ids.insert(it->first.substr(prefix.size(), end - prefix.size()));
  }
  return ids;
}

// Waits for `refreshes` more completed refreshes, seen as requests to /Jobs.
bool WaitRefreshes(const SimulatorProcess& s, int refreshes) {
  const int64_t start = s.Stat("requests.jobs");
  return WaitFor([&] { return s.Stat("requests.jobs") >= start + refreshes; });
}

uint64_t SessionsTotal(const Samples& m, const std::string& job,
                       const std::string& status) {
  const std::string v =
      JobValue(m, "vb365_job_sessions_total", job, "status=\"" + status + "\"");
  return v.empty() ? 0 : static_cast<uint64_t>(std::stod(v));
}

// ---------------------------------------------------------------------------

TEST(ExporterE2E, SeedOnV3ComesOutWithExactlyItsValuesAndPassesPromtool) {
  SimulatorConfig sc = SimConfig("v3", 3);
  sc.fixture_sessions = {{kSeedJobId, std::string(VB365_FIXTURES_DIR) +
                                          "/seed_v3_jobsessions.json"}};
  SimulatorProcess s(sc);
  ExporterProcess e(ConfigFor(s, "auto"));  // probing must find v3
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return !JobValue(m, "vb365_job_last_session_duration_seconds", kSeedJobId)
                .empty();
  })) << e.Stderr();
  EXPECT_EQ(m["vb365_up{server=\"sim\"}"], "1");
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_duration_seconds", kSeedJobId),
            "58.4494519");
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_transferred_bytes", kSeedJobId),
            "98142970");
  EXPECT_EQ(
      JobValue(m, "vb365_job_last_session_processing_rate_bytes_per_second",
               kSeedJobId),
      "1683256");
  EXPECT_EQ(
      JobValue(m, "vb365_job_last_session_processing_rate_items_per_second",
               kSeedJobId),
      "20");
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_read_rate_bytes_per_second",
                     kSeedJobId),
            "5383429");
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_write_rate_bytes_per_second",
                     kSeedJobId),
            "26015396");
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_processed_objects", kSeedJobId),
            "1193");
  EXPECT_EQ(
      JobValue(m, "vb365_job_last_session_start_timestamp_seconds", kSeedJobId),
      "1549298962.852977");
  EXPECT_EQ(
      JobValue(m, "vb365_job_last_session_end_timestamp_seconds", kSeedJobId),
      "1549299021.302429");
  for (const std::string& st : kStatuses) {
    EXPECT_EQ(JobValue(m, "vb365_job_last_session_status", kSeedJobId,
                       "status=\"" + st + "\""),
              st == "Success" ? "1" : "0")
        << st;
  }
  for (const char* b : {"NA", "Detecting", "Source", "Target", "Unknown"}) {
    EXPECT_EQ(JobValue(m, "vb365_job_last_session_bottleneck", kSeedJobId,
                       std::string("bottleneck=\"") + b + "\""),
              std::string(b) == "Source" ? "1" : "0")
        << b;
  }
  EXPECT_EQ(JobValue(m, "vb365_job_running", kSeedJobId), "0");
  bool v3_info = false;
  for (const auto& [series, value] : m) {
    if (series.rfind("vb365_server_info{server=\"sim\",", 0) == 0 &&
        series.find("api_version=\"v3\"") != std::string::npos) {
      v3_info = value == "1";
    }
  }
  EXPECT_TRUE(v3_info);
  EXPECT_EQ(Promtool(e.dir(), e.Scrape()), "");
  // One login serves every refresh: never a login per poll.
  ASSERT_TRUE(WaitRefreshes(s, 3));
  EXPECT_EQ(s.Stat("logins"), 1);
  // The password never reaches the log or the metrics.
  EXPECT_EQ(e.Stderr().find(s.password()), std::string::npos);
  EXPECT_EQ(e.Scrape().find(s.password()), std::string::npos);
  EXPECT_EQ(e.Stop(), 0);
  EXPECT_NE(e.Stderr().find("msg=\"stopped\""), std::string::npos)
      << e.Stderr();
}

TEST(ExporterE2E, V8PagesPast30JobsAndPassesPromtool) {
  SimulatorProcess s(SimConfig("v8", 45, 4));
  ExporterProcess e(ConfigFor(s, "v8"));
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_jobs{server=\"sim\"}"] == "45";
  })) << e.Stderr();
  std::set<std::string> want;
  for (const sim::SimJob& j : s.Jobs()) want.insert(j.id);
  ASSERT_EQ(want.size(), 45u);
  EXPECT_EQ(JobIds(m, "vb365_job_info"), want);
  EXPECT_EQ(JobIds(m, "vb365_job_running"), want);
  EXPECT_EQ(Promtool(e.dir(), e.Scrape()), "");
}

// The resources beyond jobs (issue 9) on the page of the real exporter:
// every collector that the version has reports success, the series of each
// resource are there (the simulator's defaults: 4 repositories, proxies and
// organizations), what the version lacks has no series, promtool is clean.
TEST(ExporterE2E, ResourcesAppearPerVersionAndPassPromtool) {
  for (const std::string version : {"v6", "v8"}) {
    SimulatorProcess s(SimConfig(version, 2, 2));
    ExporterProcess e(ConfigFor(s, version));
    Samples m;
    ASSERT_TRUE(WaitFor([&] {
      m = e.Metrics();
      return m.count(
                 "vb365_collector_success{server=\"sim\",collector="
                 "\"license\"}") > 0;
    })) << e.Stderr();
    std::vector<std::string> collectors = {
        "jobs",    "copy_jobs",     "license",        "repositories",
        "proxies", "organizations", "licensed_users", "restore_sessions"};
    if (version == "v8") collectors.push_back("health");
    for (const std::string& c : collectors) {
      EXPECT_EQ(
          m["vb365_collector_success{server=\"sim\",collector=\"" + c + "\"}"],
          "1")
          << version << " " << c;
    }
    auto count = [&](const std::string& family) {
      int n = 0;
      for (const auto& [series, value] : m) {
        n += series.rfind(family + "{", 0) == 0;
      }
      return n;
    };
    EXPECT_EQ(count("vb365_repository_info"), 4) << version;
    EXPECT_EQ(count("vb365_proxy_up"), 4) << version;
    EXPECT_EQ(count("vb365_organization_info"), 4) << version;
    EXPECT_EQ(count("vb365_organization_users_not_backed_up"), 4) << version;
    EXPECT_EQ(count("vb365_license_status"), 3) << version;
    EXPECT_EQ(count("vb365_restore_sessions_running"), 5) << version;
    EXPECT_EQ(count("vb365_server_healthy"), version == "v8" ? 1 : 0);
    EXPECT_EQ(count("vb365_organization_sync_result"), version == "v8" ? 9 : 0)
        << "v8: 3 organizations with a last sync x 3 results";
    EXPECT_EQ(count("vb365_collector_success"),
              static_cast<int>(collectors.size()));
    EXPECT_EQ(Promtool(e.dir(), e.Scrape()), "") << version;
  }
}

// The standard process_* series describe the exporter's own process: checked
// against what the kernel says about that pid in other files.
TEST(ExporterE2E, ProcessMetricsDescribeTheExporterProcess) {
  SimulatorProcess s(SimConfig("v8", 3));
  const double spawned =
      std::chrono::duration<double>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  ExporterProcess e(ConfigFor(s, "v8"));
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_up{server=\"sim\"}"] == "1";
  })) << e.Stderr();
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds"}) {
    ASSERT_FALSE(m[name].empty()) << name << " missing";
  }
  const double start = std::stod(m["process_start_time_seconds"]);
  EXPECT_NEAR(start, spawned, 30);
  const std::string proc = "/proc/" + std::to_string(e.pid());
  std::istringstream status(ReadFile(proc + "/status"));
  std::string line;
  double vm_rss = -1;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) vm_rss = std::stod(line.substr(6)) * 1024;
  }
  ASSERT_GT(vm_rss, 0);
  EXPECT_NEAR(std::stod(m["process_resident_memory_bytes"]), vm_rss,
              vm_rss * 0.5);
  size_t fds = 0;
  for (const auto& entry : fs::directory_iterator(proc + "/fd")) {
    (void)entry;
    ++fds;
  }
  // Connections come and go between the two reads: near, not equal.
  EXPECT_NEAR(std::stod(m["process_open_fds"]), static_cast<double>(fds), 8);
  EXPECT_GE(std::stod(m["process_max_fds"]), std::stod(m["process_open_fds"]));
  EXPECT_EQ(Promtool(e.dir(), e.Scrape()), "");
}

TEST(ExporterE2E, DeletedJobVanishes) {
  SimulatorProcess s(SimConfig("v8", 5));
  ExporterProcess e(ConfigFor(s, "v8"));
  ASSERT_TRUE(WaitFor([&] {
    return e.Metrics()["vb365_jobs{server=\"sim\"}"] == "5";
  })) << e.Stderr();
  const std::string gone = s.Jobs()[0].id;
  ASSERT_FALSE(JobIds(e.Metrics(), "vb365_job_info").count(gone) == 0);
  s.DeleteJob(gone);
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_jobs{server=\"sim\"}"] == "4";
  }));
  EXPECT_EQ(e.Scrape().find(gone), std::string::npos);
  EXPECT_EQ(JobIds(m, "vb365_job_info").size(), 4u);
}

class ExporterVersionE2E : public ::testing::TestWithParam<std::string> {};

TEST_P(ExporterVersionE2E, RunningSessionShowsWithoutHidingTheLastFinished) {
  SimulatorProcess s(SimConfig(GetParam(), 4));
  ExporterProcess e(ConfigFor(s, GetParam()));
  std::string job;
  for (const sim::SimJob& j : s.Jobs()) {
    if (j.running == 0 && !j.last_finished_status.empty()) job = j.id;
  }
  ASSERT_FALSE(job.empty());
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return JobValue(m, "vb365_job_running", job) == "0";
  })) << e.Stderr();
  const std::string end_before =
      JobValue(m, "vb365_job_last_session_end_timestamp_seconds", job);
  ASSERT_FALSE(end_before.empty());

  s.StartSession(job);
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return JobValue(m, "vb365_job_running", job) == "1";
  })) << e.Stderr();
  EXPECT_GT(Num(JobValue(m, "vb365_job_running_session_start_timestamp_seconds",
                         job)),
            Num(end_before) - 1);
  EXPECT_NE(JobValue(m, "vb365_job_running_session_progress", job), "");
  // The running session hides nothing.
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_end_timestamp_seconds", job),
            end_before);

  ASSERT_EQ(s.FinishRunning(job, "Failed"), 1);
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return JobValue(m, "vb365_job_running", job) == "0";
  }));
  EXPECT_EQ(
      JobValue(m, "vb365_job_last_session_status", job, "status=\"Failed\""),
      "1");
  EXPECT_EQ(
      JobValue(m, "vb365_job_running_session_start_timestamp_seconds", job),
      "");
  // Seen running, then finished: counted once.
  ASSERT_TRUE(WaitRefreshes(s, 2));
  EXPECT_EQ(SessionsTotal(e.Metrics(), job, "Failed"), 1u);
}

TEST_P(ExporterVersionE2E, CountersCountEachSessionOnceAcrossAnOutage) {
  SimulatorProcess s(SimConfig(GetParam(), 3));
  ExporterProcess e(ConfigFor(s, GetParam()));
  const std::vector<sim::SimJob> jobs = s.Jobs();
  const std::string a = jobs[0].id, b = jobs[1].id, c = jobs[2].id;
  ASSERT_TRUE(WaitFor([&] {
    return e.Metrics()["vb365_up{server=\"sim\"}"] == "1";
  })) << e.Stderr();
  ASSERT_TRUE(WaitRefreshes(s, 1));  // past the baseline
  Samples m = e.Metrics();
  // Nothing counted at the baseline (running sessions count when they end,
  // and time is frozen in this simulator).
  for (const std::string& j : {a, b, c}) {
    for (const std::string& st : kStatuses) {
      EXPECT_EQ(SessionsTotal(m, j, st), 0u) << j << " " << st;
    }
  }

  sim::Fault down;
  down.kind = "down";
  s.AddFault(down);
  ASSERT_TRUE(WaitFor([&] {
    return e.Metrics()["vb365_up{server=\"sim\"}"] == "0";
  })) << e.Stderr();
  // The job series stay (last good values) while up is 0.
  EXPECT_NE(JobValue(e.Metrics(), "vb365_job_running", a), "");
  // Sessions that start and finish during the outage.
  auto bytes = [](const std::string& json) {
    return nlohmann::json::parse(json)["statistics"]["transferredDataBytes"]
        .get<int64_t>();
  };
  const int64_t bytes_a =
      bytes(s.AddSession(a, "Success")) + bytes(s.AddSession(a, "Failed"));
  s.AddSession(b, "Warning");
  s.ClearFaults();

  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_up{server=\"sim\"}"] == "1" &&
           SessionsTotal(m, b, "Warning") == 1;
  })) << e.Stderr();
  // A few more refreshes read the same sessions again (v3: the whole
  // history, v8: the overlap window): still counted once.
  ASSERT_TRUE(WaitRefreshes(s, 3));
  m = e.Metrics();
  EXPECT_EQ(SessionsTotal(m, a, "Success"), 1u);
  EXPECT_EQ(SessionsTotal(m, a, "Failed"), 1u);
  EXPECT_EQ(SessionsTotal(m, b, "Warning"), 1u);
  EXPECT_EQ(SessionsTotal(m, b, "Success"), 0u);
  for (const std::string& st : kStatuses)
    EXPECT_EQ(SessionsTotal(m, c, st), 0u);
  EXPECT_EQ(JobValue(m, "vb365_job_transferred_bytes_total", a),
            std::to_string(bytes_a));
  EXPECT_GE(Num(m["vb365_refresh_failures_total{server=\"sim\"}"]), 1);
}

TEST_P(ExporterVersionE2E, ExpiredTokenLogsInOnceAndKeepsUp) {
  SimulatorProcess s(SimConfig(GetParam(), 3));
  ExporterProcess e(ConfigFor(s, GetParam()));
  ASSERT_TRUE(WaitFor([&] {
    return e.Metrics()["vb365_up{server=\"sim\"}"] == "1";
  })) << e.Stderr();
  ASSERT_TRUE(WaitRefreshes(s, 1));
  const int64_t before = s.Stat("logins") + s.Stat("refreshes");
  const int64_t unauthorized = s.Stat("unauthorized");
  s.ExpireAllTokens(/*refresh_tokens_too=*/true);
  ASSERT_TRUE(WaitRefreshes(s, 3));
  EXPECT_GT(s.Stat("unauthorized"), unauthorized);
  // One new token for every worker that saw the 401, and no more.
  EXPECT_EQ(s.Stat("logins") + s.Stat("refreshes"), before + 1);
  EXPECT_TRUE(
      WaitFor([&] { return e.Metrics()["vb365_up{server=\"sim\"}"] == "1"; }));
}

INSTANTIATE_TEST_SUITE_P(Versions, ExporterVersionE2E,
                         ::testing::Values("v3", "v6", "v7", "v8"),
                         [](const auto& info) { return info.param; });

TEST(ExporterE2E, BadPayloadForOneJobKeepsUpAndTheOtherJobs) {
  SimulatorProcess s(SimConfig("v8", 4));
  ExporterProcess e(ConfigFor(s, "v8"));
  const std::vector<sim::SimJob> jobs = s.Jobs();
  const std::string bad = jobs[0].id, good = jobs[1].id;
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return !JobValue(m, "vb365_job_last_session_end_timestamp_seconds", bad)
                .empty();
  })) << e.Stderr();
  const std::string bad_end =
      JobValue(m, "vb365_job_last_session_end_timestamp_seconds", bad);

  sim::Fault f;
  f.kind = "malformed";
  f.endpoint = "job_sessions";
  f.job_id = bad;
  s.AddFault(f);
  s.AddSession(good, "Warning");
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return Num(m["vb365_parse_errors_total{endpoint=\"job_sessions\","
                 "server=\"sim\"}"]) >= 2 &&
           JobValue(m, "vb365_job_last_session_status", good,
                    "status=\"Warning\"") == "1";
  })) << e.Stderr();
  EXPECT_EQ(m["vb365_up{server=\"sim\"}"], "1");
  EXPECT_EQ(m["vb365_jobs{server=\"sim\"}"], "4");
  // The bad job keeps its last good values.
  EXPECT_EQ(JobValue(m, "vb365_job_last_session_end_timestamp_seconds", bad),
            bad_end);
  EXPECT_EQ(JobIds(m, "vb365_job_info").size(), 4u);
  // Logged once for the streak, with the reason.
  const std::string log = e.Stderr();
  size_t n = 0;
  for (size_t p = log.find("reading job sessions failed\"");
       p != std::string::npos;
       p = log.find("reading job sessions failed\"", p + 1)) {
    ++n;
  }
  EXPECT_EQ(n, 1u) << log;
}

TEST(ExporterE2E, TlsAndBasicAuthFromTheWebConfig) {
  SimulatorProcess s(SimConfig("v8", 2));
  // The simulator's throwaway certificate (SAN 127.0.0.1) serves here too.
  char tmpl[] = "/tmp/vb365_e2e_web_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const char* salt = crypt_gensalt("$2b$", 5, nullptr, 0);
  ASSERT_NE(salt, nullptr);
  const std::string hash = crypt("scrape-pw", salt);
  ASSERT_EQ(hash.rfind("$2b$", 0), 0u);
  WriteFile(dir + "/web.yml",
            "tls_server_config:\n"
            "  cert_file: " +
                s.cert_file() +
                "\n"
                "  key_file: " +
                s.key_file() +
                "\n"
                "basic_auth_users:\n"
                "  prometheus: '" +
                hash + "'\n");
  ExporterProcess e(ConfigFor(s, "v8"),
                    {"--web.config.file=" + dir + "/web.yml"});
  httplib::SSLClient c("127.0.0.1", e.port());
  c.set_ca_cert_path(s.ca_file().c_str());
  c.enable_server_certificate_verification(true);
  c.set_connection_timeout(10, 0);
  c.set_read_timeout(10, 0);
  auto anon = c.Get("/metrics");
  ASSERT_TRUE(anon) << httplib::to_string(anon.error()) << e.Stderr();
  EXPECT_EQ(anon->status, 401);
  c.set_basic_auth("prometheus", "wrong");
  EXPECT_EQ(c.Get("/metrics")->status, 401);
  c.set_basic_auth("prometheus", "scrape-pw");
  ASSERT_TRUE(WaitFor([&] {
    auto res = c.Get("/metrics");
    return res && res->status == 200 &&
           res->body.find("vb365_up{server=\"sim\"} 1") != std::string::npos;
  })) << e.Stderr();
  // Plain HTTP gets no metrics.
  EXPECT_EQ(e.Scrape(), "");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(ExporterE2E, ConfigCheckAcceptsGoodAndRejectsBadFiles) {
  char tmpl[] = "/tmp/vb365_e2e_cfg_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  WriteFile(dir + "/pw", "secret\n");
  WriteFile(dir + "/good.yml",
            "servers:\n  - name: a\n    url: https://127.0.0.1:1\n"
            "    username: u\n    password_file: pw\n");
  WriteFile(dir + "/bad.yml",
            "servers:\n  - name: a\n    url: https://127.0.0.1:1\n"
            "    username: u\n    password_file: pw\n"
            "    colour: blue\n");
  auto run = [&](const std::string& file) {
    const std::string cmd = std::string(VB365_EXPORTER_PATH) +
                            " --config.check --config.file=" + dir + "/" +
                            file + " > " + dir + "/out 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("good.yml"), 0) << ReadFile(dir + "/out");
  EXPECT_EQ(run("bad.yml"), 1);
  const std::string out = ReadFile(dir + "/out");
  EXPECT_NE(out.find("bad.yml:6"), std::string::npos) << out;
  EXPECT_NE(out.find("colour"), std::string::npos) << out;
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace vb365
