// The resource readers (parse/resources.h) on fixtures written from the
// OpenAPI documents' schemas (tests/fixtures/resources/): v6, v7 and v8
// shapes, nulls, unknown enum strings, wrong types.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "parse/resources.h"

namespace vb365 {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(VB365_FIXTURES_DIR) + "/resources/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Timestamp T(const char* text) { return *ParseTimestamp(text); }

TEST(ResourceReaders, V6LicenseTakesExpirationDate) {
  Result<License> l = ReadLicense(Fixture("v6_license.json"));
  ASSERT_TRUE(l.ok()) << l.error();
  EXPECT_EQ(l->status, LicenseStatus::kValid);
  EXPECT_EQ(l->type, "Subscription");
  EXPECT_EQ(l->package, "");
  EXPECT_EQ(l->licensed_to, "Example Corp");
  EXPECT_EQ(l->expires, T("2027-01-31T00:00:00Z"));
  EXPECT_EQ(l->grace_period_expires, kNoTime);
  EXPECT_EQ(l->total_users, 500);
  EXPECT_EQ(l->used_users, 480);
  EXPECT_EQ(l->new_users, 3);
}

TEST(ResourceReaders, V8LicenseTakesLicenseExpiresAndNullGracePeriod) {
  Result<License> l = ReadLicense(Fixture("v8_license.json"));
  ASSERT_TRUE(l.ok()) << l.error();
  EXPECT_EQ(l->status, LicenseStatus::kExpired);
  EXPECT_EQ(l->package, "Enterprise Plus");
  EXPECT_EQ(l->licensed_to, "Example \"Corp\" GmbH");
  EXPECT_EQ(l->expires, T("2026-11-30T23:59:59Z"));
  EXPECT_EQ(l->grace_period_expires, kNoTime);
  EXPECT_EQ(l->used_users, 104);
}

TEST(ResourceReaders, LicenseUnknownStatusAndMissingCounts) {
  Result<License> l = ReadLicense(R"({"status": "Suspended"})");
  ASSERT_TRUE(l.ok()) << l.error();
  EXPECT_EQ(l->status, LicenseStatus::kUnknown);
  EXPECT_FALSE(l->total_users.has_value());
  EXPECT_EQ(l->expires, kNoTime);
}

TEST(ResourceReaders, LicenseWrongTypeNamesTheField) {
  Result<License> l = ReadLicense(R"({"status": "Valid", "usedNumber": "7"})");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(l.error().message(), "license: usedNumber: expected an integer");
}

TEST(ResourceReaders, LicenseBadTimestampAndNotJson) {
  Result<License> bad = ReadLicense(R"({"licenseExpires": "tomorrow"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "license: licenseExpires: expected an ISO 8601 timestamp");
  Result<License> cut = ReadLicense(R"({"status": "Val)");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code(), ErrorCode::kMalformed);
  Result<License> array = ReadLicense("[]");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().message(), "license: document: expected an object");
}

TEST(ResourceReaders, V6RepositoriesArrayLocalAndObjectStorage) {
  std::vector<Repository> repos;
  Result<PageInfo> info =
      ReadRepositories(Fixture("v6_repositories.json"), &repos);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_FALSE(info->is_page);
  ASSERT_EQ(repos.size(), 2u);
  EXPECT_EQ(repos[0].name, "Local repo");
  EXPECT_FALSE(repos[0].object_storage);
  EXPECT_EQ(repos[0].capacity_bytes, 1099511627776);
  EXPECT_EQ(repos[0].free_bytes, 43980465111);
  EXPECT_EQ(repos[0].out_of_sync, false);
  EXPECT_FALSE(repos[0].outdated.has_value());  // v8 only
  EXPECT_TRUE(repos[1].object_storage);         // by objectStorageId
  EXPECT_FALSE(repos[1].capacity_bytes.has_value());
  EXPECT_EQ(repos[1].out_of_sync, true);
  EXPECT_FALSE(repos[1].object_storage_used_bytes.has_value());
}

TEST(ResourceReaders, V8RepositoriesPageObjectStorageLimitImmutability) {
  std::vector<Repository> repos;
  Result<PageInfo> info =
      ReadRepositories(Fixture("v8_repositories_page.json"), &repos);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_TRUE(info->is_page);
  EXPECT_EQ(info->limit, 30);
  EXPECT_EQ(info->count, 3);
  EXPECT_FALSE(info->has_next);
  ASSERT_EQ(repos.size(), 3u);
  EXPECT_FALSE(repos[0].object_storage);  // objectStorage null
  EXPECT_EQ(repos[0].proxy_id, "aaaaaaaa-0000-0000-0000-000000000001");
  const Repository& s3 = repos[1];
  EXPECT_TRUE(s3.object_storage);
  EXPECT_EQ(s3.proxy_id, "");
  EXPECT_EQ(s3.object_storage_used_bytes, 1649267441664);
  EXPECT_EQ(s3.object_storage_limit_bytes, int64_t{2048} << 30);
  EXPECT_EQ(s3.immutability_period_days, 30);
  EXPECT_EQ(s3.outdated, true);
  EXPECT_EQ(s3.out_of_order, true);
  const Repository& azure = repos[2];
  EXPECT_TRUE(azure.object_storage);
  EXPECT_FALSE(azure.object_storage_limit_bytes.has_value());  // no limit
  EXPECT_FALSE(azure.immutability_period_days.has_value());    // disabled
  EXPECT_FALSE(azure.object_storage_used_bytes.has_value());   // null
}

TEST(ResourceReaders, RepositoryWrongTypeLeavesOutUntouched) {
  std::vector<Repository> repos(1);
  Result<PageInfo> info = ReadRepositories(
      R"({"offset":0,"limit":30,"results":[{"id":"a","name":"x"},)"
      R"({"id":"b","capacityBytes":12.5}]})",
      &repos);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(info.error().message(),
            "repositories: results[1].capacityBytes: expected an integer");
  EXPECT_EQ(repos.size(), 1u);
}

TEST(ResourceReaders, CollectionThatIsNeitherArrayNorPage) {
  std::vector<Repository> repos;
  EXPECT_EQ(ReadRepositories("42", &repos).error().message(),
            "repositories: expected an array or a page object");
  EXPECT_EQ(ReadRepositories(R"({"results": {}})", &repos).error().message(),
            "repositories: results: expected an array");
  EXPECT_EQ(ReadRepositories(R"([1])", &repos).error().message(),
            "repositories: [0]: expected an object");
}

TEST(ResourceReaders, V6ProxiesHaveNoMaintenanceOrUsage) {
  std::vector<Proxy> proxies;
  Result<PageInfo> info = ReadProxies(Fixture("v6_proxies.json"), &proxies);
  ASSERT_TRUE(info.ok()) << info.error();
  ASSERT_EQ(proxies.size(), 2u);
  EXPECT_EQ(proxies[0].host, "proxy1.example.com");
  EXPECT_EQ(proxies[0].status, ProxyStatus::kOnline);
  EXPECT_EQ(proxies[1].status, ProxyStatus::kOffline);
  EXPECT_FALSE(proxies[0].maintenance.has_value());
  EXPECT_FALSE(proxies[0].cpu_usage_percent.has_value());
  EXPECT_EQ(proxies[0].version, "");
}

TEST(ResourceReaders, V8ProxiesPageUsageNullsAndUnknownEnums) {
  std::vector<Proxy> proxies;
  Result<PageInfo> info =
      ReadProxies(Fixture("v8_proxies_page.json"), &proxies);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_TRUE(info->has_next);
  EXPECT_EQ(info->limit, 2);
  ASSERT_EQ(proxies.size(), 2u);
  EXPECT_EQ(proxies[0].maintenance, MaintenanceState::kEnabled);
  EXPECT_EQ(proxies[0].cpu_usage_percent, 37.5);
  EXPECT_EQ(proxies[0].memory_usage_percent, 81.0);  // an integer
  EXPECT_EQ(proxies[0].version, "8.0.2.112");
  EXPECT_EQ(proxies[0].pool_id, "bbbbbbbb-0000-0000-0000-000000000001");
  EXPECT_EQ(proxies[1].status, ProxyStatus::kUnknown);
  EXPECT_EQ(proxies[1].maintenance, MaintenanceState::kUnknown);
  EXPECT_FALSE(proxies[1].cpu_usage_percent.has_value());
  EXPECT_EQ(proxies[1].version, "");
}

TEST(ResourceReaders, ProxyUsageOfWrongType) {
  std::vector<Proxy> proxies;
  Result<PageInfo> info =
      ReadProxies(R"([{"id":"p","cpuUsagePercent":"high"}])", &proxies);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message(),
            "proxies: [0].cpuUsagePercent: expected a number");
}

TEST(ResourceReaders, OrganizationsOfficeNameIsTheDisplayName) {
  std::vector<Organization> orgs;
  Result<PageInfo> info =
      ReadOrganizations(Fixture("v6_organizations.json"), &orgs);
  ASSERT_TRUE(info.ok()) << info.error();
  ASSERT_EQ(orgs.size(), 2u);
  EXPECT_EQ(orgs[0].name, "Contoso");
  EXPECT_EQ(orgs[0].type, "Office365");
  EXPECT_EQ(orgs[0].region, "Worldwide");
  EXPECT_EQ(orgs[0].backed_up, true);
  EXPECT_EQ(orgs[0].first_backup, T("2024-03-01T02:00:00.123456Z"));
  EXPECT_EQ(orgs[0].last_backup, T("2026-12-01T22:00:00Z"));
  EXPECT_EQ(orgs[1].name, "fabrikam.local");  // officeName ""
  EXPECT_EQ(orgs[1].backed_up, false);
  EXPECT_EQ(orgs[1].first_backup, kNoTime);
  EXPECT_FALSE(orgs[1].sync.has_value());
}

TEST(ResourceReaders, V8OrganizationsPageWithNulls) {
  std::vector<Organization> orgs;
  Result<PageInfo> info =
      ReadOrganizations(Fixture("v8_organizations_page.json"), &orgs);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_TRUE(info->is_page);
  ASSERT_EQ(orgs.size(), 2u);
  EXPECT_EQ(orgs[1].name, "hybrid.example");  // no officeName
  EXPECT_EQ(orgs[1].region, "");
  EXPECT_FALSE(orgs[1].backed_up.has_value());
  EXPECT_EQ(orgs[1].last_backup, kNoTime);
}

TEST(ResourceReaders, V8SyncStatesLastResultAndRunning) {
  Result<std::vector<OrganizationSync>> s =
      ReadSyncStates(Fixture("v8_sync_states.json"));
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_TRUE((*s)[0].has_last);
  EXPECT_EQ((*s)[0].last_result, SyncResult::kSuccess);
  EXPECT_EQ((*s)[0].last_end, T("2026-12-01T23:05:00Z"));
  EXPECT_EQ((*s)[0].running, false);
  EXPECT_EQ((*s)[1].last_result, SyncResult::kError);
  EXPECT_EQ((*s)[1].last_end, T("2026-12-01T20:01:30.5Z"));
  EXPECT_EQ((*s)[1].running, true);
  EXPECT_FALSE((*s)[2].has_last);
  EXPECT_EQ((*s)[2].running, true);  // Queued
  EXPECT_EQ((*s)[2].organization_id, "cccccccc-0000-0000-0000-000000000004");
}

TEST(ResourceReaders, V7SyncStateHasStatusAndLastSyncTimeButNoRunning) {
  Result<OrganizationSync> s = ReadSyncState(Fixture("v7_sync_state.json"));
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(s->has_last);
  EXPECT_EQ(s->last_result, SyncResult::kError);
  EXPECT_EQ(s->last_end, T("2026-12-01T23:05:00Z"));
  EXPECT_FALSE(s->running.has_value());  // v7 does not say
  Result<OrganizationSync> none =
      ReadSyncState(Fixture("v7_sync_state_none.json"));
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_FALSE(none->has_last);  // status None: never synced
  Result<OrganizationSync> odd = ReadSyncState(R"({"status":"Partial"})");
  ASSERT_TRUE(odd.ok()) << odd.error();
  EXPECT_EQ(odd->last_result, SyncResult::kUnknown);
  Result<OrganizationSync> bad = ReadSyncState(R"({"status":"Success",)"
                                               R"("lastSyncTime":5})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "organization sync state: lastSyncTime: expected a string");
}

TEST(ResourceReaders, V8SyncStateWithAWrongTypeNamesTheNestedField) {
  Result<std::vector<OrganizationSync>> bad =
      ReadSyncStates(R"([{"lastSyncState": {"endTime": 5}}])");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "organization sync states: [0].lastSyncState.endTime: expected a "
            "string");
}

TEST(ResourceReaders, LicensedUsersCountedPerOrganizationAndState) {
  std::map<std::string, UserCounts> counts;
  Result<PageInfo> info =
      ReadLicensedUsers(Fixture("v8_licensed_users_page.json"), &counts);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->count, 5);
  EXPECT_TRUE(info->has_next);
  ASSERT_EQ(counts.size(), 2u);
  const UserCounts& contoso = counts["cccccccc-0000-0000-0000-000000000001"];
  EXPECT_EQ(contoso.by_state[static_cast<size_t>(LicenseState::kLicensed)], 1);
  EXPECT_EQ(contoso.by_state[static_cast<size_t>(LicenseState::kNew)], 1);
  EXPECT_EQ(contoso.by_state[static_cast<size_t>(LicenseState::kExceeded)], 1);
  EXPECT_EQ(contoso.not_backed_up, 1);
  const UserCounts& hybrid = counts["cccccccc-0000-0000-0000-000000000003"];
  EXPECT_EQ(
      hybrid.by_state[static_cast<size_t>(LicenseState::kTemporarilyAssigned)],
      1);
  EXPECT_EQ(hybrid.by_state[static_cast<size_t>(LicenseState::kUnknown)], 1);
  EXPECT_EQ(hybrid.not_backed_up, 1);
  // A second page adds to the counts.
  ASSERT_TRUE(
      ReadLicensedUsers(Fixture("v8_licensed_users_page.json"), &counts).ok());
  EXPECT_EQ(counts["cccccccc-0000-0000-0000-000000000001"].not_backed_up, 2);
}

TEST(ResourceReaders, LicensedUsersWrongTypeCountsNothing) {
  std::map<std::string, UserCounts> counts;
  Result<PageInfo> info =
      ReadLicensedUsers(R"([{"organizationId":"o","licenseState":"New"},)"
                        R"({"organizationId":"o","isBackedUp":"no"}])",
                        &counts);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message(),
            "licensed users: [1].isBackedUp: expected true or false");
  EXPECT_TRUE(counts.empty());
}

TEST(ResourceReaders, HealthComponentsSortedUnknownStatus) {
  Result<Health> h = ReadHealth(Fixture("v8_health.json"));
  ASSERT_TRUE(h.ok()) << h.error();
  EXPECT_EQ(h->status, HealthStatus::kUnhealthy);
  ASSERT_EQ(h->components.size(), 3u);
  EXPECT_EQ(h->components[0].first, "Cache");
  EXPECT_EQ(h->components[0].second, HealthStatus::kUnknown);  // "Degraded"
  EXPECT_EQ(h->components[1].first, "NATS");
  EXPECT_EQ(h->components[1].second, HealthStatus::kUnhealthy);
  EXPECT_EQ(h->components[2].first, "PostgreSQL");
  EXPECT_EQ(h->components[2].second, HealthStatus::kHealthy);
  Result<Health> bad = ReadHealth(R"({"status":"Healthy","entries":[]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "health: entries: expected an object");
  Result<Health> entry = ReadHealth(R"({"entries":{"NATS":{"status":1}}})");
  ASSERT_FALSE(entry.ok());
  EXPECT_EQ(entry.error().message(),
            "health: entries.NATS.status: expected a string");
}

TEST(ResourceReaders, RestoreSessionsTypesStatesResultsAndUnknowns) {
  std::vector<RestoreSession> out;
  Result<PageInfo> info =
      ReadRestoreSessions(Fixture("v8_restore_sessions_page.json"), &out);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->count, 4);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].type, RestoreType::kVex);
  EXPECT_EQ(out[0].result, RestoreResult::kFailed);
  EXPECT_TRUE(out[0].finished());
  EXPECT_EQ(out[0].end_time, T("2026-12-01T08:20:00Z"));
  EXPECT_EQ(out[1].type, RestoreType::kVeod);
  EXPECT_TRUE(out[1].working);
  EXPECT_FALSE(out[1].finished());
  EXPECT_EQ(out[1].end_time, kNoTime);
  EXPECT_EQ(out[2].result, RestoreResult::kWarning);
  EXPECT_EQ(out[3].type, RestoreType::kUnknown);      // "Vmail"
  EXPECT_EQ(out[3].result, RestoreResult::kUnknown);  // "Cancelled"
  EXPECT_EQ(out[3].id, ParseId("not-a-uuid-4"));
  std::vector<RestoreSession> none;
  Result<PageInfo> bad = ReadRestoreSessions(
      R"({"results":[{"id":"a","state":"Stopped"},{"type":"Vex"}]})", &none);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "restore sessions: results[1].id: missing");
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace vb365
