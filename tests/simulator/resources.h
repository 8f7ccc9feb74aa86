// The rest of the backup server beyond jobs (issue 9): license, licensed
// users, repositories, proxies, organizations and their sync state, restore
// sessions, health. Part of the one data generator (vb365_datagen): plain
// values in, JSON text out, the same bytes for the same options. The values
// are also the exporter tests' oracle: a test compares what the exporter
// reports with these structs and with the Expected* functions below, never
// with the simulator's JSON.
//
// Thread safety: every function is pure; Resources values are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datagen.h"

namespace vb365::sim {

// How many of each; the defaults carry every interesting state once.
struct ResourceCounts {
  int repositories = 4;
  int proxies = 4;
  int organizations = 4;
  int64_t licensed_users = 200;  // up to 10,000,000; generated lazily
  int copy_jobs = 3;
  int restore_sessions = 8;
  bool healthy = false;  // /Health: every component Healthy
};

struct License {
  std::string id;
  std::string email;
  std::string status = "Valid";  // Valid | Expired
  std::string type = "Subscription";
  std::string package = "Enterprise Plus";  // v7+
  std::string licensed_to;
  std::string contact_person;
  std::string support_id;
  int32_t total_number = 0;  // capacity (users)
  int32_t used_number = 0;
  int32_t new_number = 0;
  Ticks expires = 0;               // v6 expirationDate, v7+ licenseExpires
  Ticks grace_period_expires = 0;  // v7+
  Ticks support_expires = 0;       // v6 supportExpirationDate
};

struct ObjectStorage {
  std::string id;
  std::string type = "AmazonS3";
  int64_t used_space_bytes = 0;
  bool size_limit_enabled = false;
  int64_t size_limit_gb = 0;  // GB as the API says: 1 GB = 2^30 bytes here
  std::optional<int64_t> free_space_bytes;  // only with a size limit
  bool immutability = false;
  int64_t immutability_period_days = 0;
};

struct Repository {
  std::string id;  // DeterministicUuid(seed, 0x2000000 + i), as jobs use
  std::string name;
  std::string description;
  std::string path;
  std::string proxy_id;                   // "" = null
  std::optional<int64_t> capacity_bytes;  // local repositories only
  std::optional<int64_t> free_space_bytes;
  bool out_of_sync = false;
  bool outdated = false;      // v8
  bool out_of_order = false;  // v8
  std::string out_of_order_reason;
  bool indexed = true;
  bool long_term = false;
  std::optional<ObjectStorage> object_storage;  // v8 inline; v6/v7 only its id
};

struct Proxy {
  std::string id;  // DeterministicUuid(seed, 0x4000000 + i), as sessions use
  std::string host_name;
  std::string description;
  std::string status = "Online";         // Online | Offline
  std::string maintenance = "Disabled";  // v8 Disabled | Enabling | Enabled
  std::optional<double> cpu_percent;     // v8, null when offline
  std::optional<double> memory_percent;  // v8
  std::string version;                   // v8
  std::string pool_id;                   // v8, "" = null
  std::string operating_system = "Windows";
  int32_t port = 9193;
  int32_t threads = 64;  // v6/v7 threadsNumber
};

struct Organization {
  std::string id;  // DeterministicUuid(seed, 0x3000000 + i), as jobs use
  std::string name;
  std::string office_name;
  std::string description;
  std::string type = "Office365";  // Office365 | OnPremises | Hybrid
  std::string region = "Worldwide";
  bool backed_up = true;
  Ticks first_backup = kNotFinished;  // kNotFinished: null
  Ticks last_backup = kNotFinished;
};

// v8 shape; v7 is derived from it (type, status None/Success/Error,
// lastSyncTime = last end, error).
struct SyncState {
  std::string organization_id;
  bool has_last = false;  // false: lastSyncState null, v7 status None
  std::string last_type = "Incremental";
  std::string last_result = "Success";  // Success | Error
  Ticks last_start = 0;
  Ticks last_end = 0;
  std::string last_error;    // "" = null
  bool has_current = false;  // false: no currentSyncState field
  std::string current_type = "Incremental";
  std::string current_status = "Running";  // Queued | Running
  Ticks current_scheduled = 0;
  Ticks current_start = kNotFinished;  // null while Queued
};

struct RestoreSession {
  std::string id;
  std::string name;
  std::string organization;  // the organization's name
  std::string type;          // Vex | Veod | Vesp | Vet
  std::string state;         // Working | Stopped
  std::string result;        // Success | Warning | Failed
  std::string initiated_by;
  std::string details;
  std::string scope_name;
  std::string client_host;
  std::string reason;
  Ticks creation_time = 0;
  Ticks end_time = kNotFinished;  // kNotFinished while Working
  int64_t etag = 1;
};

struct HealthEntry {
  std::string component;    // NATS, PostgreSQL, ...
  std::string status;       // Healthy | Unhealthy
  std::string description;  // "" = null
};
struct Health {
  std::string status;  // Healthy | Unhealthy
  std::vector<HealthEntry> entries;
};

struct LicensedUser {
  std::string id;
  std::string name;
  std::string organization_id;
  std::string organization_name;
  std::string backed_up_organization_id;
  std::string license_state;  // Licensed | New | TemporarilyAssigned | Exceeded
  bool backed_up = true;
  Ticks last_backup = kNotFinished;  // kNotFinished: field left out
};

struct Resources {
  uint64_t seed = 1;
  Ticks anchor = 0;
  License license;
  std::vector<Repository> repositories;
  std::vector<Proxy> proxies;
  std::vector<Organization> organizations;
  std::vector<SyncState> sync_states;  // one per organization, same order
  std::vector<Job> copy_jobs;          // GenerateCopyJobs
  std::vector<RestoreSession> restore_sessions;  // by index (see above)
  Health health;
  int64_t licensed_users = 0;  // users are made on demand by LicensedUserAt
};

// Special objects (when they exist; docs/simulator.md has the table):
// repository 0 is 96% full, 2 is object storage (size limit, immutability),
// 3 is out of sync and out of order; proxy 1 is Offline, 2 is in maintenance
// (Enabled), 3 is entering it (Enabling); organization 2 was never backed up,
// 3 not for three days; sync of organization 1 failed, 2 is running, 3 is
// queued; restore i started (i+1)*3 hours before the anchor (older as i
// grows), except 1, Working since 20 minutes; 0 Failed, 2 Warning; the license
// expires 20 days after the anchor and is over capacity (users every 50th
// Exceeded); /Health is Unhealthy (PostgreSQL) unless counts.healthy.
Resources GenerateResources(const GenOptions& options,
                            const ResourceCounts& counts);

// Licensed user `index` (0 <= index < r.licensed_users) of the whole list;
// users are spread round-robin over the organizations (user i belongs to
// organization i % organizations), so organization k's j-th user is index
// k + j * organizations. No organizations: no users.
LicensedUser LicensedUserAt(const Resources& r, int64_t index);
// How many users organization k has.
int64_t LicensedUsersOf(const Resources& r, size_t organization);

// What a reader of /LicensedUsers must count.
struct LicensedUserCounts {
  int64_t users = 0;
  std::map<std::string, int64_t> by_state;  // every state, zeros included
  int64_t not_backed_up = 0;
};
struct ExpectedLicensedUsers {
  LicensedUserCounts all;
  std::map<std::string, LicensedUserCounts> by_organization;  // by id
};
ExpectedLicensedUsers ExpectLicensedUsers(const Resources& r);

// What a reader of /RestoreSessions must count.
struct ExpectedRestores {
  // (type, result) -> finished sessions (state Stopped).
  std::map<std::pair<std::string, std::string>, int64_t> finished;
  std::map<std::string, int64_t> running_by_type;  // state Working
};
ExpectedRestores ExpectRestores(const std::vector<RestoreSession>& sessions);

// JSON writers, one object each (the server wraps them in arrays or pages).
// WriteOptions::version picks the shape (v3..v5 write v6's), mutation
// distorts the object (numbers as strings, nulls, missing fields, unknown
// enum values) for fault tests.
std::string LicenseJson(const License& l, const WriteOptions& w);
std::string RepositoryJson(const Repository& r, const WriteOptions& w);
std::string ProxyJson(const Proxy& p, const WriteOptions& w);
std::string OrganizationJson(const Organization& o, const WriteOptions& w);
std::string SyncStateJson(const SyncState& s, const WriteOptions& w);
std::string CopyJobJson(const Job& job, const WriteOptions& w);
std::string RestoreSessionJson(const RestoreSession& s, const WriteOptions& w);
std::string HealthJson(const Health& h, const WriteOptions& w);
std::string LicensedUserJson(const LicensedUser& u, const WriteOptions& w);
// The same through a JSON object (what mutations go through): the test that
// the fast writer above writes the same bytes.
std::string LicensedUserJsonSlow(const LicensedUser& u, const WriteOptions& w);

}  // namespace vb365::sim
