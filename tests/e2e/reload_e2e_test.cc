// End to end: the real vb365_exporter binary against real simulators (one
// per server, so that each server's logins are counted on its own): live
// reload over SIGHUP and POST /-/reload, GET /probe, --servers.shard. Every
// wait polls with a deadline; nothing asserts timing.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "exporter_process.h"
#include "harness.h"

namespace vb365 {
namespace {

using e2e::ExporterProcess;
using e2e::Samples;
using e2e::WaitFor;
using e2e::WriteFile;
using sim::SimulatorConfig;
using sim::SimulatorProcess;

std::unique_ptr<SimulatorProcess> StartSim() {
  SimulatorConfig c;
  c.versions = {"v8"};
  c.jobs = 2;
  c.sessions_per_job = 3;
  c.exit_after_seconds = 300;
  // Enough threads for the exporter's keep-alive connections (each holds
  // one: jobs, copy jobs, resources) plus the test's control requests.
  c.extra_args = {"--threads", "16"};
  return std::make_unique<SimulatorProcess>(c);
}

std::string Quoted(const std::string& s) {  // single-quoted YAML
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string ServerEntry(const std::string& name, const SimulatorProcess& s,
                        const std::string& timeout = "10s") {
  return "  - name: " + name + "\n    url: " + s.base_url() +
         "\n    api_version: v8\n    username: " + Quoted(s.username()) +
         "\n    password_file: " + s.password_file() +
         "\n    tls:\n      ca_file: " + s.ca_file() +
         "\n    timeout: " + timeout + "\n";
}

std::string Config(const std::string& entries) {
  return "refresh_interval: 1s\nservers:\n" + entries;
}

// Tokens the simulator has issued (access and refresh), from /_sim/tokens.
size_t IssuedTokens(const SimulatorProcess& s) {
  const std::string body = s.Control("GET", "/_sim/tokens").body;
  size_t n = 0;
  for (size_t p = body.find('"', body.find('[')); p != std::string::npos;
       p = body.find('"', body.find('"', p + 1) + 1)) {
    ++n;
  }
  return n;
}

double Value(const Samples& m, const std::string& series) {
  auto it = m.find(series);
  return it == m.end() ? -1 : std::stod(it->second);
}

bool HasServer(const Samples& m, const std::string& name) {
  const std::string label = "server=\"" + name + "\"";
  for (const auto& [series, value] : m) {
    if (series.find(label) != std::string::npos) return true;
  }
  return false;
}

const char kJobsRequests[] =
    "vb365_api_requests_total{code=\"200\",endpoint=\"jobs\",server=\"a\"}";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + 1)) {
    ++n;
  }
  return n;
}

// Reloads over SIGHUP or POST /-/reload and waits for its outcome's log
// line; returns the HTTP answer ({0, ""} for SIGHUP).
std::pair<int, std::string> Reload(const ExporterProcess& e, bool http) {
  const char kOutcome[] = "msg=\"config reload";
  const size_t before = Count(e.Stderr(), kOutcome);
  std::pair<int, std::string> answer{0, ""};
  if (http) {
    answer = e.Request("POST", "/-/reload");
  } else {
    e.Signal(SIGHUP);
  }
  EXPECT_TRUE(WaitFor([&] { return Count(e.Stderr(), kOutcome) > before; }))
      << e.Stderr();
  return answer;
}

class ReloadE2E : public ::testing::TestWithParam<bool> {};

INSTANTIATE_TEST_SUITE_P(Trigger, ReloadE2E, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "HttpPost" : "Sighup";
                         });

TEST_P(ReloadE2E, KeepsUnchangedServersAppliesTheRestAndRefusesABadFile) {
  const bool http = GetParam();
  auto sa = StartSim(), sb = StartSim(), sc = StartSim();
  ExporterProcess e(Config(ServerEntry("a", *sa) + ServerEntry("b", *sb)),
                    {"--web.enable-lifecycle"});
  Samples m;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_up{server=\"a\"}"] == "1" &&
           m["vb365_up{server=\"b\"}"] == "1" && Value(m, kJobsRequests) >= 2;
  })) << e.Stderr();
  EXPECT_EQ(m["vb365_config_last_reload_successful"], "1");
  ASSERT_EQ(sa->Stat("logins"), 1);
  const size_t a_tokens = IssuedTokens(*sa);
  const double a_requests = Value(m, kJobsRequests);

  // a unchanged, b changed (its timeout), c added.
  WriteFile(e.config_file(),
            Config(ServerEntry("a", *sa) + ServerEntry("b", *sb, "9s") +
                   ServerEntry("c", *sc)));
  auto changed = Reload(e, http);
  if (http) EXPECT_EQ(changed.first, 200) << changed.second;
  ASSERT_TRUE(WaitFor([&] {
    m = e.Metrics();
    return m["vb365_up{server=\"c\"}"] == "1" && sb->Stat("logins") == 2 &&
           Value(m, kJobsRequests) > a_requests;
  })) << e.Stderr();
  EXPECT_NE(e.Stderr().find("msg=\"config reloaded\" added=1 changed=1 "
                            "removed=0 unchanged=1"),
            std::string::npos)
      << e.Stderr();
  // a kept its token and its counters: no new login, no new token, and its
  // request counter went on from where it was (never reset).
  EXPECT_EQ(sa->Stat("logins"), 1);
  EXPECT_EQ(IssuedTokens(*sa), a_tokens);
  EXPECT_EQ(sc->Stat("logins"), 1);

  // b removed: its series are gone once the reload is done.
  WriteFile(e.config_file(),
            Config(ServerEntry("a", *sa) + ServerEntry("c", *sc)));
  auto removed = Reload(e, http);
  if (http) EXPECT_EQ(removed.first, 200) << removed.second;
  m = e.Metrics();
  EXPECT_FALSE(HasServer(m, "b"));
  EXPECT_EQ(m["vb365_up{server=\"a\"}"], "1");
  const double reloaded_at =
      Value(m, "vb365_config_last_reload_success_timestamp_seconds");
  EXPECT_GT(reloaded_at, 1.7e9);

  // A bad file: the running config stays, the reason (file, line, key
  // path) is logged, and answered over HTTP.
  WriteFile(e.config_file(), Config(ServerEntry("a", *sa) + "  - name: d\n"
                                                            "    urll: x\n"));
  auto bad = Reload(e, http);
  if (http) {
    EXPECT_EQ(bad.first, 500);
    EXPECT_NE(bad.second.find("failed to reload config: "), std::string::npos);
    EXPECT_NE(bad.second.find("servers[1].urll: unknown key"),
              std::string::npos)
        << bad.second;
  }
  const std::string log = e.Stderr();
  EXPECT_NE(log.find(std::string("level=error msg=\"config reload failed; the "
                                 "running config stays\" trigger=") +
                     (http ? "/-/reload" : "SIGHUP")),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("vb365_exporter.yml:12: servers[1].urll: unknown key"),
            std::string::npos)
      << log;
  m = e.Metrics();
  EXPECT_EQ(m["vb365_config_last_reload_successful"], "0");
  EXPECT_EQ(Value(m, "vb365_config_last_reload_success_timestamp_seconds"),
            reloaded_at);
  EXPECT_FALSE(HasServer(m, "d"));
  EXPECT_EQ(m["vb365_up{server=\"c\"}"], "1");  // c still runs
  const int64_t c_jobs = sc->Stat("requests.jobs");
  ASSERT_TRUE(WaitFor([&] { return sc->Stat("requests.jobs") > c_jobs; }));

  // Fixed again: the gauge comes back; a and c never logged in again.
  WriteFile(e.config_file(),
            Config(ServerEntry("a", *sa) + ServerEntry("c", *sc)));
  Reload(e, http);
  EXPECT_EQ(e.Metrics()["vb365_config_last_reload_successful"], "1");
  EXPECT_EQ(sa->Stat("logins"), 1);
  EXPECT_EQ(sc->Stat("logins"), 1);
  EXPECT_EQ(e.Stop(), 0);
}

TEST(ReloadEndpointE2E, IsForbiddenWithoutTheLifecycleFlag) {
  auto sa = StartSim();
  ExporterProcess e(Config(ServerEntry("a", *sa)));
  auto [status, body] = e.Request("POST", "/-/reload");
  EXPECT_EQ(status, 403);
  EXPECT_NE(body.find("--web.enable-lifecycle"), std::string::npos) << body;
  EXPECT_EQ(e.Request("GET", "/-/reload").first, 405);
}

TEST(ProbeE2E, ProbeServesOnlyTheTargetsSeries) {
  auto sa = StartSim(), sb = StartSim();
  ExporterProcess e(Config(ServerEntry("a", *sa) + ServerEntry("b", *sb)));
  ASSERT_TRUE(WaitFor([&] {
    Samples m = e.Metrics();
    return m["vb365_up{server=\"a\"}"] == "1" &&
           m["vb365_up{server=\"b\"}"] == "1";
  })) << e.Stderr();
  auto [status, body] = e.Request("GET", "/probe?target=a");
  ASSERT_EQ(status, 200) << body;
  const Samples m = e2e::ParseSamples(body);
  EXPECT_EQ(m.at("vb365_up{server=\"a\"}"), "1");
  EXPECT_GT(Value(m, kJobsRequests), 0);
  for (const auto& [series, value] : m) {
    EXPECT_NE(series.find("server=\"a\""), std::string::npos) << series;
  }
  EXPECT_EQ(body.find("process_"), std::string::npos);
  const std::string in = e.dir() + "/probe.txt";
  WriteFile(in, body);
  EXPECT_EQ(
      std::system(("promtool check metrics < '" + in + "' >/dev/null").c_str()),
      0);
  auto [missing, missing_body] = e.Request("GET", "/probe");
  EXPECT_EQ(missing, 400);
  EXPECT_NE(missing_body.find("target parameter is missing"),
            std::string::npos);
  auto [unknown, unknown_body] = e.Request("GET", "/probe?target=zz");
  EXPECT_EQ(unknown, 400);
  EXPECT_NE(unknown_body.find("unknown target \"zz\""), std::string::npos);
}

TEST(ShardE2E, TwoReplicasSplitTheServersAndNeverShareALogin) {
  // FNV-1a 64 mod 2 (pinned in shard_test): sim-00 -> 1, sim-01 -> 0.
  auto s0 = StartSim(), s1 = StartSim();
  const std::string config =
      Config(ServerEntry("sim-00", *s0) + ServerEntry("sim-01", *s1));
  ExporterProcess r0(config, {"--servers.shard=0/2"});
  ExporterProcess r1(config, {"--servers.shard=1/2"});
  Samples m0, m1;
  ASSERT_TRUE(WaitFor([&] {
    m0 = r0.Metrics();
    m1 = r1.Metrics();
    return m0["vb365_up{server=\"sim-01\"}"] == "1" &&
           m1["vb365_up{server=\"sim-00\"}"] == "1";
  })) << r0.Stderr()
      << r1.Stderr();
  EXPECT_FALSE(HasServer(m0, "sim-00"));
  EXPECT_FALSE(HasServer(m1, "sim-01"));
  EXPECT_EQ(r0.Request("GET", "/probe?target=sim-00").first, 400);
  EXPECT_EQ(s0->Stat("logins"), 1);
  EXPECT_EQ(s1->Stat("logins"), 1);
}

std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  *exit_code = WEXITSTATUS(pclose(p));
  return out;
}

TEST(ShardE2E, ConfigCheckCountsTheServersOfTheShard) {
  char dir[] = "/tmp/vb365_shard_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/c.yml";
  std::string yaml = "servers:\n";
  for (const char* name : {"sim-00", "sim-01", "sim-02", "sim-03"}) {
    yaml += std::string("  - name: ") + name +
            "\n    url: https://127.0.0.1:1\n    username: u\n"
            "    password: p\n";
  }
  WriteFile(file, yaml);
  int rc = -1;
  // FNV-1a 64 mod 2: sim-00 -> 1, sim-01 -> 0, sim-02 -> 1, sim-03 -> 0.
  const std::string out = RunCommand(
      std::string(VB365_EXPORTER_PATH) +
          " --config.check --config.file=" + file + " --servers.shard=1/2",
      &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "config OK: " + file + " (4 servers, 2 on shard 1/2)\n");
  std::filesystem::remove_all(dir);
}

TEST(ShardE2E, BadShardFlagStopsTheStartWithAClearError) {
  int rc = -1;
  const std::string out = RunCommand(
      std::string(VB365_EXPORTER_PATH) + " --servers.shard=2/2", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("flag --servers.shard: invalid value \"2/2\": the index "
                     "I is 0-based and must be below N (0..1)"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace vb365
