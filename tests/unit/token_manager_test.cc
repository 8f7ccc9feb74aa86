// TokenManager against an in-memory VB365 (no sockets): caching, refresh
// timing on an injected clock, fallback to the password, 429 back-off,
// concurrency, form encoding per version, and no secrets in errors.
#include "api/token_manager.h"

#include <gtest/gtest.h>

#include <thread>

#include "api/http_util.h"
#include "fake_transport.h"

namespace vb365 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeTransport;
using testing::FakeVb365;
using testing::FormValue;
using testing::MakeResponse;
using testing::RecordingObserver;

class ManualClock {
 public:
  std::chrono::steady_clock::time_point Now() const { return now_; }
  void Advance(std::chrono::steady_clock::duration d) { now_ += d; }
  TokenManager::Clock AsClock() {
    return [this] { return Now(); };
  }

 private:
  std::chrono::steady_clock::time_point now_ =
      std::chrono::steady_clock::time_point{} + std::chrono::hours(1000);
};

class TokenManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<TokenManager> Make(ApiVersion v = ApiVersion::kV8) {
    return std::make_unique<TokenManager>(
        "east",
        "https://vb365.test:4443/v" + std::to_string(static_cast<int>(v)), v,
        server_.username, Secret(server_.password), &server_, &observer_,
        clock_.AsClock());
  }

  FakeVb365 server_;
  RecordingObserver observer_;
  ManualClock clock_;
};

TEST_F(TokenManagerTest, CachesTheTokenAcrossManyCalls) {
  auto tokens = Make();
  Result<std::string> first = tokens->Token();
  ASSERT_TRUE(first.ok()) << first.error();
  for (int i = 0; i < 50; ++i) {
    clock_.Advance(seconds(10));
    Result<std::string> again = tokens->Token();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *first);
  }
  EXPECT_EQ(server_.token_requests(), 1);
  EXPECT_EQ(observer_.CountRequests("token"), 1);
  ASSERT_EQ(observer_.auths.size(), 1u);
  EXPECT_EQ(observer_.auths[0], std::make_pair(std::string("password"), true));
}

TEST_F(TokenManagerTest,
       RefreshesWithTheRefreshGrantWhenATenthOfTheLifetimeIsLeft) {
  server_.token_lifetime = 100;  // refresh 10 s before expiry
  auto tokens = Make();
  std::string first = *tokens->Token();
  clock_.Advance(seconds(89));
  EXPECT_EQ(*tokens->Token(), first);
  EXPECT_EQ(server_.refreshes(), 0);
  clock_.Advance(seconds(2));  // 91 s: inside the last tenth
  Result<std::string> refreshed = tokens->Token();
  ASSERT_TRUE(refreshed.ok()) << refreshed.error();
  EXPECT_NE(*refreshed, first);
  EXPECT_EQ(server_.refreshes(), 1);
  EXPECT_EQ(server_.logins(), 1);
  HttpRequest last = server_.requests().back();
  EXPECT_EQ(FormValue(last.body, "grant_type"), "refresh_token");
  EXPECT_EQ(FormValue(last.body, "refresh_token"), "refresh-1");
  EXPECT_EQ(FormValue(last.body, "password"), "");
}

TEST_F(TokenManagerTest, LongLifetimesRefreshAtMostSixtySecondsEarly) {
  server_.token_lifetime = 3600;
  auto tokens = Make();
  std::string first = *tokens->Token();
  clock_.Advance(seconds(3539));
  EXPECT_EQ(*tokens->Token(), first);
  EXPECT_EQ(server_.refreshes(), 0);
  clock_.Advance(seconds(2));
  EXPECT_NE(*tokens->Token(), first);
  EXPECT_EQ(server_.refreshes(), 1);
}

TEST_F(TokenManagerTest, FailedRefreshFallsBackToPasswordLogin) {
  server_.token_lifetime = 100;
  server_.reject_refresh = true;
  auto tokens = Make();
  std::string first = *tokens->Token();
  clock_.Advance(seconds(95));
  Result<std::string> next = tokens->Token();
  ASSERT_TRUE(next.ok()) << next.error();
  EXPECT_NE(*next, first);
  EXPECT_EQ(server_.refreshes(), 1);
  EXPECT_EQ(server_.logins(), 2);
  std::vector<std::pair<std::string, bool>> expected = {
      {"password", true}, {"refresh_token", false}, {"password", true}};
  EXPECT_EQ(observer_.auths, expected);
}

TEST_F(TokenManagerTest, ExpiredTokenIsRenewedNotReturned) {
  server_.token_lifetime = 100;
  auto tokens = Make();
  std::string first = *tokens->Token();
  clock_.Advance(seconds(500));
  Result<std::string> next = tokens->Token();
  ASSERT_TRUE(next.ok());
  EXPECT_NE(*next, first);
}

TEST_F(TokenManagerTest, InvalidateForcesAPasswordLoginOnlyForTheCurrentToken) {
  auto tokens = Make();
  std::string first = *tokens->Token();
  tokens->Invalidate("some-older-token");
  EXPECT_EQ(*tokens->Token(), first);
  EXPECT_EQ(server_.token_requests(), 1);

  tokens->Invalidate(first);
  std::string second = *tokens->Token();
  EXPECT_NE(second, first);
  EXPECT_EQ(server_.logins(), 2);
  EXPECT_EQ(server_.refreshes(), 0);  // a rejected token: start from scratch
}

TEST_F(TokenManagerTest,
       ThrottledLoginWaitsForRetryAfterWithoutCallingTheServer) {
  server_.token_429_left = 1;
  server_.retry_after = 30;
  auto tokens = Make();
  Result<std::string> first = tokens->Token();
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message().find("429"), std::string::npos)
      << first.error();
  EXPECT_EQ(server_.token_requests(), 1);

  clock_.Advance(seconds(29));
  Result<std::string> during = tokens->Token();
  ASSERT_FALSE(during.ok());
  EXPECT_NE(during.error().message().find("429"), std::string::npos)
      << during.error();
  EXPECT_EQ(server_.token_requests(), 1);  // no call during the back-off

  clock_.Advance(seconds(2));
  Result<std::string> after = tokens->Token();
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_EQ(server_.token_requests(), 2);
}

TEST_F(TokenManagerTest, ThrottledLoginWithoutRetryAfterBacksOffExponentially) {
  server_.token_429_left = 2;
  auto tokens = Make();
  EXPECT_FALSE(tokens->Token().ok());  // back-off 5 s
  clock_.Advance(milliseconds(4900));
  EXPECT_FALSE(tokens->Token().ok());
  EXPECT_EQ(server_.token_requests(), 1);
  clock_.Advance(milliseconds(200));   // 5.1 s
  EXPECT_FALSE(tokens->Token().ok());  // second 429: back-off 10 s
  EXPECT_EQ(server_.token_requests(), 2);
  clock_.Advance(milliseconds(9900));
  EXPECT_FALSE(tokens->Token().ok());
  EXPECT_EQ(server_.token_requests(), 2);
  clock_.Advance(milliseconds(200));
  EXPECT_TRUE(tokens->Token().ok());
  EXPECT_EQ(server_.token_requests(), 3);
}

TEST_F(TokenManagerTest, ThrottledRefreshKeepsUsingTheStillValidToken) {
  server_.token_lifetime = 100;
  auto tokens = Make();
  std::string first = *tokens->Token();
  server_.token_429_left = 5;
  server_.retry_after = 60;
  clock_.Advance(seconds(95));
  Result<std::string> during = tokens->Token();
  ASSERT_TRUE(during.ok()) << during.error();
  EXPECT_EQ(*during, first);
  int calls = server_.token_requests();
  clock_.Advance(seconds(2));
  EXPECT_EQ(*tokens->Token(), first);
  EXPECT_EQ(server_.token_requests(), calls);
}

TEST_F(TokenManagerTest, BadCredentialsGiveTheServersReasonAndBackOff) {
  server_.password = "the-right-one";
  auto tokens = std::make_unique<TokenManager>(
      "east", "https://vb365.test:4443/v8", ApiVersion::kV8, server_.username,
      Secret("Wr0ng-Secret"), &server_, &observer_, clock_.AsClock());
  Result<std::string> token = tokens->Token();
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.error().message().find("HTTP 400"), std::string::npos);
  EXPECT_NE(token.error().message().find("invalid_grant"), std::string::npos);
  EXPECT_NE(
      token.error().message().find("The user name or password is incorrect"),
      std::string::npos)
      << token.error();
  EXPECT_EQ(token.error().message().find("Wr0ng-Secret"), std::string::npos);
  // A second caller right away does not try the bad password again.
  Result<std::string> again = tokens->Token();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(server_.logins(), 1);
  EXPECT_EQ(observer_.auths.back(),
            std::make_pair(std::string("password"), false));
}

TEST_F(TokenManagerTest, ConcurrentCallersShareOneLogin) {
  server_.on_token = [] { std::this_thread::sleep_for(milliseconds(100)); };
  auto tokens = std::make_unique<TokenManager>(
      "east", "https://vb365.test:4443/v8", ApiVersion::kV8, server_.username,
      Secret(server_.password), &server_, &observer_);
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Result<std::string> t = tokens->Token();
      got[i] = t.ok() ? *t : "error: " + t.error().message();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(server_.token_requests(), 1);
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  EXPECT_EQ(got[0].rfind("access-", 0), 0u) << got[0];
}

struct FormCase {
  ApiVersion version;
  bool antiforgery;
};

class TokenFormTest : public ::testing::TestWithParam<FormCase> {};

TEST_P(TokenFormTest,
       PostsAFormWithTheBackslashEncodedAndAntiforgeryPerVersion) {
  FakeTransport transport([](const HttpRequest&) {
    return MakeResponse(
        200, R"({"access_token":"a","refresh_token":"r","expires_in":3600})");
  });
  ApiVersion v = GetParam().version;
  std::string base =
      "https://vb365.test:4443/v" + std::to_string(static_cast<int>(v));
  TokenManager tokens("east", base, v, "EXAMPLE\\monitor",
                      Secret("p@ss w0rd&=%"), &transport, nullptr);
  ASSERT_TRUE(tokens.Token().ok());
  ASSERT_EQ(transport.count(), 1u);
  HttpRequest r = transport.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, base + "/Token");
  EXPECT_EQ(testing::HeaderValue(r, "Content-Type"),
            "application/x-www-form-urlencoded");
  std::string expected =
      "grant_type=password&username=EXAMPLE%5Cmonitor"
      "&password=p%40ss%20w0rd%26%3D%25";
  if (GetParam().antiforgery) expected += "&disable_antiforgery_token=true";
  EXPECT_EQ(r.body, expected);
  EXPECT_EQ(testing::HeaderValue(r, "Authorization"), "");
}

INSTANTIATE_TEST_SUITE_P(Versions, TokenFormTest,
                         ::testing::Values(FormCase{ApiVersion::kV3, false},
                                           FormCase{ApiVersion::kV6, false},
                                           FormCase{ApiVersion::kV7, true},
                                           FormCase{ApiVersion::kV8, true}));

TEST(TokenSecretsTest, NoSecretInErrorsEvenWhenTheServerEchoesIt) {
  const std::string password = "S3cr3t-Pa55word-xyz";
  FakeTransport transport([&](const HttpRequest& r) {
    // A hostile or careless server that quotes the request back.
    return MakeResponse(
        400, R"({"error":"invalid_request","error_description":"bad body )" +
                 r.body + " " + password + R"("})");
  });
  TokenManager tokens("east", "https://vb365.test/v8", ApiVersion::kV8, "user",
                      Secret(password), &transport, nullptr);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().message().find(password), std::string::npos)
      << token.error();
  EXPECT_EQ(token.error().message().find("S3cr3t"), std::string::npos)
      << token.error();
}

TEST(TokenSecretsTest, MalformedTokenResponseDoesNotQuoteTheBody) {
  FakeTransport transport([&](const HttpRequest&) {
    return MakeResponse(
        200, R"({"access_token":"leaky-token-value", "expires_in": )");
  });
  RecordingObserver observer;
  TokenManager tokens("east", "https://vb365.test/v8", ApiVersion::kV8, "user",
                      Secret("pw"), &transport, &observer);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().message().find("leaky-token-value"),
            std::string::npos);
  EXPECT_EQ(observer.parse_errors, std::vector<std::string>{"token"});
}

TEST(TokenTransportTest, TransportErrorIsReportedWithCodeZero) {
  FakeTransport transport([](const HttpRequest&) {
    HttpResponse r;
    r.error = "curl error 7: Failed to connect";
    return r;
  });
  RecordingObserver observer;
  TokenManager tokens("east", "https://vb365.test/v8", ApiVersion::kV8, "user",
                      Secret("pw"), &transport, &observer);
  Result<std::string> token = tokens.Token();
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.error().message().find("Failed to connect"),
            std::string::npos);
  ASSERT_EQ(observer.requests.size(), 1u);
  EXPECT_EQ(observer.requests[0].code, 0);
}

TEST(HttpUtilTest, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(http::UrlEncode("DOMAIN\\user"), "DOMAIN%5Cuser");
  EXPECT_EQ(http::UrlEncode("a b+c&d=e/f:g"), "a%20b%2Bc%26d%3De%2Ff%3Ag");
  EXPECT_EQ(http::UrlEncode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(http::UrlEncode("\xc3\xa9"), "%C3%A9");
}

// ErrorBodyMessage on a body received as `text`.
std::string ErrorBodyMessageOf(
    std::string_view text, size_t max_len = 200,
    std::initializer_list<std::string_view> secrets = {}) {
  return http::ErrorBodyMessage(PaddedBody(text), max_len, secrets);
}

TEST(HttpUtilTest, ErrorBodyMessageReadsOAuthAndMessageBodies) {
  EXPECT_EQ(ErrorBodyMessageOf(
                R"({"error":"invalid_grant","error_description":"bad \"x\""})"),
            "invalid_grant: bad \"x\"");
  EXPECT_EQ(
      ErrorBodyMessageOf(
          R"({"message":"Job not found","errorCode":"ResourceNotFound"})"),
      "Job not found");
  EXPECT_EQ(ErrorBodyMessageOf(""), "");
  EXPECT_EQ(ErrorBodyMessageOf("<html>oops</html>"), "");
  EXPECT_EQ(ErrorBodyMessageOf(R"({"message":"line1\nline2"})"), "line1 line2");
  std::string longer = R"({"message":")" + std::string(500, 'x') + "\"}";
  EXPECT_EQ(ErrorBodyMessageOf(longer, 10), "xxxxxxxxxx...");
}

TEST(HttpUtilTest, ErrorBodyMessageScrubsSecretsBeforeCutting) {
  // The cut falls inside the secret: not even a prefix of it may remain.
  std::string body = R"({"message":"abc TOPSECRETVALUE def"})";
  std::string out = ErrorBodyMessageOf(body, 8, {"TOPSECRETVALUE"});
  EXPECT_EQ(out.find("TOP"), std::string::npos) << out;
}

TEST(HttpUtilTest, RetryAfterAcceptsSecondsAndHttpDates) {
  EXPECT_EQ(http::ParseRetryAfter("5", 0), 5);
  EXPECT_EQ(http::ParseRetryAfter(" 120 \r\n", 0), 120);
  EXPECT_EQ(http::ParseRetryAfter("", 0), -1);
  EXPECT_EQ(http::ParseRetryAfter("soon", 0), -1);
  EXPECT_EQ(http::ParseRetryAfter("99999999999", 0), 86400);
  // Thu, 01 Jan 1970 00:01:40 GMT is 100 s after the epoch.
  EXPECT_EQ(http::ParseRetryAfter("Thu, 01 Jan 1970 00:01:40 GMT", 40), 60);
  EXPECT_EQ(http::ParseRetryAfter("Thu, 01 Jan 1970 00:01:40 GMT", 500), 0);
}

// Found by retry_after_fuzzer: ten digits were read as "too long", a day.
TEST(HttpUtilTest, RetryAfterReadsLeadingZerosAsTheirValue) {
  EXPECT_EQ(http::ParseRetryAfter("0000000005", 0), 5);
  EXPECT_EQ(http::ParseRetryAfter("000000000000000", 0), 0);
  EXPECT_EQ(http::ParseRetryAfter("00000000000086400", 0), 86400);
  EXPECT_EQ(http::ParseRetryAfter("00000000000086401", 0), 86400);
}

}  // namespace
}  // namespace vb365
