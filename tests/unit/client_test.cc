// Client against an in-memory VB365 (no sockets): version probing, paging,
// the sessions endpoint per version, 401 handling, errors and observation.
#include "api/client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>

#include "fake_transport.h"

namespace vb365 {
namespace {

using testing::ConfigFor;
using testing::FakeTransport;
using testing::FakeVb365;
using testing::JobId;
using testing::MakeResponse;
using testing::NumberedJob;
using testing::RecordingObserver;

int CountPrefix(const std::vector<std::string>& paths, const std::string& p) {
  return static_cast<int>(
      std::count_if(paths.begin(), paths.end(),
                    [&](const std::string& s) { return s.rfind(p, 0) == 0; }));
}

TEST(ClientVersionTest, ProbesNewestFirstWithoutATokenAndCachesTheAnswer) {
  FakeVb365 server;
  server.versions = {6};
  Client client(ConfigFor(server), &server, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_EQ(*v, ApiVersion::kV6);
  std::vector<std::string> expected = {
      "/v8/ServiceInstance", "/v7/ServiceInstance", "/v6/ServiceInstance"};
  EXPECT_EQ(server.paths(), expected);
  for (const auto& r : server.requests()) {
    EXPECT_EQ(testing::HeaderValue(r, "Authorization"), "");
  }
  EXPECT_EQ(*client.Version(), ApiVersion::kV6);
  EXPECT_EQ(server.paths().size(), 3u);
}

TEST(ClientVersionTest, ProbeGoesDownToV3) {
  FakeVb365 server;
  server.versions = {3};
  Client client(ConfigFor(server), &server, nullptr);
  EXPECT_EQ(*client.Version(), ApiVersion::kV3);
  EXPECT_EQ(server.paths().size(), 6u);
}

TEST(ClientVersionTest, AFixedVersionIsNotProbed) {
  FakeVb365 server;
  server.versions = {3, 8};
  Client client(ConfigFor(server, ApiVersion::kV3), &server, nullptr);
  EXPECT_EQ(*client.Version(), ApiVersion::kV3);
  EXPECT_TRUE(server.paths().empty());
}

TEST(ClientVersionTest, NoServedVersionIsAnError) {
  FakeVb365 server;
  server.versions = {};
  Client client(ConfigFor(server), &server, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("404"), std::string::npos) << v.error();
  EXPECT_EQ(server.paths().size(), 6u);
}

TEST(ClientVersionTest, AnUnreachableServerStopsTheProbeAtOnce) {
  FakeTransport transport([](const HttpRequest&) {
    HttpResponse r;
    r.error = "curl error 7: Couldn't connect to server";
    return r;
  });
  FakeVb365 cfg;
  Client client(ConfigFor(cfg), &transport, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("Couldn't connect"), std::string::npos);
  EXPECT_EQ(transport.count(), 1u);
}

TEST(ClientVersionTest, ResetVersionProbesAgain) {
  FakeVb365 server;
  server.versions = {8};
  Client client(ConfigFor(server), &server, nullptr);
  EXPECT_EQ(*client.Version(), ApiVersion::kV8);
  server.versions = {7};
  client.ResetVersion();
  EXPECT_EQ(*client.Version(), ApiVersion::kV7);
}

TEST(ClientVersionTest, ResetVersionKeepsTheTokenWhileTheVersionStaysTheSame) {
  FakeVb365 server;
  Client client(ConfigFor(server), &server, nullptr);
  ASSERT_TRUE(client.ListJobs().ok());
  // A failed refresh makes the refresher forget the version; the next probe
  // finds v8 again and the cached token is still good: no new login.
  client.ResetVersion();
  ASSERT_TRUE(client.ListJobs().ok());
  EXPECT_EQ(server.token_requests(), 1);
}

TEST(ClientVersionTest, ResetVersionDoesNotForgetATokenBackoff) {
  FakeVb365 server;
  server.token_429_left = 100;
  server.retry_after = 600;
  Client client(ConfigFor(server), &server, nullptr);
  for (int refresh = 0; refresh < 5; ++refresh) {
    EXPECT_FALSE(client.ListJobs().ok());
    client.ResetVersion();  // what the refresher does after a failure
  }
  EXPECT_EQ(server.token_requests(), 1);
}

TEST(ClientVersionTest, ANewVersionAfterResetGetsItsOwnLogin) {
  FakeVb365 server;
  server.versions = {8};
  Client client(ConfigFor(server), &server, nullptr);
  ASSERT_TRUE(client.ListJobs().ok());
  server.versions = {7};
  client.ResetVersion();
  ASSERT_TRUE(client.ListJobs().ok());
  EXPECT_EQ(server.paths().back(), "/v7/Jobs");
  EXPECT_EQ(server.token_requests(), 2);
  EXPECT_EQ(CountPrefix(server.paths(), "/v7/Token"), 1);
}

TEST(ClientJobsTest, V8PagesPastThirtyJobsWhenTheServerCapsTheLimit) {
  FakeVb365 server;
  server.jobs = 75;
  server.max_limit = 30;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  ASSERT_EQ(jobs->size(), 75u);
  for (int i = 0; i < 75; ++i) EXPECT_EQ((*jobs)[i].id, JobId(i));
  std::vector<std::string> paths = server.paths();
  std::vector<std::string> expected = {
      "/v8/Token", "/v8/Jobs?limit=10000&offset=0",
      "/v8/Jobs?limit=10000&offset=30", "/v8/Jobs?limit=10000&offset=60"};
  EXPECT_EQ(paths, expected);
}

TEST(ClientJobsTest, V8AsksForLargePagesAndStopsAtTheShortLastPage) {
  FakeVb365 server;
  server.jobs = 25000;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(jobs->size(), 25000u);
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/Jobs"), 3);
  EXPECT_EQ(server.paths().back(), "/v8/Jobs?limit=10000&offset=20000");
}

TEST(ClientJobsTest, FullPagesContinueEvenWithoutNextLinks) {
  FakeVb365 server;
  server.jobs = 60;
  server.max_limit = 30;
  server.send_next_links = false;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(jobs->size(), 60u);
  // 30 + 30 + an empty page that ends it.
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/Jobs"), 3);
}

TEST(ClientJobsTest, OlderVersionsReadOnePlainArray) {
  for (int v : {3, 6, 7}) {
    FakeVb365 server;
    server.versions = {v};
    server.jobs = 45;
    Client client(ConfigFor(server, static_cast<ApiVersion>(v)), &server,
                  nullptr);
    Result<std::vector<Job>> jobs = client.ListJobs();
    ASSERT_TRUE(jobs.ok()) << jobs.error();
    EXPECT_EQ(jobs->size(), 45u);
    EXPECT_EQ(server.paths().back(), "/v" + std::to_string(v) + "/Jobs");
  }
}

struct SessionsCase {
  int version;
  std::string expected_path;  // for job 1, lower bound 2026-11-29T09:00:00Z
};

class ClientSessionsTest : public ::testing::TestWithParam<SessionsCase> {};

TEST_P(ClientSessionsTest, UsesTheEndpointOfTheVersion) {
  const SessionsCase& c = GetParam();
  FakeVb365 server;
  server.versions = {c.version};
  server.jobs = 3;
  server.sessions_per_job = 4;
  Client client(ConfigFor(server, static_cast<ApiVersion>(c.version)), &server,
                nullptr);
  Timestamp bound = *ParseTimestamp("2026-11-29T09:00:00Z");
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(1), bound);
  ASSERT_TRUE(fetch.ok()) << fetch.error();
  EXPECT_EQ(fetch->sessions.size(), 4u);
  for (const auto& s : fetch->sessions) {
    EXPECT_EQ(s.job_id, ParseId(JobId(1)));
  }
  EXPECT_EQ(server.paths().back(), c.expected_path);
}

const std::string kJob1 = JobId(1);
INSTANTIATE_TEST_SUITE_P(
    Versions, ClientSessionsTest,
    ::testing::Values(
        SessionsCase{3, "/v3/Jobs/" + kJob1 + "/JobSessions"},
        SessionsCase{4, "/v4/Jobs/" + kJob1 + "/JobSessions"},
        SessionsCase{5,
                     "/v5/Jobs/" + kJob1 + "/JobSessions?limit=1000&offset=0"},
        SessionsCase{6,
                     "/v6/Jobs/" + kJob1 + "/JobSessions?limit=1000&offset=0"},
        SessionsCase{7, "/v7/JobSessions?jobId=" + kJob1 +
                            "&endTimeLowerBound=2026-11-29T09%3A00%3A00Z"
                            "&limit=10000&offset=0"},
        SessionsCase{8, "/v8/JobSessions?jobId=" + kJob1 +
                            "&endTimeLowerBound=2026-11-29T09%3A00%3A00Z"
                            "&limit=10000&offset=0"}));

TEST(ClientSessionReadTest, NoLowerBoundReadsTheWholeHistory) {
  FakeVb365 server;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_TRUE(fetch.ok()) << fetch.error();
  EXPECT_EQ(server.paths().back(),
            "/v8/JobSessions?jobId=" + JobId(0) + "&limit=10000&offset=0");
}

TEST(ClientSessionReadTest, RecentSessionsOfEveryJobInOneReadOnV7AndV8) {
  for (int v : {7, 8}) {
    FakeVb365 server;
    server.versions = {v};
    server.jobs = 4;
    server.sessions_per_job = 3;
    Client client(ConfigFor(server, static_cast<ApiVersion>(v)), &server,
                  nullptr);
    const Timestamp bound = *ParseTimestamp("2026-11-29T09:00:00Z");
    Result<SessionsFetch> fetch =
        client.ListRecentSessions(JobType::kBackup, bound);
    ASSERT_TRUE(fetch.ok()) << fetch.error();
    const std::string p = "/v" + std::to_string(v);
    EXPECT_EQ(server.paths().back(),
              p + "/JobSessions?endTimeLowerBound=2026-11-29T09%3A00%3A00Z"
                  "&limit=10000&offset=0");
    ASSERT_EQ(fetch->sessions.size(), 12u) << "v" << v;
    std::map<Id, int> per_job;
    for (const auto& s : fetch->sessions) ++per_job[s.job_id];
    for (int j = 0; j < 4; ++j) EXPECT_EQ(per_job[ParseId(JobId(j))], 3);
    ASSERT_TRUE(client.ListRecentSessions(JobType::kCopy, bound).ok());
    EXPECT_EQ(server.paths().back(),
              p + "/JobSessions?jobType=Copy&endTimeLowerBound="
                  "2026-11-29T09%3A00%3A00Z&limit=10000&offset=0");
  }
  // v6 has no jobId filter to fall back on per job, v3 to v5 no bound: not
  // asked at all.
  FakeVb365 server;
  server.versions = {6};
  Client client(ConfigFor(server, ApiVersion::kV6), &server, nullptr);
  Result<SessionsFetch> fetch =
      client.ListRecentSessions(JobType::kBackup, kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(CountPrefix(server.paths(), "/v6/JobSessions"), 0);
}

TEST(ClientSessionReadTest,
     SessionsOfOtherJobsAreDroppedWhenTheServerIgnoresJobId) {
  for (int v : {7, 8}) {
    FakeVb365 server;
    server.versions = {v};
    server.ignore_job_id = true;
    server.jobs = 5;
    server.sessions_per_job = 3;
    Client client(ConfigFor(server, static_cast<ApiVersion>(v)), &server,
                  nullptr);
    Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(2), kNoTime);
    ASSERT_TRUE(fetch.ok()) << fetch.error();
    ASSERT_EQ(fetch->sessions.size(), 3u) << "v" << v;
    for (const auto& s : fetch->sessions) {
      EXPECT_EQ(s.job_id, ParseId(JobId(2)));
    }
  }
}

TEST(ClientSessionReadTest, SessionPagesArePagedPastTheServersLimit) {
  FakeVb365 server;
  server.sessions_per_job = 70;
  server.max_limit = 30;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_TRUE(fetch.ok()) << fetch.error();
  EXPECT_EQ(fetch->sessions.size(), 70u);
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/JobSessions"), 3);
}

TEST(ClientSessionReadTest, APageThatRepeatsItselfEndsTheReadWithAnError) {
  // The server ignores the offset and links every page to itself: the client
  // must stop at the first repeat, not read (and keep) 100,000 copies.
  FakeVb365 server;
  const std::string session =
      R"({"id":"5e55f0c2-0000-4000-8000-000000000001",)"
      R"("creationTime":"2026-11-29T10:00:00Z","endTime":"2026-11-29T10:05:00Z",)"
      R"("progress":1,"status":"Success","jobId":")" +
      JobId(0) + R"("})";
  server.body_for["/v8/JobSessions"] =
      R"({"offset":0,"limit":1,"results":[)" + session +
      R"(],"_links":{"self":{"href":"/v8/JobSessions?offset=0&limit=1"},)"
      R"("next":{"href":"/v8/JobSessions?offset=0&limit=1"}}})";
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_NE(fetch.error().message().find("repeats the previous page"),
            std::string::npos)
      << fetch.error();
  EXPECT_EQ(fetch.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/JobSessions"), 2);
}

TEST(ClientSessionReadTest, ADeletedJobIsNotFound) {
  FakeVb365 server;
  server.deleted_jobs = {JobId(1)};
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(1), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().message().rfind("not found", 0), 0u) << fetch.error();
  EXPECT_EQ(fetch.error().code(), ErrorCode::kNotFound);
}

TEST(ClientAuthTest, ManyRequestsShareOneLogin) {
  FakeVb365 server;
  server.jobs = 20;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  ASSERT_TRUE(client.ListJobs().ok());
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (int i = w; i < 20; i += 4) {
        if (!client.ListSessions(NumberedJob(i), kNoTime).ok()) ++failures;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server.token_requests(), 1);
}

TEST(ClientAuthTest, A401LogsInOnceAndRetries) {
  FakeVb365 server;
  RecordingObserver observer;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, &observer);
  ASSERT_TRUE(client.ListJobs().ok());
  server.ExpireAllTokens();  // e.g. the server restarted
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error();
  EXPECT_EQ(server.logins(), 2);
  std::vector<std::string> paths = server.paths();
  std::vector<std::string> tail(paths.end() - 3, paths.end());
  std::vector<std::string> expected = {"/v8/Jobs?limit=10000&offset=0",
                                       "/v8/Token",
                                       "/v8/Jobs?limit=10000&offset=0"};
  EXPECT_EQ(tail, expected);
  EXPECT_EQ(testing::FormValue(server.requests()[paths.size() - 2].body,
                               "grant_type"),
            "password");
}

TEST(ClientAuthTest, ASecond401IsAnErrorNotALoop) {
  FakeVb365 server;
  server.always_401 = true;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("401"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(server.logins(), 2);
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/Jobs"), 2);
  // The next call starts over with one more re-login, still bounded.
  EXPECT_FALSE(client.ListJobs().ok());
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/Jobs"), 4);
}

TEST(ClientAuthTest, BadCredentialsSurfaceFromListJobsWithoutThePassword) {
  FakeVb365 server;
  ServerConfig config = ConfigFor(server, ApiVersion::kV8);
  config.password = Secret("not-the-password-123");
  Client client(config, &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("incorrect"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().message().find("not-the-password-123"),
            std::string::npos);
  EXPECT_EQ(CountPrefix(server.paths(), "/v8/Jobs"), 0);
}

TEST(ClientErrorTest, ServerErrorsCarryTheStatusAndTheMessage) {
  FakeVb365 server;
  server.fail_path["/v8/Jobs"] = 500;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("HTTP 500"), std::string::npos)
      << jobs.error();
  EXPECT_NE(jobs.error().message().find("injected failure"), std::string::npos);
}

TEST(ClientErrorTest, LongServerMessagesAreCut) {
  FakeVb365 server;
  FakeTransport transport([&](const HttpRequest& r) {
    if (r.url.find("/Token") != std::string::npos) return server.Send(r);
    return MakeResponse(503,
                        R"({"message":")" + std::string(5000, 'x') + R"("})");
  });
  Client client(ConfigFor(server, ApiVersion::kV8), &transport, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_LT(jobs.error().message().size(), 400u);
}

TEST(ClientErrorTest, MalformedJsonIsAParseErrorOfThatEndpoint) {
  FakeVb365 server;
  server.body_for["/v8/Jobs"] = R"({"offset":0,"limit":30,"results":[{"id":)";
  RecordingObserver observer;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, &observer);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_NE(jobs.error().message().find("malformed"), std::string::npos)
      << jobs.error();
  EXPECT_EQ(observer.parse_errors, std::vector<std::string>{"jobs"});
}

TEST(ClientErrorTest, TransportFailuresAreErrorsWithCodeZero) {
  FakeVb365 server;
  RecordingObserver observer;
  FakeTransport transport([&](const HttpRequest& r) {
    if (r.url.find("/Token") != std::string::npos) return server.Send(r);
    HttpResponse failed;
    failed.error = "curl error 56: Connection reset by peer";
    return failed;
  });
  Client client(ConfigFor(server, ApiVersion::kV8), &transport, &observer);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_NE(fetch.error().message().find("Connection reset"),
            std::string::npos);
  ASSERT_FALSE(observer.requests.empty());
  EXPECT_EQ(observer.requests.back().endpoint, "job_sessions");
  EXPECT_EQ(observer.requests.back().code, 0);
}

TEST(ClientErrorTest, ServerEchoedPasswordNeverReachesTheError) {
  FakeVb365 server;
  FakeTransport transport([&](const HttpRequest& r) {
    if (r.url.find("/Token") != std::string::npos) return server.Send(r);
    return MakeResponse(
        500, R"({"message":"login )" + server.password + R"( failed"})");
  });
  Client client(ConfigFor(server, ApiVersion::kV8), &transport, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().message().find(server.password), std::string::npos)
      << jobs.error();
  EXPECT_EQ(jobs.error().message().find("access-"), std::string::npos);
}

TEST(ClientObserverTest, EveryRequestIsReportedWithItsEndpoint) {
  FakeVb365 server;
  server.versions = {7};
  server.jobs = 2;
  RecordingObserver observer;
  Client client(ConfigFor(server), &server, &observer);
  ASSERT_TRUE(client.ListJobs().ok());
  ASSERT_TRUE(client.ListSessions(NumberedJob(0), kNoTime).ok());
  ASSERT_TRUE(client.GetServiceInstance().ok());
  EXPECT_EQ(observer.CountRequests("service_instance"), 3);  // v8, v7, + GET
  EXPECT_EQ(observer.CountRequests("token"), 1);
  EXPECT_EQ(observer.CountRequests("jobs"), 1);
  EXPECT_EQ(observer.CountRequests("job_sessions"), 1);
  EXPECT_EQ(observer.requests.size(), server.requests().size());
  EXPECT_EQ(observer.requests[0].code, 404);
  EXPECT_EQ(observer.requests[1].code, 401);
}

TEST(ClientServiceInstanceTest, ReadsTheProductVersion) {
  FakeVb365 server;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<ServiceInstance> si = client.GetServiceInstance();
  ASSERT_TRUE(si.ok()) << si.error();
  EXPECT_EQ(si->version, "8.1.0.305");
}

}  // namespace
}  // namespace vb365
