// The Client's resource reads (issue 9) over verified HTTPS against the
// simulator, on v6, v7 and v8, compared with the simulator's own oracle
// (sim::ExpectedResources): every page, the shapes of each version, what a
// version does not have.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "api/client.h"
#include "api/curl_transport.h"
#include "fake_transport.h"  // RecordingObserver
#include "harness.h"

namespace vb365 {
namespace {

using sim::SimulatorConfig;
using sim::SimulatorProcess;
using testing::RecordingObserver;

SimulatorConfig Sim(const std::string& version) {
  SimulatorConfig c;
  c.versions = {version};
  c.anchor_time = "2026-12-01T12:00:00Z";
  c.resources.repositories = 45;  // more than a v8 page of 30
  c.resources.organizations = 5;
  c.resources.licensed_users = 2345;  // three pages of 1000
  return c;
}

struct Rig {
  explicit Rig(const SimulatorProcess& sim)
      : config(Config(sim)),
        transport(CurlTransportOptions::FromServer(config)),
        client(config, &transport, &observer) {}
  static ServerConfig Config(const SimulatorProcess& sim) {
    ServerConfig c;
    c.name = "sim";
    c.url = sim.base_url();
    c.username = sim.username();
    c.password = Secret(sim.password());
    c.tls.ca_file = sim.ca_file();
    c.timeout = std::chrono::seconds(20);
    return c;
  }
  ServerConfig config;
  CurlTransport transport;
  RecordingObserver observer;
  Client client;
};

class ResourcesIntegration : public ::testing::TestWithParam<std::string> {};

TEST_P(ResourcesIntegration, LicenseAsTheOracleSays) {
  const SimulatorConfig config = Sim(GetParam());
  SimulatorProcess sim(config);
  const sim::Resources want = sim::ExpectedResources(config);
  Rig rig(sim);
  Result<License> l = rig.client.GetLicense();
  ASSERT_TRUE(l.ok()) << l.error();
  EXPECT_EQ(LicenseStatusName(l->status), want.license.status);
  EXPECT_EQ(l->type, want.license.type);
  EXPECT_EQ(l->licensed_to, want.license.licensed_to);
  EXPECT_EQ(l->expires, want.license.expires);
  EXPECT_EQ(l->total_users, want.license.total_number);
  EXPECT_EQ(l->used_users, want.license.used_number);
  EXPECT_EQ(l->new_users, want.license.new_number);
  if (GetParam() == "v6") {
    EXPECT_EQ(l->package, "");
    EXPECT_EQ(l->grace_period_expires, kNoTime);
  } else {
    EXPECT_EQ(l->package, want.license.package);
    EXPECT_EQ(l->grace_period_expires, want.license.grace_period_expires);
  }
}

TEST_P(ResourcesIntegration, EveryRepositoryAndProxy) {
  const SimulatorConfig config = Sim(GetParam());
  SimulatorProcess sim(config);
  const sim::Resources want = sim::ExpectedResources(config);
  Rig rig(sim);
  Result<std::vector<Repository>> repos = rig.client.ListRepositories();
  ASSERT_TRUE(repos.ok()) << repos.error();
  ASSERT_EQ(repos->size(), want.repositories.size());
  std::map<std::string, const Repository*> by_id;
  for (const Repository& r : *repos) by_id[r.id] = &r;
  const bool v8 = GetParam() == "v8";
  for (const sim::Repository& w : want.repositories) {
    ASSERT_EQ(by_id.count(w.id), 1u) << w.id;
    const Repository& r = *by_id[w.id];
    EXPECT_EQ(r.name, w.name);
    EXPECT_EQ(r.proxy_id, w.proxy_id);
    EXPECT_EQ(r.capacity_bytes, w.capacity_bytes) << w.name;
    EXPECT_EQ(r.free_bytes, w.free_space_bytes) << w.name;
    EXPECT_EQ(r.out_of_sync, w.out_of_sync);
    EXPECT_EQ(r.object_storage, w.object_storage.has_value()) << w.name;
    if (v8) {
      EXPECT_EQ(r.outdated, w.outdated);
      EXPECT_EQ(r.out_of_order, w.out_of_order);
    } else {
      EXPECT_FALSE(r.outdated.has_value());
    }
    if (v8 && w.object_storage) {
      const sim::ObjectStorage& os = *w.object_storage;
      EXPECT_EQ(r.object_storage_used_bytes, os.used_space_bytes);
      if (os.size_limit_enabled) {
        EXPECT_EQ(r.object_storage_limit_bytes, os.size_limit_gb << 30);
      }
      if (os.immutability) {
        EXPECT_EQ(r.immutability_period_days, os.immutability_period_days);
      }
    }
  }
  Result<std::vector<Proxy>> proxies = rig.client.ListProxies();
  ASSERT_TRUE(proxies.ok()) << proxies.error();
  ASSERT_EQ(proxies->size(), want.proxies.size());
  for (size_t i = 0; i < want.proxies.size(); ++i) {
    const sim::Proxy& w = want.proxies[i];
    const Proxy& p = (*proxies)[i];
    EXPECT_EQ(p.id, w.id);
    EXPECT_EQ(p.host, w.host_name);
    EXPECT_EQ(p.status == ProxyStatus::kOnline, w.status == "Online");
    EXPECT_EQ(p.maintenance.has_value(), v8);
    if (v8) {
      EXPECT_EQ(MaintenanceStateName(*p.maintenance), w.maintenance);
      EXPECT_EQ(p.cpu_usage_percent, w.cpu_percent);
      EXPECT_EQ(p.memory_usage_percent, w.memory_percent);
      EXPECT_EQ(p.version, w.version);
      EXPECT_EQ(p.pool_id, w.pool_id);
    }
  }
}

TEST_P(ResourcesIntegration, OrganizationsTheirSyncAndEveryLicensedUser) {
  const SimulatorConfig config = Sim(GetParam());
  SimulatorProcess sim(config);
  const sim::Resources want = sim::ExpectedResources(config);
  Rig rig(sim);
  Result<std::vector<Organization>> orgs = rig.client.ListOrganizations();
  ASSERT_TRUE(orgs.ok()) << orgs.error();
  ASSERT_EQ(orgs->size(), want.organizations.size());
  for (size_t i = 0; i < orgs->size(); ++i) {
    const sim::Organization& w = want.organizations[i];
    const Organization& o = (*orgs)[i];
    EXPECT_EQ(o.id, w.id);
    EXPECT_EQ(o.name, w.office_name.empty() ? w.name : w.office_name);
    EXPECT_EQ(o.type, w.type);
    EXPECT_EQ(o.backed_up, w.backed_up);
    EXPECT_EQ(o.last_backup,
              w.last_backup == sim::kNotFinished ? kNoTime : w.last_backup);
  }
  Result<std::vector<OrganizationSync>> syncs =
      rig.client.ListSyncStates(*orgs);
  if (GetParam() == "v6") {
    ASSERT_FALSE(syncs.ok());
    EXPECT_EQ(syncs.error().code(), ErrorCode::kNotFound);
  } else {
    ASSERT_TRUE(syncs.ok()) << syncs.error();
    ASSERT_EQ(syncs->size(), want.sync_states.size());
    for (size_t i = 0; i < syncs->size(); ++i) {
      const sim::SyncState& w = want.sync_states[i];
      const OrganizationSync& s = (*syncs)[i];
      EXPECT_EQ(s.organization_id, w.organization_id);
      EXPECT_EQ(s.has_last, w.has_last) << i;
      if (w.has_last) {
        EXPECT_EQ(SyncResultName(s.last_result), w.last_result) << i;
        EXPECT_EQ(s.last_end, w.last_end) << i;
      }
      if (GetParam() == "v8") {
        EXPECT_EQ(s.running, w.has_current) << i;
      } else {
        EXPECT_FALSE(s.running.has_value());
      }
    }
  }
  Result<std::map<std::string, UserCounts>> users =
      rig.client.CountLicensedUsers();
  ASSERT_TRUE(users.ok()) << users.error();
  const sim::ExpectedLicensedUsers expect = sim::ExpectLicensedUsers(want);
  ASSERT_EQ(users->size(), expect.by_organization.size());
  for (const auto& [org, w] : expect.by_organization) {
    const UserCounts& c = (*users)[org];
    EXPECT_EQ(c.not_backed_up, w.not_backed_up) << org;
    for (int s = 0; s < kLicenseStateCount; ++s) {
      const std::string name(LicenseStateName(static_cast<LicenseState>(s)));
      const auto it = w.by_state.find(name);
      EXPECT_EQ(c.by_state[s], it == w.by_state.end() ? 0 : it->second)
          << org << " " << name;
    }
  }
  // 2,345 users, 1000 a page.
  EXPECT_EQ(rig.observer.CountRequests("licensed_users"), 3);
}

TEST_P(ResourcesIntegration, HealthOnV8OnlyAndWithoutAToken) {
  const SimulatorConfig config = Sim(GetParam());
  SimulatorProcess sim(config);
  const sim::Resources want = sim::ExpectedResources(config);
  Rig rig(sim);
  Result<Health> h = rig.client.GetHealth();
  if (GetParam() != "v8") {
    ASSERT_FALSE(h.ok());
    EXPECT_EQ(h.error().code(), ErrorCode::kNotFound);
    return;
  }
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_EQ(h->status == HealthStatus::kHealthy,
            want.health.status == "Healthy");
  std::set<std::pair<std::string, bool>> got, expected;
  for (const auto& [name, status] : h->components) {
    got.insert({name, status == HealthStatus::kHealthy});
  }
  for (const sim::HealthEntry& e : want.health.entries) {
    expected.insert({e.component, e.status == "Healthy"});
  }
  EXPECT_EQ(got, expected);
}

TEST_P(ResourcesIntegration, RestoreSessionsAsTheOracleSays) {
  const SimulatorConfig config = Sim(GetParam());
  SimulatorProcess sim(config);
  const sim::Resources want = sim::ExpectedResources(config);
  Rig rig(sim);
  const Timestamp from = want.anchor - 30LL * 86400 * kTicksPerSecond;
  Result<std::vector<RestoreSession>> got =
      rig.client.ListRestoreSessions(from, GetParam() == "v8" ? from : kNoTime);
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_EQ(rig.observer.CountRequests("restore_sessions"),
            GetParam() == "v8" ? 2 : 1);
  std::map<std::pair<std::string, std::string>, int64_t> finished;
  std::map<std::string, int64_t> running;
  std::set<std::pair<uint64_t, uint64_t>> ids;
  for (const RestoreSession& r : *got) {
    if (!ids.insert({r.id.hi, r.id.lo}).second) continue;  // both reads
    const std::string type(RestoreTypeName(r.type));
    if (r.working) {
      ++running[type];
    } else if (r.finished()) {
      ++finished[{type, std::string(RestoreResultName(r.result))}];
    }
  }
  const sim::ExpectedRestores expect =
      sim::ExpectRestores(want.restore_sessions);
  EXPECT_EQ(ids.size(), want.restore_sessions.size());
  EXPECT_EQ(finished, expect.finished);
  std::map<std::string, int64_t> want_running;
  for (const auto& [type, n] : expect.running_by_type) {
    if (n > 0) want_running[type] = n;
  }
  EXPECT_EQ(running, want_running);
}

INSTANTIATE_TEST_SUITE_P(Versions, ResourcesIntegration,
                         ::testing::Values("v6", "v7", "v8"));

}  // namespace
}  // namespace vb365
