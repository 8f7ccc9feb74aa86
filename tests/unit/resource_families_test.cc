// The resource family tables (metrics/src/resource_families.cc): the exact
// series each table renders from a snapshot, on the text page Prometheus
// reads.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "model/job_state.h"

namespace vb365 {
namespace {

Timestamp T(const char* text) { return *ParseTimestamp(text); }

std::string Page(std::shared_ptr<ServerSnapshot> snap) {
  std::string text;
  AppendSnapshotsText({snap}, &text);
  return text;
}

// The sample lines (no # lines) whose name starts with `prefix`.
std::string Series(const std::string& page, const std::string& prefix) {
  std::istringstream in(page);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out += line + "\n";
  }
  return out;
}

std::shared_ptr<ServerSnapshot> Server() {
  auto s = std::make_shared<ServerSnapshot>();
  s->server = "east";
  s->up = true;
  s->api_version = "v8";
  return s;
}

TEST(ResourceFamilies, LicenseSeriesWithStateSetAndAbsentGracePeriod) {
  auto s = Server();
  License l;
  l.status = LicenseStatus::kExpired;
  l.type = "Rental";
  l.package = "Enterprise Plus";
  l.licensed_to = "Example \"Corp\"";
  l.expires = T("2026-11-30T00:00:00Z");
  l.total_users = 100;
  l.used_users = 104;
  l.new_users = 0;
  s->resources.license = l;
  EXPECT_EQ(Series(Page(s), "vb365_license"),
            "vb365_license_info{server=\"east\",type=\"Rental\",package="
            "\"Enterprise Plus\",licensed_to=\"Example \\\"Corp\\\"\"} 1\n"
            "vb365_license_status{server=\"east\",status=\"Valid\"} 0\n"
            "vb365_license_status{server=\"east\",status=\"Expired\"} 1\n"
            "vb365_license_status{server=\"east\",status=\"Unknown\"} 0\n"
            "vb365_license_expiry_timestamp_seconds{server=\"east\"} "
            "1795996800\n"
            "vb365_license_capacity_users{server=\"east\"} 100\n"
            "vb365_license_used_users{server=\"east\"} 104\n"
            "vb365_license_new_users{server=\"east\"} 0\n");
}

TEST(ResourceFamilies, RepositoriesLocalAndObjectStorage) {
  auto s = Server();
  Repository local;
  local.id = "r1";
  local.name = "Local";
  local.proxy_id = "p1";
  local.capacity_bytes = 1000;
  local.free_bytes = 40;
  local.out_of_sync = false;
  Repository s3;
  s3.id = "r2";
  s3.name = "S3";
  s3.object_storage = true;
  s3.object_storage_used_bytes = 500;
  s3.object_storage_limit_bytes = int64_t{2} << 30;
  s3.out_of_sync = false;
  s3.out_of_order = true;
  s3.outdated = false;
  s3.immutability_period_days = 30;
  s->resources.repositories = {local, s3};
  const std::string l1 = "{server=\"east\",repository_id=\"r1\",",
                    l2 = "{server=\"east\",repository_id=\"r2\",";
  EXPECT_EQ(
      Series(Page(s), "vb365_repository"),
      "vb365_repository_info" + l1 +
          "repository_name=\"Local\",kind=\"local\",proxy_id=\"p1\"} 1\n"
          "vb365_repository_info" +
          l2 +
          "repository_name=\"S3\",kind=\"object_storage\",proxy_id=\"\"} 1\n"
          "vb365_repository_capacity_bytes" +
          l1 +
          "repository_name=\"Local\"} 1000\n"
          "vb365_repository_free_bytes" +
          l1 +
          "repository_name=\"Local\"} 40\n"
          "vb365_repository_object_storage_used_bytes" +
          l2 +
          "repository_name=\"S3\"} 500\n"
          "vb365_repository_object_storage_limit_bytes" +
          l2 +
          "repository_name=\"S3\"} 2147483648\n"
          "vb365_repository_out_of_sync" +
          l1 +
          "repository_name=\"Local\"} 0\n"
          "vb365_repository_out_of_sync" +
          l2 +
          "repository_name=\"S3\"} 0\n"
          "vb365_repository_out_of_order" +
          l2 +
          "repository_name=\"S3\"} 1\n"
          "vb365_repository_outdated" +
          l2 +
          "repository_name=\"S3\"} 0\n"
          "vb365_repository_immutability_period_seconds" +
          l2 + "repository_name=\"S3\"} 2592000\n");
}

TEST(ResourceFamilies, ProxiesUpMaintenanceStateSetAndRatios) {
  auto s = Server();
  Proxy on;
  on.id = "p1";
  on.host = "proxy1";
  on.version = "8.0";
  on.pool_id = "pool";
  on.status = ProxyStatus::kOnline;
  on.maintenance = MaintenanceState::kEnabled;
  on.cpu_usage_percent = 37.5;
  on.memory_usage_percent = 75;
  Proxy off;  // v6: no maintenance, no usage
  off.id = "p2";
  off.host = "proxy2";
  off.status = ProxyStatus::kOffline;
  s->resources.proxies = {on, off};
  const std::string
      p1 = "{server=\"east\",proxy_id=\"p1\",proxy_host=\"proxy1\"",
      p2 = "{server=\"east\",proxy_id=\"p2\",proxy_host=\"proxy2\"";
  EXPECT_EQ(
      Series(Page(s), "vb365_proxy"),
      "vb365_proxy_info" + p1 +
          ",version=\"8.0\",proxy_pool_id=\"pool\"} 1\n"
          "vb365_proxy_info" +
          p2 + ",version=\"\",proxy_pool_id=\"\"} 1\n" + "vb365_proxy_up" + p1 +
          "} 1\n" + "vb365_proxy_up" + p2 + "} 0\n" +
          "vb365_proxy_maintenance_state" + p1 + ",state=\"Disabled\"} 0\n" +
          "vb365_proxy_maintenance_state" + p1 + ",state=\"Enabling\"} 0\n" +
          "vb365_proxy_maintenance_state" + p1 + ",state=\"Enabled\"} 1\n" +
          "vb365_proxy_maintenance_state" + p1 + ",state=\"Unknown\"} 0\n" +
          "vb365_proxy_cpu_usage_ratio" + p1 + "} 0.375\n" +
          "vb365_proxy_memory_usage_ratio" + p1 + "} 0.75\n");
}

TEST(ResourceFamilies, OrganizationsSyncAndLicensedUsers) {
  auto s = Server();
  Organization o;
  o.id = "o1";
  o.name = "Contoso";
  o.type = "Office365";
  o.region = "Worldwide";
  o.backed_up = true;
  o.last_backup = T("2025-12-01T00:00:00Z");
  OrganizationSync sync;
  sync.has_last = true;
  sync.last_result = SyncResult::kError;
  sync.last_end = T("2025-12-01T01:00:00Z");
  sync.running = true;
  o.sync = sync;
  UserCounts users;
  users.by_state = {10, 2, 0, 1, 0};
  users.not_backed_up = 3;
  o.users = users;
  Organization never;  // v6: no sync; licensed users not read
  never.id = "o2";
  never.name = "Fabrikam";
  never.backed_up = false;
  s->resources.organizations = {o, never};
  const std::string o1 = "{server=\"east\",organization_id=\"o1\","
                         "organization_name=\"Contoso\"",
                    o2 = "{server=\"east\",organization_id=\"o2\","
                         "organization_name=\"Fabrikam\"";
  EXPECT_EQ(
      Series(Page(s), "vb365_organization"),
      "vb365_organization_info" + o1 +
          ",type=\"Office365\",region=\"Worldwide\"} 1\n" +
          "vb365_organization_info" + o2 + ",type=\"\",region=\"\"} 1\n" +
          "vb365_organization_backed_up" + o1 + "} 1\n" +
          "vb365_organization_backed_up" + o2 + "} 0\n" +
          "vb365_organization_last_backup_timestamp_seconds" + o1 +
          "} 1764547200\n" + "vb365_organization_sync_result" + o1 +
          ",result=\"Success\"} 0\n" + "vb365_organization_sync_result" + o1 +
          ",result=\"Error\"} 1\n" + "vb365_organization_sync_result" + o1 +
          ",result=\"Unknown\"} 0\n" +
          "vb365_organization_sync_end_timestamp_seconds" + o1 +
          "} 1764550800\n" + "vb365_organization_sync_running" + o1 + "} 1\n" +
          "vb365_organization_licensed_users" + o1 +
          ",state=\"Licensed\"} 10\n" + "vb365_organization_licensed_users" +
          o1 + ",state=\"New\"} 2\n" + "vb365_organization_licensed_users" +
          o1 + ",state=\"TemporarilyAssigned\"} 0\n" +
          "vb365_organization_licensed_users" + o1 +
          ",state=\"Exceeded\"} 1\n" + "vb365_organization_licensed_users" +
          o1 + ",state=\"Unknown\"} 0\n" +
          "vb365_organization_users_not_backed_up" + o1 + "} 3\n");
}

TEST(ResourceFamilies, HealthComponentsAndCollectors) {
  auto s = Server();
  Health h;
  h.status = HealthStatus::kUnhealthy;
  h.components = {{"NATS", HealthStatus::kUnhealthy},
                  {"PostgreSQL", HealthStatus::kHealthy}};
  s->resources.health = h;
  s->resources.collectors = {{"license", true, 0.5}, {"health", false, 0.25}};
  const std::string page = Page(s);
  EXPECT_EQ(Series(page, "vb365_server_"),
            "vb365_server_info{server=\"east\",version=\"\",api_version="
            "\"v8\"} 1\n"
            "vb365_server_healthy{server=\"east\"} 0\n"
            "vb365_server_component_healthy{server=\"east\",component="
            "\"NATS\"} 0\n"
            "vb365_server_component_healthy{server=\"east\",component="
            "\"PostgreSQL\"} 1\n");
  EXPECT_EQ(Series(page, "vb365_collector_"),
            "vb365_collector_success{server=\"east\",collector=\"license\"} 1\n"
            "vb365_collector_success{server=\"east\",collector=\"health\"} 0\n"
            "vb365_collector_duration_seconds{server=\"east\",collector="
            "\"license\"} 0.5\n"
            "vb365_collector_duration_seconds{server=\"east\",collector="
            "\"health\"} 0.25\n");
}

TEST(ResourceFamilies, RestoreSessionsCounterPerTypeAndResultAndRunning) {
  auto s = Server();
  std::array<RestoreTypeCounts, kRestoreTypeCount> r{};
  r[static_cast<size_t>(RestoreType::kVex)].finished = {3, 0, 1, 0};
  r[static_cast<size_t>(RestoreType::kVeod)].running = 2;
  s->resources.restores = r;
  const std::string page = Page(s);
  std::string want;
  for (const char* type : {"Vex", "Veod", "Vesp", "Vet", "Unknown"}) {
    for (const char* result : {"Success", "Warning", "Failed", "Unknown"}) {
      const bool vex = std::string(type) == "Vex";
      const std::string n = !vex                               ? "0"
                            : std::string(result) == "Success" ? "3"
                            : std::string(result) == "Failed"  ? "1"
                                                               : "0";
      want +=
          std::string("vb365_restore_sessions_total{server=\"east\",type=\"") +
          type + "\",result=\"" + result + "\"} " + n + "\n";
    }
  }
  for (const char* type : {"Vex", "Veod", "Vesp", "Vet", "Unknown"}) {
    want +=
        std::string("vb365_restore_sessions_running{server=\"east\",type=\"") +
        type + "\"} " + (std::string(type) == "Veod" ? "2" : "0") + "\n";
  }
  EXPECT_EQ(Series(page, "vb365_restore_sessions"), want);
  EXPECT_NE(page.find("# TYPE vb365_restore_sessions_total counter"),
            std::string::npos);
}

TEST(ResourceFamilies, SnapshotWithoutResourcesWritesNoResourceFamily) {
  const std::string page = Page(Server());
  for (const char* prefix :
       {"vb365_license", "vb365_repository", "vb365_proxy",
        "vb365_organization", "vb365_server_healthy", "vb365_server_component",
        "vb365_collector", "vb365_restore"}) {
    EXPECT_EQ(page.find(std::string("# HELP ") + prefix), std::string::npos)
        << prefix;
    EXPECT_EQ(Series(page, prefix), "") << prefix;
  }
}

TEST(ResourceFamilies, ResourceEndpointSelfSeriesAppearOnFirstUse) {
  SelfMetrics self("0.1.0", "abc");
  ServerSelfMetrics& east = self.ForServer("east");
  auto text = [&] {
    return SerializeText(Exposition({self.registry().get()}));
  };
  EXPECT_EQ(text().find("endpoint=\"license\""), std::string::npos);
  east.OnRequest("license", 200, 0.01, 10);
  east.OnParseError("health");
  const std::string page = text();
  EXPECT_NE(page.find("vb365_api_requests_total{code=\"200\",endpoint="
                      "\"license\",server=\"east\"} 1"),
            std::string::npos);
  EXPECT_NE(page.find("vb365_parse_errors_total{endpoint=\"health\",server="
                      "\"east\"} 1"),
            std::string::npos);
  EXPECT_EQ(page.find("endpoint=\"proxies\""), std::string::npos);
  EXPECT_EQ(page.find("endpoint=\"other\""), std::string::npos);
}

}  // namespace
}  // namespace vb365
