// The exporter's HTTP server on 127.0.0.1:0: metrics content type and gzip,
// landing page, health, basic auth. (TLS runs in the e2e tests, with the
// simulator's throwaway certificate.)
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include "app/http_server.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {
namespace {

std::shared_ptr<const ServerSnapshot> Snap() {
  auto s = std::make_shared<ServerSnapshot>();
  s->server = "east";
  s->up = true;
  s->api_version = "v8";
  JobSummary j;
  j.job.id = "job-1";
  j.job.name = "Daily";
  s->jobs.push_back(j);
  return s;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.listen_address = "127.0.0.1:0";
    collector_.Publish(Snap());
    server_ =
        std::make_unique<HttpServer>(options, Exposition({}, &collector_));
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
    client_->set_connection_timeout(10, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  SnapshotCollector collector_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, MetricsPathServesTheTextFormat) {
  HttpServerOptions o;
  o.telemetry_path = "/custom/metrics";
  Start(o);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
  auto res = client_->Get("/custom/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res->body.find("vb365_up{server=\"east\"} 1"), std::string::npos);
  EXPECT_NE(res->body.find("job_name=\"Daily\""), std::string::npos);
  EXPECT_EQ(client_->Get("/metrics")->status, 404);
}

TEST_F(HttpServerTest, GzipWhenTheClientAsksForIt) {
  Start({});
  httplib::Headers gzip = {{"Accept-Encoding", "gzip"}};
  client_->set_decompress(false);
  auto res = client_->Get("/metrics", gzip);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
  // gzip magic bytes.
  ASSERT_GE(res->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(res->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(res->body[1]), 0x8b);
  auto plain = client_->Get("/metrics");
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_NE(plain->body.find("vb365_up"), std::string::npos);
  // The gzip'd page (the cached stream spliced in) is the same page.
  client_->set_decompress(true);
  auto inflated = client_->Get("/metrics", gzip);
  ASSERT_TRUE(inflated);
  EXPECT_EQ(inflated->body, plain->body);
}

TEST(AcceptsGzipTest, TokensAndQualities) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("identity, GZip"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.5, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("br, deflate"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip ; q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(AcceptsGzipTest, BytesAbove0x7FInTheHeaderAreNeitherLetterNorCrash) {
  // obs-text and UTF-8 in a header: compared as bytes, never lower-cased
  // (std::tolower on a negative char is undefined behaviour).
  EXPECT_TRUE(AcceptsGzip("\xc3\xa9t\xc3\xa9, gzip"));
  EXPECT_TRUE(AcceptsGzip("\xff\x80, GZIP;Q=0.5"));
  EXPECT_FALSE(AcceptsGzip("gzip\xc9"));
  EXPECT_FALSE(AcceptsGzip("\xc7zip"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, \xe9"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=\xb9"));  // a malformed q is not a refusal
}

TEST_F(HttpServerTest, HeaderWithBytesAbove0x7FStillGetsGzip) {
  Start({});
  client_->set_decompress(false);
  auto res =
      client_->Get("/metrics", {{"Accept-Encoding", "\xe9\xff\x80, gzip"},
                                {"User-Agent", "pr\xc3\xb6m\xff"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
}

TEST_F(HttpServerTest, LandingPageLinksToTheMetricsAndHealthAnswers) {
  HttpServerOptions o;
  o.telemetry_path = "/m";
  Start(o);
  auto res = client_->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/html"),
            std::string::npos);
  EXPECT_NE(res->body.find("href=\"/m\""), std::string::npos);
  auto health = client_->Get("/-/healthy");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(HttpServerTest, StatusPageIsServedAtTheRootWithAPolicyAllowingNoScript) {
  HttpServerOptions o;
  int calls = 0;
  o.status_page = [&calls] {
    ++calls;
    return std::string("<!DOCTYPE html><p>page ") + std::to_string(calls);
  };
  Start(o);
  auto res = client_->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(res->body, "<!DOCTYPE html><p>page 1");
  const std::string csp = res->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("script-src"), std::string::npos) << csp;
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  // Rendered per request: the next GET shows the newer state.
  EXPECT_EQ(client_->Get("/")->body, "<!DOCTYPE html><p>page 2");
  // The metrics and health endpoints are unchanged.
  EXPECT_NE(client_->Get("/metrics")->body.find("vb365_up"), std::string::npos);
  EXPECT_EQ(client_->Get("/-/healthy")->status, 200);
}

TEST_F(HttpServerTest, BasicAuthRejectsMissingAndWrongCredentials) {
  HttpServerOptions o;
  o.basic_auth = [](const std::string& u, const std::string& p) {
    return u == "prom" && p == "s3cret:x";
  };
  Start(o);
  auto none = client_->Get("/metrics");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_NE(none->get_header_value("WWW-Authenticate").find("Basic"),
            std::string::npos);
  EXPECT_EQ(none->body.find("vb365_up"), std::string::npos);
  client_->set_basic_auth("prom", "wrong");
  EXPECT_EQ(client_->Get("/metrics")->status, 401);
  client_->set_basic_auth("prom", "s3cret:x");  // a colon in the password
  auto ok = client_->Get("/metrics");
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("vb365_up"), std::string::npos);
}

TEST(HttpServerStartTest, AConnectionRightAfterStartIsServed) {
  SnapshotCollector collector;
  collector.Publish(Snap());
  // Several rounds: a Start that returned before its accept loop ran would
  // lose the Stop() that follows (and hang) or leave the request waiting.
  for (int round = 0; round < 20; ++round) {
    HttpServerOptions o;
    o.listen_address = "127.0.0.1:0";
    HttpServer server(o, Exposition({}, &collector));
    ASSERT_TRUE(server.Start().ok());
    httplib::Client client("127.0.0.1", server.port());
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(2, 0);
    auto res = client.Get("/-/healthy");
    ASSERT_TRUE(res) << "round " << round << ": "
                     << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    server.Stop();
  }
  // And a Stop() straight after Start() returns.
  HttpServerOptions o;
  o.listen_address = "127.0.0.1:0";
  HttpServer server(o, Exposition({}, &collector));
  ASSERT_TRUE(server.Start().ok());
  server.Stop();
}

TEST_F(HttpServerTest, BusyPortGivesAnErrorNotACrash) {
  Start({});
  HttpServerOptions o;
  o.listen_address = "127.0.0.1:" + std::to_string(server_->port());
  HttpServer second(o, Exposition({}, &collector_));
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("cannot listen"), std::string::npos);
  EXPECT_EQ(s.error().code(), ErrorCode::kIo) << s.error();
}

}  // namespace
}  // namespace vb365
