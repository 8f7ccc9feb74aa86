// ServerSet (reload semantics without the network: the refreshers are built
// but not started), ProbeTarget, and the /-/reload and /probe routes of the
// HTTP server on 127.0.0.1:0.
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "app/http_server.h"
#include "app/server_set.h"
#include "metrics/exposition.h"

namespace vb365 {
namespace {

std::string ServerYaml(const std::string& name, const std::string& timeout) {
  return "  - name: " + name +
         "\n    url: https://127.0.0.1:1\n    username: u\n"
         "    password: p\n    timeout: " +
         timeout + "\n";
}

Config Load(const std::string& servers_yaml) {
  Result<Config> c = LoadConfigString("servers:\n" + servers_yaml, "t.yml");
  if (!c.ok()) throw std::runtime_error(c.error().message());
  return std::move(*c);
}

std::string SelfText(const SelfMetrics& self) {
  return SerializeText(Exposition({self.registry().get()}));
}

class ServerSetTest : public ::testing::Test {
 protected:
  SelfMetrics self_{"v", "r"};
  SnapshotCollector collector_;
};

TEST_F(ServerSetTest, ReloadKeepsUnchangedRestartsChangedDropsRemoved) {
  ServerSet set(ServerShard{}, &self_, &collector_);
  ServerSetChanges first =
      set.Apply(Load(ServerYaml("a", "5s") + ServerYaml("b", "5s")));
  EXPECT_EQ(first.added, (std::vector<std::string>{"a", "b"}));
  self_.ForServer("a").OnRefreshFailure();
  const auto snapshot_a = collector_.Get("a");
  ASSERT_NE(snapshot_a, nullptr);

  ServerSetChanges second =
      set.Apply(Load(ServerYaml("a", "5s") + ServerYaml("c", "5s")));
  EXPECT_EQ(second.unchanged, (std::vector<std::string>{"a"}));
  EXPECT_EQ(second.added, (std::vector<std::string>{"c"}));
  EXPECT_EQ(second.removed, (std::vector<std::string>{"b"}));
  // a's refresher was not rebuilt (a rebuilt one publishes a new snapshot)
  // and its counter continues.
  EXPECT_EQ(collector_.Get("a"), snapshot_a);
  EXPECT_NE(
      SelfText(self_).find("vb365_refresh_failures_total{server=\"a\"} 1"),
      std::string::npos);
  // b is gone from the page and from the self metrics.
  EXPECT_EQ(collector_.Get("b"), nullptr);
  EXPECT_EQ(collector_.Text()->find("server=\"b\""), std::string::npos);
  EXPECT_EQ(SelfText(self_).find("server=\"b\""), std::string::npos);
  EXPECT_NE(collector_.Get("c"), nullptr);

  ServerSetChanges third =
      set.Apply(Load(ServerYaml("a", "9s") + ServerYaml("c", "5s")));
  EXPECT_EQ(third.changed, (std::vector<std::string>{"a"}));
  EXPECT_EQ(third.unchanged, (std::vector<std::string>{"c"}));
  EXPECT_NE(collector_.Get("a"), snapshot_a);  // rebuilt: a fresh snapshot
  // A restarted server's self counters continue.
  EXPECT_NE(
      SelfText(self_).find("vb365_refresh_failures_total{server=\"a\"} 1"),
      std::string::npos);
}

TEST_F(ServerSetTest, ShardTakesOnlyItsServersAndProbeTellsWhy) {
  // FNV-1a 64 mod 2: sim-00 -> 1, sim-01 -> 0 (pinned in shard_test).
  ServerSet set(ServerShard{0, 2}, &self_, &collector_);
  ServerSetChanges c =
      set.Apply(Load(ServerYaml("sim-00", "5s") + ServerYaml("sim-01", "5s")));
  EXPECT_EQ(c.added, (std::vector<std::string>{"sim-01"}));
  EXPECT_EQ(c.other_shard, (std::vector<std::string>{"sim-00"}));
  EXPECT_EQ(collector_.Get("sim-00"), nullptr);
  EXPECT_EQ(set.Find("sim-01"), ServerSet::Lookup::kServed);
  EXPECT_EQ(set.Find("sim-00"), ServerSet::Lookup::kOtherShard);
  EXPECT_EQ(set.Find("nope"), ServerSet::Lookup::kUnknown);

  self_.ForServer("sim-01").OnRefreshFailure();
  auto ok = ProbeTarget("sim-01", set, self_, collector_);
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("vb365_up{server=\"sim-01\"} 0"), std::string::npos)
      << ok.body;
  EXPECT_NE(ok.body.find("vb365_refresh_failures_total{server=\"sim-01\"} 1"),
            std::string::npos);
  EXPECT_EQ(ok.body.find("build_info"), std::string::npos);
  EXPECT_EQ(ok.body.find("vb365_config_last_reload"), std::string::npos);

  auto other = ProbeTarget("sim-00", set, self_, collector_);
  EXPECT_EQ(other.status, 400);
  EXPECT_NE(other.body.find("served by another replica (this one is "
                            "--servers.shard=0/2)"),
            std::string::npos)
      << other.body;
  // A reload keeps the shard: an added server on the other shard is not
  // taken, one on this shard is.
  ServerSetChanges again =
      set.Apply(Load(ServerYaml("sim-00", "5s") + ServerYaml("sim-01", "5s") +
                     ServerYaml("sim-02", "5s") + ServerYaml("sim-03", "5s")));
  // FNV-1a 64 mod 2: sim-02 -> 1, sim-03 -> 0.
  EXPECT_EQ(again.unchanged, (std::vector<std::string>{"sim-01"}));
  EXPECT_EQ(again.added, (std::vector<std::string>{"sim-03"}));
  EXPECT_EQ(again.other_shard, (std::vector<std::string>{"sim-00", "sim-02"}));
  EXPECT_EQ(collector_.Get("sim-02"), nullptr);

  auto unknown = ProbeTarget("no\nsuch", set, self_, collector_);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("unknown target \"no?such\""), std::string::npos)
      << unknown.body;
}

TEST_F(ServerSetTest, ReloadGaugesFollowTheLastLoad) {
  self_.SetConfigReload(true, 1700000000);
  self_.SetConfigReload(false, 0);
  const std::string text = SelfText(self_);
  EXPECT_NE(text.find("vb365_config_last_reload_successful 0"),
            std::string::npos);
  EXPECT_NE(text.find("vb365_config_last_reload_success_timestamp_seconds "
                      "1700000000"),
            std::string::npos)
      << text;
}

class LifecycleRoutesTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions o) {
    o.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(o, Exposition({}, &collector_));
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  SnapshotCollector collector_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
  int reloads_ = 0;
};

TEST_F(LifecycleRoutesTest, ReloadNeedsTheFlagAndPost) {
  HttpServerOptions o;
  o.reload = [this]() -> Status {
    ++reloads_;
    return Ok{};
  };
  Start(o);
  auto off = client_->Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, 403);
  EXPECT_NE(off->body.find("--web.enable-lifecycle"), std::string::npos);
  EXPECT_EQ(reloads_, 0);
}

TEST_F(LifecycleRoutesTest, ReloadAnswersItsOutcome) {
  HttpServerOptions o;
  o.enable_lifecycle = true;
  bool fail = false;
  o.reload = [this, &fail]() -> Status {
    ++reloads_;
    if (fail) return Error{ErrorCode::kConfig, "t.yml:3: servers[0]: bad"};
    return Ok{};
  };
  Start(o);
  auto get = client_->Get("/-/reload");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST, PUT");
  EXPECT_EQ(reloads_, 0);
  auto ok = client_->Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(reloads_, 1);
  fail = true;
  auto bad = client_->Post("/-/reload", "", "text/plain");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->body, "failed to reload config: t.yml:3: servers[0]: bad\n");
}

TEST_F(LifecycleRoutesTest, ProbeNeedsATargetAndGzipsLikeMetrics) {
  HttpServerOptions o;
  o.probe = [](const std::string& target) {
    if (target != "east") {
      return HttpServerOptions::ProbeAnswer{400, "unknown target\n"};
    }
    return HttpServerOptions::ProbeAnswer{200, "vb365_up{server=\"east\"} 1\n"};
  };
  Start(o);
  auto missing = client_->Get("/probe");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_NE(missing->body.find("target parameter is missing"),
            std::string::npos);
  auto unknown = client_->Get("/probe?target=west");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  auto plain = client_->Get("/probe?target=east");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, "vb365_up{server=\"east\"} 1\n");
  EXPECT_EQ(plain->get_header_value("Content-Type"), kMetricsContentType);
  // httplib's client inflates a gzip'd body itself.
  auto gz = client_->Get("/probe?target=east", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(gz->body, "vb365_up{server=\"east\"} 1\n");
}

}  // namespace
}  // namespace vb365
