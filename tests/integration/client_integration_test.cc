// The real Client + CurlTransport over verified HTTPS against the simulator
// process: version probing, paging, sessions per version, token lifetime,
// 401 and 429 handling, TLS verification, deleted jobs and injected faults.
// Assertions on server behaviour use the simulator's own counters.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "api/client.h"
#include "api/curl_transport.h"
#include "fake_transport.h"  // RecordingObserver
#include "harness.h"

namespace vb365 {
namespace {

using sim::Fault;
using sim::SimulatorConfig;
using sim::SimulatorProcess;
using testing::RecordingObserver;

ApiVersion VersionOf(const std::string& name) { return *ParseApiVersion(name); }

ServerConfig ConfigFor(const SimulatorProcess& sim,
                       ApiVersion version = ApiVersion::kAuto) {
  ServerConfig c;
  c.name = "sim";
  c.url = sim.base_url();
  c.api_version = version;
  c.username = sim.username();
  c.password = Secret(sim.password());
  c.tls.ca_file = sim.ca_file();
  c.timeout = std::chrono::seconds(20);
  c.max_concurrent_requests = 4;
  return c;
}

// A Client with its own transport and observer.
struct Rig {
  Rig(const ServerConfig& config,
      TokenManager::Clock clock = &std::chrono::steady_clock::now)
      : transport(CurlTransportOptions::FromServer(config)),
        client(config, &transport, &observer, std::move(clock)) {}
  CurlTransport transport;
  RecordingObserver observer;
  Client client;
};

Job JobFor(const sim::SimJob& j) {
  Job job;
  job.id = j.id;
  job.key = ParseId(j.id);
  job.name = j.name;
  return job;
}

SimulatorConfig Versions(std::vector<std::string> versions) {
  SimulatorConfig c;
  c.versions = std::move(versions);
  return c;
}

TEST(ClientIntegration, AutoProbeFindsTheNewestServedVersion) {
  {
    SimulatorProcess sim(Versions({"v3", "v6"}));
    Rig rig(ConfigFor(sim));
    Result<ApiVersion> v = rig.client.Version();
    ASSERT_TRUE(v.ok()) << v.error();
    EXPECT_EQ(*v, ApiVersion::kV6);
    // v8 and v7 answered 404 (not served), v6 answered 401.
    EXPECT_EQ(sim.Stat("requests.other"), 2);
    EXPECT_EQ(sim.Stat("status_codes.404"), 2);
    EXPECT_EQ(sim.Stat("requests.service_instance"), 1);
    EXPECT_EQ(sim.Stat("status_codes.401"), 1);
    EXPECT_EQ(sim.Stat("logins"), 0);  // probing needs no token
  }
  {
    SimulatorProcess sim(Versions({"v3"}));
    Rig rig(ConfigFor(sim));
    EXPECT_EQ(*rig.client.Version(), ApiVersion::kV3);
    Result<std::vector<Job>> jobs = rig.client.ListJobs();
    ASSERT_TRUE(jobs.ok()) << jobs.error();
    EXPECT_EQ(jobs->size(), 5u);
  }
}

TEST(ClientIntegration, ProductVersionComesFromServiceInstance) {
  SimulatorProcess sim(Versions({"v8"}));
  Rig rig(ConfigFor(sim));
  Result<ServiceInstance> si = rig.client.GetServiceInstance();
  ASSERT_TRUE(si.ok()) << si.error();
  EXPECT_FALSE(si->version.empty());
}

class PerVersion : public ::testing::TestWithParam<std::string> {};

TEST_P(PerVersion, ListsEveryJobPast30) {
  SimulatorConfig config = Versions({GetParam()});
  config.jobs = 75;
  config.sessions_per_job = 2;
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  std::set<std::string> got, want;
  for (const Job& j : *jobs) got.insert(j.id);
  for (const sim::SimJob& j : sim.Jobs()) want.insert(j.id);
  EXPECT_EQ(got.size(), 75u);
  EXPECT_EQ(got, want);
  EXPECT_EQ(sim.Stat("logins"), 1);
}

TEST_P(PerVersion, ReadsEachJobsSessions) {
  SimulatorConfig config = Versions({GetParam()});
  config.jobs = 4;
  config.sessions_per_job = 40;
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim, VersionOf(GetParam())));
  for (const sim::SimJob& j : sim.Jobs()) {
    Result<SessionsFetch> fetch = rig.client.ListSessions(JobFor(j), kNoTime);
    ASSERT_TRUE(fetch.ok()) << fetch.error();
    EXPECT_EQ(static_cast<int64_t>(fetch->sessions.size()), j.sessions)
        << j.name;
    std::set<Id> ids;
    for (const JobSession& s : fetch->sessions) {
      EXPECT_EQ(s.job_id, ParseId(j.id));
      ids.insert(s.id);
    }
    EXPECT_EQ(ids.size(), fetch->sessions.size()) << "duplicates";
  }
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Stat("antiforgery_missing"), 0);
}

TEST_P(PerVersion, ADeletedJobIsNotFound) {
  SimulatorProcess sim(Versions({GetParam()}));
  Rig rig(ConfigFor(sim, VersionOf(GetParam())));
  sim::SimJob victim = sim.Jobs().at(1);
  sim.DeleteJob(victim.id);
  Result<SessionsFetch> fetch =
      rig.client.ListSessions(JobFor(victim), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().message().rfind("not found", 0), 0u) << fetch.error();
  EXPECT_EQ(fetch.error().code(), ErrorCode::kNotFound);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  for (const Job& j : *jobs) EXPECT_NE(j.id, victim.id);
}

INSTANTIATE_TEST_SUITE_P(Versions, PerVersion,
                         ::testing::Values("v3", "v6", "v7", "v8"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(ClientIntegration, V8PagesThroughMoreJobsThanOnePageHolds) {
  SimulatorConfig config = Versions({"v8"});
  config.jobs = 10500;  // the client asks for 10,000 per page
  config.sessions_per_job = 1;
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  std::set<std::string> ids;
  for (const Job& j : *jobs) ids.insert(j.id);
  EXPECT_EQ(ids.size(), 10500u);
  EXPECT_EQ(sim.Stat("requests.jobs"), 2);
}

TEST(ClientIntegration, V8SessionPagesAndTheLowerBound) {
  SimulatorConfig config = Versions({"v8"});
  config.jobs = 2;
  config.sessions_per_job = 10500;  // pages of 10,000
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  sim::SimJob job = sim.Jobs().at(0);
  Result<SessionsFetch> all = rig.client.ListSessions(JobFor(job), kNoTime);
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(static_cast<int64_t>(all->sessions.size()), job.sessions);
  EXPECT_EQ(sim.Stat("requests.job_sessions"), 2);

  // A bound far in the past filters nothing finished; a bound in the future
  // leaves at most the running sessions. Both must be accepted by the server
  // (a badly formatted bound is a 400).
  Timestamp past = *ParseTimestamp("2000-01-01T00:00:00Z");
  Result<SessionsFetch> since = rig.client.ListSessions(JobFor(job), past);
  ASSERT_TRUE(since.ok()) << since.error();
  size_t finished = 0;
  for (const JobSession& s : all->sessions) finished += s.finished();
  EXPECT_GE(since->sessions.size(), finished);
  Timestamp future = *ParseTimestamp("2999-01-01T00:00:00.1234567Z");
  Result<SessionsFetch> none = rig.client.ListSessions(JobFor(job), future);
  ASSERT_TRUE(none.ok()) << none.error();
  for (const JobSession& s : none->sessions) EXPECT_FALSE(s.finished());
}

TEST(ClientIntegration, OneLoginServesManyConcurrentRequests) {
  SimulatorConfig config = Versions({"v8"});
  config.jobs = 40;
  config.sessions_per_job = 20;
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  std::atomic<int> failures{0};
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < jobs->size();) {
        if (!rig.client.ListSessions((*jobs)[i], kNoTime).ok()) ++failures;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Stat("requests.token"), 1);
  EXPECT_EQ(sim.Stat("requests.job_sessions"), 40);
  EXPECT_EQ(rig.observer.CountRequests("job_sessions"), 40);
}

// Drives token expiry from a clock the test owns; the simulator's tokens
// live long enough that only the client's own schedule matters.
TEST(ClientIntegration, RefreshesBeforeExpiryInsteadOfLoggingInPerRequest) {
  SimulatorConfig config = Versions({"v8"});
  config.token_lifetime_seconds = 600;
  SimulatorProcess sim(config);
  auto now = std::make_shared<std::chrono::steady_clock::time_point>(
      std::chrono::steady_clock::now());
  Rig rig(ConfigFor(sim, ApiVersion::kV8), [now] { return *now; });
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(rig.client.ListJobs().ok());
    *now += std::chrono::seconds(60);  // 5 polls in 300 s: no renewal
  }
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Stat("refreshes"), 0);
  *now += std::chrono::seconds(245);  // 545 s: less than 60 s left
  ASSERT_TRUE(rig.client.ListJobs().ok());
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Stat("refreshes"), 1);
  EXPECT_EQ(sim.Stat("unauthorized"), 0);
}

// The simulator's short lifetime really runs out: the client renews on its
// own schedule (refresh grant), never per request, and never sees a 401.
TEST(ClientIntegration, ShortServerLifetimeIsRenewedWithTheRefreshGrant) {
  SimulatorConfig config = Versions({"v8"});
  config.token_lifetime_seconds = 2;
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  ASSERT_TRUE(rig.client.ListJobs().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(rig.client.ListJobs().ok());
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_GE(sim.Stat("refreshes"), 1);
  EXPECT_LE(sim.Stat("requests.token"), 3);
}

TEST(ClientIntegration, ReLogsInOnceAfterTheServerDropsEveryToken) {
  SimulatorProcess sim(Versions({"v8"}));
  Rig rig(ConfigFor(sim, ApiVersion::kV8));  // no probe: its 401 would count
  ASSERT_TRUE(rig.client.ListJobs().ok());
  sim.ExpireAllTokens(/*refresh_tokens_too=*/true);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(sim.Stat("logins"), 2);
  EXPECT_EQ(sim.Stat("unauthorized"), 1);
  EXPECT_EQ(sim.Stat("requests.jobs"), 3);
  EXPECT_EQ(rig.observer.auths.back(),
            std::make_pair(std::string("password"), true));
}

TEST(ClientIntegration, ThrottledTokenEndpointIsNotHammered) {
  SimulatorConfig config = Versions({"v8"});
  config.token_rate_limit = 1;  // per minute
  SimulatorProcess sim(config);
  Rig first(ConfigFor(sim));
  ASSERT_TRUE(first.client.ListJobs().ok());

  Rig second(ConfigFor(sim));  // a second exporter: its login is throttled
  Result<std::vector<Job>> jobs = second.client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("429"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().code(), ErrorCode::kThrottled);
  EXPECT_EQ(sim.Stat("throttled"), 1);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(second.client.ListJobs().ok());
  EXPECT_EQ(sim.Stat("requests.token"), 2);  // back-off: no more logins
  EXPECT_EQ(sim.Stat("requests.jobs"), 1);
  // The first client is unaffected: it never needed another login.
  ASSERT_TRUE(first.client.ListJobs().ok());
}

TEST(ClientIntegration, BadPasswordGivesTheServersReasonWithoutThePassword) {
  SimulatorProcess sim(Versions({"v7"}));
  ServerConfig config = ConfigFor(sim);
  config.password = Secret("Wrong-Pa55-\\-secret");
  Rig rig(config);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("invalid_grant"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().message().find("Wrong-Pa55"), std::string::npos);
  EXPECT_EQ(jobs.error().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(sim.Stat("login_failures"), 1);
}

std::string MakeOtherCa() {
  char tmpl[] = "/tmp/vb365_otherca.XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) return "";
  std::string cmd = "bash '" + sim::GenCertsScriptPath() + "' '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) return "";
  return dir;
}

TEST(ClientIntegration, TlsVerificationRejectsAServerSignedByAnotherCa) {
  SimulatorProcess sim(Versions({"v8"}));
  std::string other = MakeOtherCa();
  ASSERT_FALSE(other.empty());
  ServerConfig config = ConfigFor(sim);
  config.tls.ca_file = other + "/ca.pem";
  Rig rig(config);
  Result<ApiVersion> v = rig.client.Version();
  std::filesystem::remove_all(other);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("curl error 60"), std::string::npos)
      << v.error();
  EXPECT_EQ(v.error().code(), ErrorCode::kTransport);
  EXPECT_EQ(sim.Stat("requests.total"), 0);
  EXPECT_EQ(rig.observer.requests.back().code, 0);
}

TEST(ClientIntegration, TheSystemTrustStoreDoesNotTrustTheTestCa) {
  SimulatorProcess sim(Versions({"v8"}));
  ServerConfig config = ConfigFor(sim);
  config.tls.ca_file.clear();
  Rig rig(config);
  Result<ApiVersion> v = rig.client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("certificate"), std::string::npos)
      << v.error();
}

TEST(ClientIntegration, InsecureSkipVerifyConnectsWithoutTheCa) {
  SimulatorProcess sim(Versions({"v8"}));
  ServerConfig config = ConfigFor(sim);
  config.tls.ca_file.clear();
  config.tls.insecure_skip_verify = true;
  Rig rig(config);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(jobs->size(), 5u);
}

TEST(ClientIntegration, FaultsAreErrorsAndTheClientRecovers) {
  SimulatorProcess sim(Versions({"v8"}));
  Rig rig(ConfigFor(sim));
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  const Job& job = jobs->at(0);

  struct Case {
    std::string kind;
    std::string expect;  // part of the error
    ErrorCode code;
  };
  for (const Case& c :
       std::vector<Case>{{"http_error", "HTTP 500", ErrorCode::kHttpStatus},
                         {"reset", "curl error", ErrorCode::kTransport},
                         {"malformed", "malformed", ErrorCode::kMalformed},
                         {"truncated", "malformed", ErrorCode::kMalformed}}) {
    Fault fault;
    fault.kind = c.kind;
    fault.endpoint = "job_sessions";
    fault.count = 1;
    sim.AddFault(fault);
    Result<SessionsFetch> fetch = rig.client.ListSessions(job, kNoTime);
    ASSERT_FALSE(fetch.ok()) << c.kind;
    EXPECT_NE(fetch.error().message().find(c.expect), std::string::npos)
        << c.kind << ": " << fetch.error();
    EXPECT_EQ(fetch.error().code(), c.code) << c.kind << ": " << fetch.error();
    // The fault was used up: the next read works on the same connection pool.
    Result<SessionsFetch> again = rig.client.ListSessions(job, kNoTime);
    ASSERT_TRUE(again.ok()) << c.kind << ": " << again.error();
  }
  EXPECT_EQ(rig.observer.parse_errors.size(), 2u);
  EXPECT_EQ(sim.Stat("logins"), 1);
}

TEST(ClientIntegration, ASlowAnswerTimesOutAndTheNextRequestWorks) {
  SimulatorProcess sim(Versions({"v8"}));
  ServerConfig config = ConfigFor(sim, ApiVersion::kV8);
  config.timeout = std::chrono::seconds(1);
  Rig rig(config);
  ASSERT_TRUE(rig.client.ListJobs().ok());
  Fault slow;
  slow.kind = "latency";
  slow.endpoint = "jobs";
  slow.ms = 3000;
  slow.count = 1;
  sim.AddFault(slow);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("curl error 28"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().code(), ErrorCode::kTransport);
  EXPECT_TRUE(rig.client.ListJobs().ok());
}

TEST(ClientIntegration, AnApiThatAnswers503IsAnErrorWithTheStatus) {
  SimulatorProcess sim(Versions({"v8"}));
  Rig rig(ConfigFor(sim, ApiVersion::kV8));
  ASSERT_TRUE(rig.client.ListJobs().ok());
  Fault down;
  down.kind = "down";
  down.endpoint = "jobs";
  sim.AddFault(down);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("HTTP 503"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().code(), ErrorCode::kHttpStatus);
  sim.ClearFaults();
  EXPECT_TRUE(rig.client.ListJobs().ok());
  EXPECT_EQ(sim.Stat("logins"), 1);
}

TEST(ClientIntegration, AServerThatIsDownIsAnError) {
  SimulatorProcess sim(Versions({"v8"}));
  ServerConfig config = ConfigFor(sim);
  sim.Stop();
  Rig rig(config);
  Result<std::vector<Job>> jobs = rig.client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("curl error"), std::string::npos)
      << jobs.error();
}

TEST(ClientIntegration, TheSeedPayloadParsesToItsValues) {
  SimulatorConfig config = Versions({"v3"});
  const std::string job_id = "b20cedd4-66b2-49b1-86de-a575dc67e83b";
  config.fixture_sessions.emplace_back(
      job_id, std::string(VB365_FIXTURES_DIR) + "/seed_v3_jobsessions.json");
  SimulatorProcess sim(config);
  Rig rig(ConfigFor(sim));
  Job job;
  job.id = job_id;
  job.key = ParseId(job_id);
  Result<SessionsFetch> fetch = rig.client.ListSessions(job, kNoTime);
  ASSERT_TRUE(fetch.ok()) << fetch.error();
  ASSERT_EQ(fetch->sessions.size(), 1u);
  const JobSession& s = fetch->sessions[0];
  EXPECT_EQ(s.status, SessionStatus::kSuccess);
  EXPECT_EQ(s.end_time - s.creation_time, 584494519);  // 58.4494519 s
  EXPECT_EQ(s.statistics.transferred_data_bytes, 98142970);
  EXPECT_EQ(s.statistics.processing_rate_bytes_ps, 1683256);
  EXPECT_EQ(s.statistics.bottleneck, Bottleneck::kSource);
}

}  // namespace
}  // namespace vb365
