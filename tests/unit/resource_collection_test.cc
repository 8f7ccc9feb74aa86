// The resource collectors (collection/resource_collectors.h) through the
// real Refresher, Client and readers, against the in-memory VB365 of
// fake_transport.h with the resource endpoints added: 404 skipped, failure
// isolation, last good values, licensed users paged and on their interval,
// the collectors config.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collection/refresher.h"
#include "common/log.h"
#include "config/config.h"
#include "fake_transport.h"

namespace vb365 {
namespace {

using testing::FakeVb365;
using testing::MakeResponse;
using testing::PathOf;
using testing::QueryValue;

std::string Page(int64_t offset, int64_t limit, const std::string& items,
                 bool next) {
  return "{\"offset\":" + std::to_string(offset) +
         ",\"limit\":" + std::to_string(limit) + ",\"results\":[" + items +
         "],\"_links\":{" + (next ? "\"next\":{\"href\":\"x\"}" : "") + "}}";
}

// FakeVb365 for jobs and tokens, plus the resources of issue 9 in the v6/v7
// or v8 shapes. v8 collections page by at most 30, like the real server.
class ResourceServer : public Transport {
 public:
  FakeVb365 base;
  int licensed_users = 2500;                // in two organizations
  std::map<std::string, int> fail;          // resource path (no /vN) -> status
  std::map<std::string, std::string> body;  // resource path -> raw body
  int repositories = 45;
  int64_t max_limit = 1000;  // the server's cap on limit
  // /RestoreSessions: the page for a request URL (unset: 404).
  std::function<std::string(const std::string& url)> restores;
  bool health_saw_token = false;

  HttpResponse Send(const HttpRequest& request) override {
    const std::string path = PathOf(request.url);
    const size_t slash = path.find('/', 1);
    const int v = std::atoi(path.substr(2, slash - 2).c_str());
    const std::string rest =
        slash == std::string::npos ? "" : path.substr(slash);
    if (!IsResource(rest) || base.versions.count(v) == 0) {
      return base.Send(request);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(rest);
      urls_.push_back(request.url);
    }
    if (rest == "/Health") {
      health_saw_token =
          !testing::HeaderValue(request, "Authorization").empty();
    }
    if (rest != "/Health" &&
        testing::HeaderValue(request, "Authorization").rfind("Bearer ", 0) !=
            0) {
      return MakeResponse(401, "");
    }
    if (auto it = fail.find(rest); it != fail.end()) {
      return MakeResponse(it->second, R"({"message":"injected"})");
    }
    if (auto it = body.find(rest); it != body.end()) {
      return MakeResponse(200, it->second);
    }
    return Serve(rest, v, request.url);
  }

  int count(const std::string& rest) const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(
        std::count(requests_.begin(), requests_.end(), rest));
  }
  std::vector<std::string> urls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return urls_;
  }
  void clear_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.clear();
  }

 private:
  static bool IsResource(const std::string& rest) {
    for (const char* p :
         {"/License", "/BackupRepositories", "/Proxies", "/Organizations",
          "/LicensedUsers", "/Health", "/RestoreSessions"}) {
      if (rest.rfind(p, 0) == 0) return true;
    }
    return false;
  }

  // Items [offset, offset+limit) of n made by item(i), paged on v8 (or
  // always, for /LicensedUsers), an array otherwise.
  template <typename Item>
  HttpResponse Collection(int n, bool paged, const std::string& url,
                          Item item) {
    std::string items;
    int64_t offset = 0, limit = n;
    if (paged) {
      offset = std::atoll(QueryValue(url, "offset").c_str());
      const std::string l = QueryValue(url, "limit");
      limit =
          std::min<int64_t>(l.empty() ? 30 : std::atoll(l.c_str()), max_limit);
    }
    const int64_t end = std::min<int64_t>(n, offset + limit);
    for (int64_t i = offset; i < end; ++i) {
      if (!items.empty()) items += ",";
      items += item(static_cast<int>(i));
    }
    if (!paged) return MakeResponse(200, "[" + items + "]");
    return MakeResponse(200, Page(offset, limit, items, end < n));
  }

  HttpResponse Serve(const std::string& rest, int v, const std::string& url) {
    const bool v8 = v >= 8;
    if (rest == "/License") {
      return MakeResponse(
          200, v8 ? R"({"status":"Valid","type":"Subscription",)"
                    R"("package":"Enterprise","licensedTo":"Example",)"
                    R"("licenseExpires":"2027-01-01T00:00:00Z",)"
                    R"("gracePeriodExpires":null,"totalNumber":3000,)"
                    R"("usedNumber":2500,"newNumber":5})"
                  : R"({"status":"Valid","type":"Subscription",)"
                    R"("licensedTo":"Example",)"
                    R"("expirationDate":"2027-01-01T00:00:00Z",)"
                    R"("totalNumber":3000,"usedNumber":2500,"newNumber":5})");
    }
    if (rest == "/BackupRepositories") {
      return Collection(repositories, v8, url, [](int i) {
        return "{\"id\":\"r" + std::to_string(i) + "\",\"name\":\"repo " +
               std::to_string(i) +
               "\",\"capacityBytes\":1000,\"freeSpaceBytes\":40,"
               "\"isOutOfSync\":false}";
      });
    }
    if (rest == "/Proxies") {
      return Collection(2, v8, url, [](int i) {
        return "{\"id\":\"p" + std::to_string(i) + "\",\"hostName\":\"proxy" +
               std::to_string(i) + "\",\"status\":\"" +
               (i == 0 ? "Online" : "Offline") + "\"}";
      });
    }
    if (rest == "/Organizations") {
      return Collection(2, v8, url, [](int i) {
        return "{\"id\":\"o" + std::to_string(i) + "\",\"name\":\"org" +
               std::to_string(i) +
               ".example\",\"type\":\"Office365\",\"isBackedup\":true}";
      });
    }
    if (rest == "/Organizations/SyncState" && v8) {
      return MakeResponse(
          200,
          R"([{"organizationId":"o0","lastSyncState":{"result":"Error",)"
          R"("endTime":"2026-12-01T00:00:00Z"},"currentSyncState":null}])");
    }
    if (rest.rfind("/Organizations/", 0) == 0 && v == 7) {
      if (rest != "/Organizations/o1/SyncState") {
        return MakeResponse(404, R"({"message":"none"})");
      }
      return MakeResponse(200, R"({"type":"Incremental","status":"Success",)"
                               R"("lastSyncTime":"2026-12-01T00:00:00Z"})");
    }
    if (rest == "/LicensedUsers") {
      return Collection(licensed_users, true, url, [](int i) {
        return "{\"id\":\"u" + std::to_string(i) + "\",\"organizationId\":\"o" +
               std::to_string(i % 2) +
               "\",\"isBackedUp\":" + (i % 10 == 0 ? "false" : "true") +
               ",\"licenseState\":\"" + (i % 100 == 0 ? "New" : "Licensed") +
               "\"}";
      });
    }
    if (rest == "/RestoreSessions" && restores) {
      return MakeResponse(200, restores(url));
    }
    if (rest == "/Health" && v8) {
      return MakeResponse(
          200,
          R"({"status":"Healthy","entries":{"NATS":{"status":"Healthy"}}})");
    }
    return MakeResponse(404, R"({"message":"no such resource"})");
  }

  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<std::string> urls_;
};

class NullSink : public SnapshotSink {
 public:
  void Publish(std::shared_ptr<const ServerSnapshot>) override {}
};

class ResourceCollection : public ::testing::Test {
 protected:
  void SetUp() override { SetLogSinkForTesting(&log_); }
  void TearDown() override { SetLogSinkForTesting(nullptr); }

  ServerConfig Config(int version) {
    server_.base.versions = {version};
    server_.base.jobs = 2;
    ServerConfig c;
    c.name = "east";
    c.url = "https://vb365.test:4443";
    c.username = server_.base.username;
    c.password = Secret(server_.base.password);
    return c;
  }
  void Start(ServerConfig config) {
    client_ = std::make_unique<Client>(config, &server_, nullptr);
    source_ = std::make_unique<ClientJobSource>(client_.get());
    RefresherOptions options;
    options.now = [this] { return now_; };
    refresher_ = std::make_unique<Refresher>(config, options, source_.get(),
                                             &sink_, nullptr);
  }
  std::shared_ptr<const ServerSnapshot> Refresh() {
    return refresher_->RefreshOnce();
  }
  static const CollectorRun* Run(const ServerSnapshot& s,
                                 const std::string& name) {
    for (const CollectorRun& c : s.resources.collectors) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
  static std::vector<std::string> RunNames(const ServerSnapshot& s) {
    std::vector<std::string> names;
    for (const CollectorRun& c : s.resources.collectors) {
      names.push_back(c.name + (c.success ? "" : "!"));
    }
    return names;
  }

  std::string log_;
  ResourceServer server_;
  NullSink sink_;
  Timestamp now_ = *ParseTimestamp("2026-12-02T06:00:00Z");
  std::unique_ptr<Client> client_;
  std::unique_ptr<ClientJobSource> source_;
  std::unique_ptr<Refresher> refresher_;
};

constexpr Timestamp kMinute = 60 * kTicksPerSecond;

TEST_F(ResourceCollection, V8ReadsEveryResourceAndEveryPage) {
  Start(Config(8));
  auto s = Refresh();
  ASSERT_TRUE(s->up);
  EXPECT_EQ(s->jobs.size(), 2u);
  EXPECT_EQ(RunNames(*s), (std::vector<std::string>{
                              "jobs", "license", "repositories", "proxies",
                              "organizations", "licensed_users", "health"}));
  ASSERT_TRUE(s->resources.license.has_value());
  EXPECT_EQ(s->resources.license->package, "Enterprise");
  // 45 repositories in pages of 1000 asked: one page (the limit is honoured).
  EXPECT_EQ(s->resources.repositories.size(), 45u);
  EXPECT_EQ(s->resources.proxies.size(), 2u);
  ASSERT_EQ(s->resources.organizations.size(), 2u);
  const Organization& o0 = s->resources.organizations[0];
  EXPECT_EQ(o0.id, "o0");
  ASSERT_TRUE(o0.sync.has_value());
  EXPECT_EQ(o0.sync->last_result, SyncResult::kError);
  EXPECT_FALSE(s->resources.organizations[1].sync.has_value());
  // 2,500 users in pages of 1000: three requests, every user counted.
  EXPECT_EQ(server_.count("/LicensedUsers"), 3);
  ASSERT_TRUE(o0.users.has_value());
  const UserCounts& u0 = *o0.users;
  EXPECT_EQ(u0.by_state[static_cast<size_t>(LicenseState::kLicensed)] +
                u0.by_state[static_cast<size_t>(LicenseState::kNew)],
            1250);
  EXPECT_EQ(u0.by_state[static_cast<size_t>(LicenseState::kNew)], 25);
  EXPECT_EQ(u0.not_backed_up, 250);  // every tenth user, all in o0
  EXPECT_EQ(s->resources.organizations[1].users->not_backed_up, 0);
  ASSERT_TRUE(s->resources.health.has_value());
  EXPECT_EQ(s->resources.health->status, HealthStatus::kHealthy);
}

TEST_F(ResourceCollection, V8PagesOfThirtyAreAllRead) {
  Start(Config(8));
  server_.repositories = 75;
  server_.max_limit = 30;  // a server that pages by its default of 30
  auto s = Refresh();
  ASSERT_EQ(s->resources.repositories.size(), 75u);
  EXPECT_EQ(server_.count("/BackupRepositories"), 3);
  // Sorted by name: "repo 0", "repo 1", "repo 10", ...
  EXPECT_EQ(s->resources.repositories[0].id, "r0");
  EXPECT_EQ(s->resources.repositories[2].id, "r10");
}

TEST_F(ResourceCollection, V6SkipsWhatTheVersionLacksAndLogsOnce) {
  ServerConfig c = Config(6);
  Start(c);
  server_.fail["/License"] = 404;
  auto s = Refresh();
  ASSERT_TRUE(s->up);
  EXPECT_EQ(RunNames(*s),
            (std::vector<std::string>{"jobs", "repositories", "proxies",
                                      "organizations", "licensed_users"}));
  EXPECT_FALSE(s->resources.license.has_value());
  EXPECT_FALSE(s->resources.health.has_value());
  EXPECT_EQ(server_.count("/Health"), 0);  // known absent: not even asked
  EXPECT_EQ(server_.count("/License"), 1);
  EXPECT_FALSE(s->resources.organizations[0].sync.has_value());  // v6
  EXPECT_EQ(s->resources.repositories.size(), 45u);  // an array on v6
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t p = log_.find(what); p != std::string::npos;
         p = log_.find(what, p + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("skipped"), 3u) << log_;  // license, restores, health
  now_ += 2 * kMinute;
  s = Refresh();
  EXPECT_EQ(server_.count("/License"), 1);  // not asked again on v6
  EXPECT_EQ(count("skipped"), 3u) << log_;
  EXPECT_EQ(log_.find("level=warn"), std::string::npos) << log_;
}

TEST_F(ResourceCollection, V7ReadsSyncStatePerOrganization) {
  Start(Config(7));
  auto s = Refresh();
  ASSERT_EQ(s->resources.organizations.size(), 2u);
  EXPECT_EQ(server_.count("/Organizations/o0/SyncState"), 1);
  EXPECT_EQ(server_.count("/Organizations/o1/SyncState"), 1);
  EXPECT_FALSE(s->resources.organizations[0].sync.has_value());  // 404
  const Organization& o1 = s->resources.organizations[1];
  ASSERT_TRUE(o1.sync.has_value());
  EXPECT_EQ(o1.sync->last_result, SyncResult::kSuccess);
  EXPECT_FALSE(o1.sync->running.has_value());  // v7 does not say
  EXPECT_EQ(Run(*s, "organizations")->success, true);
}

TEST_F(ResourceCollection, OneFailingCollectorKeepsItsLastValuesAndNoOther) {
  Start(Config(8));
  auto first = Refresh();
  ASSERT_EQ(first->resources.proxies.size(), 2u);
  server_.fail["/Proxies"] = 500;
  server_.body["/License"] = R"({"status":"Expired","type":"Rental"})";
  now_ += 2 * kMinute;
  auto s = Refresh();
  EXPECT_TRUE(s->up);
  EXPECT_EQ(s->jobs.size(), 2u);
  ASSERT_NE(Run(*s, "proxies"), nullptr);
  EXPECT_FALSE(Run(*s, "proxies")->success);
  EXPECT_EQ(s->resources.proxies.size(), 2u);  // the last good values
  EXPECT_EQ(s->resources.proxies[0].host, "proxy0");
  EXPECT_TRUE(Run(*s, "license")->success);  // the others go on
  EXPECT_EQ(s->resources.license->status, LicenseStatus::kExpired);
  EXPECT_TRUE(Run(*s, "repositories")->success);
  EXPECT_NE(log_.find("level=warn msg=\"collector failed\""), std::string::npos)
      << log_;
  // A malformed body is a failure too, and keeps the values.
  server_.fail.erase("/Proxies");
  server_.body["/Proxies"] = R"([{"id":"p9","status":7}])";
  s = Refresh();
  EXPECT_FALSE(Run(*s, "proxies")->success);
  EXPECT_EQ(s->resources.proxies.size(), 2u);
  server_.body.erase("/Proxies");
  s = Refresh();
  EXPECT_TRUE(Run(*s, "proxies")->success);
  EXPECT_NE(log_.find("collector succeeded again"), std::string::npos);
}

// A resource the server has served on this version that answers 404 (a
// reverse proxy's route missing for a while) fails its collector, keeps its
// values and is asked again; it is not skipped as a resource the version lacks.
TEST_F(ResourceCollection, A404OnAResourceServedBeforeIsAFailureNotASkip) {
  Start(Config(8));
  auto first = Refresh();
  ASSERT_TRUE(Run(*first, "license")->success);
  server_.fail["/License"] = 404;
  now_ += 2 * kMinute;
  auto s = Refresh();
  ASSERT_NE(Run(*s, "license"), nullptr);
  EXPECT_FALSE(Run(*s, "license")->success);
  EXPECT_TRUE(s->resources.license.has_value());  // the last good values
  EXPECT_NE(log_.find("level=warn msg=\"collector failed\""), std::string::npos)
      << log_;
  // The skip line names the version; the license's must not be there.
  EXPECT_EQ(log_.find("collector=license api_version="), std::string::npos)
      << log_;
  server_.fail.erase("/License");
  s = Refresh();
  EXPECT_EQ(server_.count("/License"), 3);  // asked at every refresh
  EXPECT_TRUE(Run(*s, "license")->success);
  EXPECT_NE(log_.find("collector succeeded again"), std::string::npos);
}

TEST_F(ResourceCollection, JobsFailingLeavesTheResourcesAsTheyWere) {
  Start(Config(8));
  auto first = Refresh();
  ASSERT_TRUE(first->resources.license.has_value());
  server_.base.fail_path["/v8/Jobs"] = 500;
  auto s = Refresh();
  EXPECT_FALSE(s->up);
  EXPECT_TRUE(s->resources.license.has_value());
  // The jobs collector failed; the resources' runs are those of the last
  // good refresh.
  std::vector<std::string> want = RunNames(*first);
  ASSERT_EQ(want.front(), "jobs");
  want.front() = "jobs!";
  EXPECT_EQ(RunNames(*s), want);
}

TEST_F(ResourceCollection, LicensedUsersReadOncePerInterval) {
  ServerConfig c = Config(8);
  c.licensed_users_interval = std::chrono::minutes(60);
  Start(c);
  Refresh();
  EXPECT_EQ(server_.count("/LicensedUsers"), 3);
  now_ += 30 * kMinute;
  server_.licensed_users = 10;
  auto s = Refresh();
  EXPECT_EQ(server_.count("/LicensedUsers"), 3);  // not due
  EXPECT_EQ(s->resources.organizations[0].users->not_backed_up, 250);
  EXPECT_EQ(server_.count("/License"), 2);  // the others every refresh
  now_ += 31 * kMinute;
  s = Refresh();
  EXPECT_EQ(server_.count("/LicensedUsers"), 4);  // due: one page of 10
  EXPECT_EQ(s->resources.organizations[0].users->not_backed_up, 1);
  // A failure is retried at the next refresh, not an interval later.
  now_ += 61 * kMinute;
  server_.fail["/LicensedUsers"] = 503;
  s = Refresh();
  EXPECT_FALSE(Run(*s, "licensed_users")->success);
  EXPECT_EQ(s->resources.organizations[0].users->not_backed_up, 1);
  server_.fail.erase("/LicensedUsers");
  now_ += kMinute;
  s = Refresh();
  EXPECT_TRUE(Run(*s, "licensed_users")->success);
  EXPECT_EQ(server_.count("/LicensedUsers"), 6);
}

TEST_F(ResourceCollection, OnlyTheConfiguredCollectorsRun) {
  ServerConfig c = Config(8);
  c.collectors = {"license", "health"};  // no jobs either
  Start(c);
  auto s = Refresh();
  EXPECT_TRUE(s->up);
  EXPECT_TRUE(s->jobs.empty());
  EXPECT_EQ(RunNames(*s), (std::vector<std::string>{"license", "health"}));
  EXPECT_EQ(server_.count("/Proxies"), 0);
  EXPECT_EQ(server_.count("/LicensedUsers"), 0);
  for (const std::string& p : server_.base.paths()) {
    EXPECT_EQ(p.find("/Jobs"), std::string::npos) << p;
  }
}

TEST_F(ResourceCollection, HealthIsReadWithoutAToken) {
  Start(Config(8));
  auto s = Refresh();
  ASSERT_EQ(server_.count("/Health"), 1);
  EXPECT_FALSE(server_.health_saw_token);
  EXPECT_TRUE(Run(*s, "health")->success);
}

// A restore session object; end "" while Working.
std::string Restore(const std::string& id, const std::string& type,
                    const std::string& result, const std::string& created,
                    const std::string& end) {
  return "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"result\":\"" +
         result + "\",\"creationTime\":\"" + created +
         "\",\"endTime\":" + (end.empty() ? "null" : "\"" + end + "\"") +
         ",\"state\":\"" + (end.empty() ? "Working" : "Stopped") + "\"}";
}

TEST_F(ResourceCollection, RestoresCountedOnceAfterTheBaselineOnV8) {
  Start(Config(8));
  // What the server has; the reads return all of it (a server that ignores
  // the filters: the worst case for counting once).
  std::vector<std::string> items = {
      Restore("r1", "Vex", "Success", "2026-12-02T04:00:00Z",
              "2026-12-02T04:10:00Z"),
      Restore("r2", "Veod", "Success", "2026-12-02T05:50:00Z", "")};
  server_.restores = [&items](const std::string&) {
    std::string joined;
    for (const std::string& i : items)
      joined += (joined.empty() ? "" : ",") + i;
    return Page(0, 1000, joined, false);
  };
  auto s = Refresh();
  ASSERT_TRUE(s->resources.restores.has_value());
  ASSERT_TRUE(Run(*s, "restore_sessions")->success);
  const auto& base = *s->resources.restores;
  EXPECT_EQ(base[static_cast<size_t>(RestoreType::kVex)].finished[0], 0u);
  EXPECT_EQ(base[static_cast<size_t>(RestoreType::kVeod)].running, 1);
  // v8: two reads, started within session_history and ended since then.
  std::vector<std::string> urls = server_.urls();
  ASSERT_GE(urls.size(), 2u);
  int started = 0, ended = 0;
  for (const std::string& u : urls) {
    started += u.find("RestoreSessions?startTimeFrom=2026-11-25T06") !=
               std::string::npos;
    ended += u.find("RestoreSessions?endTimeFrom=2026-11-25T06") !=
             std::string::npos;
  }
  EXPECT_EQ(started, 1);
  EXPECT_EQ(ended, 1);
  // r2 fails, r3 is new: each counts once although every read returns all.
  items[1] = Restore("r2", "Veod", "Failed", "2026-12-02T05:50:00Z",
                     "2026-12-02T06:01:00Z");
  items.push_back(Restore("r3", "Vex", "Warning", "2026-12-02T06:00:00Z",
                          "2026-12-02T06:02:00Z"));
  now_ += 5 * kMinute;
  s = Refresh();
  now_ += 5 * kMinute;
  s = Refresh();
  const auto& r = *s->resources.restores;
  EXPECT_EQ(r[static_cast<size_t>(RestoreType::kVex)].finished[0], 0u);
  EXPECT_EQ(r[static_cast<size_t>(RestoreType::kVex)].finished[1], 1u);
  EXPECT_EQ(r[static_cast<size_t>(RestoreType::kVeod)].finished[2], 1u);
  EXPECT_EQ(r[static_cast<size_t>(RestoreType::kVeod)].running, 0);
  // The later reads start an hour before the previous one.
  const std::vector<std::string> all = server_.urls();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const std::string& u) {
    return u.find("endTimeFrom=2026-12-02T05%3A05%3A00Z") != std::string::npos;
  }));
}

TEST_F(ResourceCollection, RestoresOnV6ReadOnlyByStartTimeAndSkipWhenAbsent) {
  Start(Config(6));
  server_.restores = [](const std::string&) {
    return Page(0, 1000,
                Restore("r1", "Vesp", "Failed", "2026-12-02T04:00:00Z",
                        "2026-12-02T04:10:00Z"),
                false);
  };
  auto s = Refresh();
  ASSERT_TRUE(s->resources.restores.has_value());
  for (const std::string& u : server_.urls()) {
    EXPECT_EQ(u.find("endTimeFrom"), std::string::npos) << u;
  }
  // A server without /RestoreSessions: skipped, no series.
  Start(Config(6));
  server_.restores = nullptr;
  s = Refresh();
  EXPECT_FALSE(s->resources.restores.has_value());
  EXPECT_EQ(Run(*s, "restore_sessions"), nullptr);
}

}  // namespace
}  // namespace vb365
