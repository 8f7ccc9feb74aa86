// Plain values of the server's resources beyond jobs (issue 9): license,
// repositories, proxies, organizations (with their sync state and licensed
// users), health, and how each collector did in the last refresh. No I/O, no
// JSON, no Prometheus here. Absent API values stay absent (std::optional,
// kNoTime); unknown enum strings map to kUnknown, never an error.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/restore_state.h"
#include "model/types.h"

namespace vb365 {

// The state set values of each enum, in output order, kUnknown last. Every
// Parse* maps a string outside the set (or a missing one) to kUnknown.
enum class LicenseStatus : uint8_t { kValid, kExpired, kUnknown };
inline constexpr int kLicenseStatusCount = 3;
LicenseStatus ParseLicenseStatus(std::string_view text);
std::string_view LicenseStatusName(LicenseStatus s);

enum class ProxyStatus : uint8_t { kOnline, kOffline, kUnknown };
ProxyStatus ParseProxyStatus(std::string_view text);

enum class MaintenanceState : uint8_t {
  kDisabled,
  kEnabling,
  kEnabled,
  kUnknown
};
inline constexpr int kMaintenanceStateCount = 4;
MaintenanceState ParseMaintenanceState(std::string_view text);
std::string_view MaintenanceStateName(MaintenanceState s);

enum class SyncResult : uint8_t { kSuccess, kError, kUnknown };
inline constexpr int kSyncResultCount = 3;
SyncResult ParseSyncResult(std::string_view text);
std::string_view SyncResultName(SyncResult r);

// licenseState of /LicensedUsers.
enum class LicenseState : uint8_t {
  kLicensed,
  kNew,
  kTemporarilyAssigned,
  kExceeded,
  kUnknown,
};
inline constexpr int kLicenseStateCount = 5;
LicenseState ParseLicenseState(std::string_view text);
std::string_view LicenseStateName(LicenseState s);

enum class HealthStatus : uint8_t { kHealthy, kUnhealthy, kUnknown };
HealthStatus ParseHealthStatus(std::string_view text);

// GET /License.
struct License {
  LicenseStatus status = LicenseStatus::kUnknown;
  std::string type;             // Subscription, Evaluation, ... as sent
  std::string package;          // v7+; "" when absent
  std::string licensed_to;      // "" when absent
  Timestamp expires = kNoTime;  // licenseExpires (v6: expirationDate)
  Timestamp grace_period_expires = kNoTime;  // v7+
  std::optional<int64_t> total_users;        // totalNumber
  std::optional<int64_t> used_users;         // usedNumber
  std::optional<int64_t> new_users;          // newNumber
};

// One element of GET /BackupRepositories.
struct Repository {
  std::string id;
  std::string name;
  std::string proxy_id;  // "" when null
  // objectStorage (v8) or objectStorageId (v6/v7) is set.
  bool object_storage = false;
  std::optional<int64_t> capacity_bytes;  // local repositories only
  std::optional<int64_t> free_bytes;
  std::optional<int64_t> object_storage_used_bytes;  // v8 objectStorage
  // sizeLimitGB x 2^30 (GB read as GiB, as Veeam's console shows it), when
  // the size limit is enabled.
  std::optional<int64_t> object_storage_limit_bytes;
  std::optional<bool> out_of_sync;
  std::optional<bool> out_of_order;  // v8
  std::optional<bool> outdated;      // v8
  // immutabilityPeriodDays when enableImmutability is true (v8).
  std::optional<int64_t> immutability_period_days;
};

// One element of GET /Proxies.
struct Proxy {
  std::string id;
  std::string host;     // hostName
  std::string version;  // v8; "" when absent
  std::string pool_id;  // v8 proxyPoolId; "" when absent
  ProxyStatus status = ProxyStatus::kUnknown;
  std::optional<MaintenanceState> maintenance;  // v8
  std::optional<double> cpu_usage_percent;      // v8, nullable
  std::optional<double> memory_usage_percent;   // v8, nullable
};

// One organization's sync state. v8 /Organizations/SyncState:
// {organizationId, lastSyncState{result, endTime}, currentSyncState{status}};
// v7 /Organizations/{id}/SyncState: {status None/Success/Error, lastSyncTime}
// (no current state: running is unknown there).
struct OrganizationSync {
  std::string organization_id;
  bool has_last = false;  // a last sync is reported (v7: status not None)
  SyncResult last_result = SyncResult::kUnknown;
  Timestamp last_end = kNoTime;  // v8 lastSyncState.endTime, v7 lastSyncTime
  std::optional<bool> running;   // v8: currentSyncState Queued or Running
};

// Licensed users of one organization, counted from /LicensedUsers.
struct UserCounts {
  std::array<int64_t, kLicenseStateCount> by_state{};  // by LicenseState
  int64_t not_backed_up = 0;                           // isBackedUp false
};

// One element of GET /Organizations, with what the other reads added.
struct Organization {
  std::string id;
  std::string name;  // officeName where present, else name
  std::string type;  // Office365, OnPremises, Hybrid, as sent
  std::string region;
  std::optional<bool> backed_up;  // isBackedup
  Timestamp first_backup = kNoTime;
  Timestamp last_backup = kNoTime;
  std::optional<OrganizationSync> sync;  // v7+
  std::optional<UserCounts> users;       // once licensed_users was read
};

// GET /Health (v8).
struct Health {
  HealthStatus status = HealthStatus::kUnknown;
  // entries, sorted by component name.
  std::vector<std::pair<std::string, HealthStatus>> components;
};

// How one collector did in the last refresh that ran it. A collector whose
// resource the server's version does not have (404) has no entry.
struct CollectorRun {
  std::string name;  // "license", "repositories", ...
  bool success = false;
  double duration_seconds = 0;
};

// Everything beyond jobs that a ServerSnapshot shows. A collector that
// failed keeps its last good values here; one that was skipped has none.
struct ServerResources {
  std::optional<License> license;
  std::vector<Repository> repositories;     // sorted by name, then id
  std::vector<Proxy> proxies;               // sorted by host, then id
  std::vector<Organization> organizations;  // sorted by name, then id
  std::optional<Health> health;
  // Restore sessions by RestoreType, once restore_sessions has read them.
  std::optional<std::array<RestoreTypeCounts, kRestoreTypeCount>> restores;
  std::vector<CollectorRun> collectors;  // in collector table order
};

}  // namespace vb365
