// The ErrorCode of every failure the api module reports, against an
// in-memory VB365 (no sockets): callers branch on these codes, never on the
// message, so each path is pinned here.
#include <gtest/gtest.h>

#include <string>

#include "api/client.h"
#include "api/token_manager.h"
#include "fake_transport.h"
#include "parse/parser.h"

namespace vb365 {
namespace {

using std::chrono::seconds;
using testing::ConfigFor;
using testing::FakeTransport;
using testing::FakeVb365;
using testing::JobId;
using testing::MakeResponse;
using testing::NumberedJob;

// Answers /Token from `server` and every other request with `response`.
FakeTransport DataAnswers(FakeVb365* server, HttpResponse response) {
  return FakeTransport([server, response](const HttpRequest& r) {
    if (r.url.find("/Token") != std::string::npos) return server->Send(r);
    return response;
  });
}

HttpResponse TransportFailure(bool too_large) {
  HttpResponse r;
  r.error = too_large ? "response body larger than 1000 bytes"
                      : "curl error 7: Couldn't connect to server";
  r.too_large = too_large;
  return r;
}

TEST(ClientErrorCodeTest, ADeletedJobIsNotFoundWhileTheOthersStillRead) {
  FakeVb365 server;
  server.deleted_jobs = {JobId(1)};
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> gone = client.ListSessions(NumberedJob(1), kNoTime);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound) << gone.error();
  Result<SessionsFetch> kept = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_TRUE(kept.ok()) << kept.error();
  EXPECT_FALSE(kept->sessions.empty());
}

TEST(ClientErrorCodeTest, A404OnTheJobsListIsNotFound) {
  FakeVb365 server;
  server.fail_path["/v8/Jobs"] = 404;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kNotFound) << jobs.error();
}

TEST(ClientErrorCodeTest, NoServedVersionIsNotFound) {
  FakeVb365 server;
  server.versions = {};
  Client client(ConfigFor(server, ApiVersion::kAuto), &server, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kNotFound) << v.error();
}

TEST(ClientErrorCodeTest, A5xxDuringTheProbeIsAnHttpStatusError) {
  FakeTransport transport(
      [](const HttpRequest&) { return MakeResponse(503, ""); });
  FakeVb365 cfg;
  Client client(ConfigFor(cfg, ApiVersion::kAuto), &transport, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kHttpStatus) << v.error();
}

TEST(ClientErrorCodeTest, AnUnreachableServerIsATransportError) {
  FakeTransport transport(
      [](const HttpRequest&) { return TransportFailure(false); });
  FakeVb365 cfg;
  Client client(ConfigFor(cfg, ApiVersion::kAuto), &transport, nullptr);
  Result<ApiVersion> v = client.Version();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kTransport) << v.error();
}

TEST(ClientErrorCodeTest, TransportFailuresOfADataRequestAreTransportErrors) {
  FakeVb365 server;
  FakeTransport transport = DataAnswers(&server, TransportFailure(false));
  Client client(ConfigFor(server, ApiVersion::kV8), &transport, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().code(), ErrorCode::kTransport) << fetch.error();
}

TEST(ClientErrorCodeTest, ABodyOverTheLimitIsTooLarge) {
  FakeVb365 server;
  FakeTransport transport = DataAnswers(&server, TransportFailure(true));
  Client client(ConfigFor(server, ApiVersion::kV8), &transport, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().code(), ErrorCode::kTooLarge) << fetch.error();
}

TEST(ClientErrorCodeTest, A401TwiceIsUnauthorized) {
  FakeVb365 server;
  server.always_401 = true;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kUnauthorized) << jobs.error();
  EXPECT_EQ(server.logins(), 2);
}

TEST(ClientErrorCodeTest, A429OnADataRequestIsThrottled) {
  FakeVb365 server;
  server.fail_path["/v8/JobSessions"] = 429;
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<SessionsFetch> fetch = client.ListSessions(NumberedJob(0), kNoTime);
  ASSERT_FALSE(fetch.ok());
  EXPECT_EQ(fetch.error().code(), ErrorCode::kThrottled) << fetch.error();
}

TEST(ClientErrorCodeTest, OtherStatusesAreHttpStatusErrors) {
  for (int status : {400, 403, 500, 503}) {
    FakeVb365 server;
    server.fail_path["/v8/Jobs"] = status;
    Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
    Result<std::vector<Job>> jobs = client.ListJobs();
    ASSERT_FALSE(jobs.ok()) << status;
    EXPECT_EQ(jobs.error().code(), ErrorCode::kHttpStatus)
        << status << ": " << jobs.error();
  }
}

TEST(ClientErrorCodeTest, ABadBodyIsMalformed) {
  FakeVb365 server;
  server.body_for["/v8/Jobs"] = R"({"offset":0,"limit":30,"results":[{"id":)";
  server.body_for["/v8/ServiceInstance"] = R"({"version":8})";
  Client client(ConfigFor(server, ApiVersion::kV8), &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kMalformed) << jobs.error();
  Result<ServiceInstance> si = client.GetServiceInstance();
  ASSERT_FALSE(si.ok());
  EXPECT_EQ(si.error().code(), ErrorCode::kMalformed) << si.error();
}

TEST(ClientErrorCodeTest, BadCredentialsAreUnauthorized) {
  FakeVb365 server;
  ServerConfig config = ConfigFor(server, ApiVersion::kV8);
  config.password = Secret("not-the-password-123");
  Client client(config, &server, nullptr);
  Result<std::vector<Job>> jobs = client.ListJobs();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().code(), ErrorCode::kUnauthorized) << jobs.error();
}

// The parser reports every failure as malformed (the client relies on it
// only for the message; the code is its own).
TEST(ParserErrorCodeTest, EveryParseFailureIsMalformed) {
  Parser parser;
  for (const char* text : {"[{\"id\":", "{}", "[1] x", ""}) {
    std::vector<Job> jobs;
    Result<PageInfo> r = parser.ParseJobs(PaddedBody(text), &jobs);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << text;
    std::vector<JobSession> sessions;
    Result<PageInfo> s = parser.ParseSessions(PaddedBody(text), &sessions);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.error().code(), ErrorCode::kMalformed) << text;
  }
  Result<TokenResponse> t =
      parser.ParseToken(PaddedBody(R"({"access_token":"a"})"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kMalformed) << t.error();
  Result<ServiceInstance> si = parser.ParseServiceInstance(PaddedBody("{}"));
  ASSERT_FALSE(si.ok());
  EXPECT_EQ(si.error().code(), ErrorCode::kMalformed) << si.error();
  Result<ApiErrorBody> e = parser.ParseErrorBody(PaddedBody("[]"));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kMalformed) << e.error();
}

class TokenErrorCodeTest : public ::testing::Test {
 protected:
  std::unique_ptr<TokenManager> Make(Transport* transport,
                                     std::string password) {
    return std::make_unique<TokenManager>(
        "east", "https://vb365.test:4443/v8", ApiVersion::kV8, server_.username,
        Secret(std::move(password)), transport, nullptr,
        [this] { return now_; });
  }

  FakeVb365 server_;
  std::chrono::steady_clock::time_point now_ =
      std::chrono::steady_clock::time_point{} + std::chrono::hours(1000);
};

TEST_F(TokenErrorCodeTest, A429IsThrottledAndSoIsTheBackoffItStarts) {
  server_.token_429_left = 1;
  server_.retry_after = 30;
  auto tokens = Make(&server_, server_.password);
  Result<std::string> first = tokens->Token();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code(), ErrorCode::kThrottled) << first.error();
  now_ += seconds(10);
  Result<std::string> during = tokens->Token();
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code(), ErrorCode::kThrottled) << during.error();
  EXPECT_EQ(server_.token_requests(), 1);
}

TEST_F(TokenErrorCodeTest, ARejectedPasswordIsUnauthorizedDuringItsBackoff) {
  auto tokens = Make(&server_, "Wr0ng-Secret");
  Result<std::string> first = tokens->Token();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code(), ErrorCode::kUnauthorized) << first.error();
  Result<std::string> during = tokens->Token();
  ASSERT_FALSE(during.ok());
  EXPECT_EQ(during.error().code(), ErrorCode::kUnauthorized) << during.error();
  EXPECT_EQ(server_.logins(), 1);  // the back-off held
}

TEST_F(TokenErrorCodeTest, A401FromTheTokenEndpointIsUnauthorized) {
  FakeTransport transport(
      [](const HttpRequest&) { return MakeResponse(401, ""); });
  auto tokens = Make(&transport, "pw");
  Result<std::string> token = tokens->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kUnauthorized) << token.error();
}

TEST_F(TokenErrorCodeTest, AMalformedTokenResponseIsMalformed) {
  for (const char* body :
       {R"({"access_token":"x", "expires_in": )", R"({"expires_in":60})",
        R"({"access_token":"","expires_in":60})"}) {
    FakeTransport transport(
        [&](const HttpRequest&) { return MakeResponse(200, body); });
    auto tokens = Make(&transport, "pw");
    Result<std::string> token = tokens->Token();
    ASSERT_FALSE(token.ok()) << body;
    EXPECT_EQ(token.error().code(), ErrorCode::kMalformed)
        << body << ": " << token.error();
  }
}

TEST_F(TokenErrorCodeTest, ATransportFailureIsATransportError) {
  FakeTransport transport(
      [](const HttpRequest&) { return TransportFailure(false); });
  auto tokens = Make(&transport, "pw");
  Result<std::string> token = tokens->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kTransport) << token.error();
}

TEST_F(TokenErrorCodeTest, AnotherStatusIsAnHttpStatusError) {
  FakeTransport transport(
      [](const HttpRequest&) { return MakeResponse(500, ""); });
  auto tokens = Make(&transport, "pw");
  Result<std::string> token = tokens->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kHttpStatus) << token.error();
}

}  // namespace
}  // namespace vb365
