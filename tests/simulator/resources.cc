#include "resources.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vb365::sim {
namespace {

using ojson = nlohmann::ordered_json;

constexpr Ticks kMinute = 60 * kTicksPerSecond;
constexpr Ticks kHour = 60 * kMinute;
constexpr Ticks kDay = 24 * kHour;
constexpr int64_t kGiB = 1LL << 30;
constexpr int64_t kTiB = 1LL << 40;

// splitmix64, as in datagen.cc (each file keeps its own streams).
uint64_t Hash(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

const char* const kOrgNames[] = {
    "contoso.onmicrosoft.com",     "fabrikam.onmicrosoft.com",
    "zürich-büro.onmicrosoft.com", "northwind.local",
    "東京.onmicrosoft.com",        "adatum.onmicrosoft.com"};
const char* const kOfficeNames[] = {"Contoso Ltd",    "Fabrikam \"Inc\"",
                                    "Zürich Büro AG", "Northwind Traders",
                                    "東京オフィス",   "A. Datum Corp"};
constexpr size_t kOrgNameCount = sizeof kOrgNames / sizeof kOrgNames[0];

std::string Time(Ticks t, int digits = 7) { return FormatTicks(t, digits); }

ojson TimeOrNull(Ticks t, int digits = 7) {
  return t == kNotFinished ? ojson(nullptr) : ojson(Time(t, digits));
}
ojson StringOrNull(const std::string& s) {
  return s.empty() ? ojson(nullptr) : ojson(s);
}

std::string Prefix(const WriteOptions& w) {
  return (w.version.absolute_links() ? w.base_url : std::string()) + "/v" +
         std::to_string(w.version.number);
}

ojson Links(std::initializer_list<std::pair<const char*, std::string>> l) {
  ojson out = ojson::object();
  for (const auto& [name, href] : l) out[name] = {{"href", href}};
  return out;
}

// Fields an enum has in one of the new schemas: unknown_enums replaces them.
bool IsEnumKey(const std::string& k) {
  static const char* const kKeys[] = {
      "status",    "type",  "licenseState", "maintenanceModeState",
      "result",    "state", "region",       "operatingSystem",
      "lastStatus"};
  for (const char* e : kKeys) {
    if (k == e) return true;
  }
  return false;
}

// Applies a fault mutation to one object (recursively into nested objects,
// never into _links).
void Mutate(ojson* j, Mutation m) {
  if (m == Mutation::kNone || !j->is_object()) return;
  if (m == Mutation::kMissingFields) {
    // Everything but what identifies the object goes.
    for (auto it = j->begin(); it != j->end();) {
      const std::string& k = it.key();
      if (k == "id" || k == "name" || k == "hostName" ||
          k == "organizationId" || k == "_links") {
        ++it;
      } else {
        it = j->erase(it);
      }
    }
    return;
  }
  for (auto it = j->begin(); it != j->end(); ++it) {
    const std::string& k = it.key();
    ojson& v = it.value();
    if (k == "_links") continue;
    if (v.is_object()) {
      Mutate(&v, m);
      continue;
    }
    if (m == Mutation::kNumbersAsStrings && v.is_number()) {
      v = v.dump();
    } else if (m == Mutation::kNulls && k != "id" && !v.is_array()) {
      v = nullptr;
    } else if (m == Mutation::kUnknownEnums && v.is_string() && IsEnumKey(k)) {
      v = "Postponed";  // no enum of any version has it
    }
  }
}

std::string Dump(ojson j, const WriteOptions& w) {
  Mutate(&j, w.mutation);
  return j.dump();
}

// Licensed user states by index: every 50th Exceeded (so the license is over
// capacity), then about 4% New and 2% TemporarilyAssigned.
const char* UserState(uint64_t seed, int64_t i) {
  if (i % 50 == 49) return "Exceeded";
  const uint64_t h = Hash(seed ^ 0x11CE, static_cast<uint64_t>(i)) % 100;
  if (h < 4) return "New";
  if (h < 6) return "TemporarilyAssigned";
  return "Licensed";
}

bool UserBackedUp(const Resources& r, int64_t i) {
  const size_t org = static_cast<size_t>(i) % r.organizations.size();
  if (!r.organizations[org].backed_up) return false;
  return (Hash(r.seed ^ 0xBAC, static_cast<uint64_t>(i)) % 100) >= 3;
}

void MakeOrganizations(const GenOptions& o, const ResourceCounts& c,
                       Resources* r) {
  for (int i = 0; i < c.organizations; ++i) {
    Organization org;
    org.id = DeterministicUuid(o.seed, 0x3000000ULL + static_cast<uint64_t>(i));
    const size_t n = static_cast<size_t>(i) % kOrgNameCount;
    org.name = kOrgNames[n];
    org.office_name = kOfficeNames[n];
    if (i >= static_cast<int>(kOrgNameCount)) {
      org.name = std::to_string(i) + "-" + org.name;
      org.office_name += " " + std::to_string(i);
    }
    org.description = "Generated organization " + std::to_string(i);
    org.type = i == 3 ? "OnPremises" : (i % 5 == 4 ? "Hybrid" : "Office365");
    org.region = i == 1 ? "Germany" : "Worldwide";
    const uint64_t h = Hash(o.seed ^ 0x0A6, static_cast<uint64_t>(i));
    org.first_backup = o.anchor - (200 + static_cast<Ticks>(h % 300)) * kDay;
    org.last_backup = o.anchor - (30 + static_cast<Ticks>(h % 60)) * kMinute;
    if (i == 2) {  // never backed up
      org.backed_up = false;
      org.first_backup = org.last_backup = kNotFinished;
    } else if (i == 3) {  // no backup for three days
      org.last_backup = o.anchor - 3 * kDay;
    }
    r->organizations.push_back(org);

    SyncState s;
    s.organization_id = org.id;
    s.has_last = true;
    s.last_start = o.anchor - 2 * kHour - static_cast<Ticks>(h % 600) * 10000;
    s.last_end = s.last_start + 95 * kTicksPerSecond;
    s.last_type = i % 7 == 0 ? "Full" : "Incremental";
    if (i == 1) {
      s.last_result = "Error";
      s.last_error =
          "Failed to synchronize organization: Microsoft Graph returned "
          "(401) Unauthorized.";
    } else if (i == 2) {
      s.has_last = false;
      s.has_current = true;
      s.current_type = "Full";
      s.current_status = "Running";
      s.current_scheduled = o.anchor - 6 * kMinute;
      s.current_start = o.anchor - 5 * kMinute;
    } else if (i == 3) {
      s.has_current = true;
      s.current_status = "Queued";
      s.current_scheduled = o.anchor - kMinute;
    }
    r->sync_states.push_back(s);
  }
}

void MakeRepositories(const GenOptions& o, const ResourceCounts& c,
                      Resources* r) {
  for (int i = 0; i < c.repositories; ++i) {
    Repository rep;
    rep.id = DeterministicUuid(o.seed, 0x2000000ULL + static_cast<uint64_t>(i));
    const uint64_t h = Hash(o.seed ^ 0x2E9, static_cast<uint64_t>(i));
    rep.name = i == 0 ? "Main repository (E:\\Backups)"
                      : "Repository " + std::to_string(i);
    rep.description = "Generated repository " + std::to_string(i);
    rep.path = "E:\\Backups\\Repo" + std::to_string(i);
    if (c.proxies > 0)
      rep.proxy_id = DeterministicUuid(
          o.seed, 0x4000000ULL + static_cast<uint64_t>(i % c.proxies));
    const bool object = i == 2 || (i > 4 && i % 5 == 2);
    if (object) {
      ObjectStorage os;
      os.id =
          DeterministicUuid(o.seed, 0x2100000ULL + static_cast<uint64_t>(i));
      os.type = i == 2 ? "AmazonS3" : "AzureBlob";
      os.used_space_bytes = 3 * kTiB + static_cast<int64_t>(h % kTiB);
      if (i == 2) {
        os.size_limit_enabled = true;
        os.size_limit_gb = 5120;
        os.free_space_bytes = os.size_limit_gb * kGiB - os.used_space_bytes;
        os.immutability = true;
        os.immutability_period_days = 30;
      }
      rep.object_storage = os;
      rep.long_term = true;
      rep.path.clear();
    } else {
      rep.capacity_bytes =
          (i == 0 ? 10 : 2 + static_cast<int64_t>(h % 8)) * kTiB;
      const int64_t free_pct = i == 0 ? 4 : 20 + static_cast<int64_t>(h % 60);
      rep.free_space_bytes = *rep.capacity_bytes / 100 * free_pct;
    }
    if (i == 3) {
      rep.out_of_sync = true;
      rep.out_of_order = true;
      rep.out_of_order_reason =
          "The repository is unavailable: the path E:\\Backups\\Repo3 was "
          "not found.";
      rep.indexed = false;
    }
    r->repositories.push_back(rep);
  }
}

void MakeProxies(const GenOptions& o, const ResourceCounts& c, Resources* r) {
  for (int i = 0; i < c.proxies; ++i) {
    Proxy p;
    p.id = DeterministicUuid(o.seed, 0x4000000ULL + static_cast<uint64_t>(i));
    const uint64_t h = Hash(o.seed ^ 0x9C0, static_cast<uint64_t>(i));
    char host[64];
    std::snprintf(host, sizeof host, "vb365-proxy%02d.east.local", i + 1);
    p.host_name = host;
    p.description = "Generated proxy " + std::to_string(i);
    p.version = "8.1.0.305";
    p.cpu_percent = static_cast<double>(h % 700) / 10.0 + 5.0;
    p.memory_percent = static_cast<double>((h >> 16) % 600) / 10.0 + 20.0;
    if (i >= 2) p.pool_id = DeterministicUuid(o.seed, 0x4100000ULL);
    p.operating_system = i % 4 == 3 ? "Linux" : "Windows";
    if (i == 1) {
      p.status = "Offline";
      p.cpu_percent.reset();
      p.memory_percent.reset();
    } else if (i == 2) {
      p.maintenance = "Enabled";
    } else if (i == 3) {
      p.maintenance = "Enabling";
      p.cpu_percent = 91.5;
    }
    r->proxies.push_back(p);
  }
}

void MakeRestores(const GenOptions& o, const ResourceCounts& c, Resources* r) {
  static const char* const kTypes[] = {"Vex", "Veod", "Vesp", "Vet"};
  static const char* const kTypeNames[] = {"Exchange", "OneDrive", "SharePoint",
                                           "Teams"};
  static const char* const kWho[] = {"EAST\\admin", "EAST\\Jürgen Müller",
                                     "EAST\\helpdesk"};
  for (int i = 0; i < c.restore_sessions; ++i) {
    RestoreSession s;
    const uint64_t h = Hash(o.seed ^ 0x2E5, static_cast<uint64_t>(i));
    s.id = DeterministicUuid(o.seed, 0x6000000ULL + static_cast<uint64_t>(i));
    s.type = kTypes[i % 4];
    const std::string org = c.organizations > 0
                                ? r->organizations[i % c.organizations].name
                                : "contoso.onmicrosoft.com";
    s.organization = org;
    s.name = std::string(kTypeNames[i % 4]) + " restore session " +
             std::to_string(i);
    s.initiated_by = kWho[h % 3];
    s.scope_name = org;
    s.client_host = "ws" + std::to_string(h % 90 + 10) + ".east.local";
    s.reason = i % 3 == 0 ? "Restore of a deleted mailbox folder" : "";
    s.etag = static_cast<int64_t>(h % 9) + 1;
    s.creation_time = o.anchor - (i + 1) * 3 * kHour -
                      static_cast<Ticks>(h % 3600) * kTicksPerSecond;
    const Ticks duration = (5 + static_cast<Ticks>(h % 50)) * kMinute;
    s.state = "Stopped";
    s.result = (h >> 8) % 100 < 85 ? "Success" : "Warning";
    if (i == 0) {
      s.result = "Failed";
      s.details =
          "Restore failed: the target mailbox \"Zoë O'Neil\" is not "
          "accessible.";
    } else if (i == 1) {
      s.state = "Working";
      s.result = "Success";  // what the API shows while it works
      s.creation_time = o.anchor - 20 * kMinute;
    } else if (i == 2) {
      s.result = "Warning";
    }
    if (s.details.empty())
      s.details = s.state == "Working" ? "Restoring items" : "Restore finished";
    s.end_time =
        s.state == "Working" ? kNotFinished : s.creation_time + duration;
    r->restore_sessions.push_back(s);
  }
}

}  // namespace

Resources GenerateResources(const GenOptions& o, const ResourceCounts& c) {
  Resources r;
  r.seed = o.seed;
  r.anchor = o.anchor;
  MakeOrganizations(o, c, &r);
  MakeRepositories(o, c, &r);
  MakeProxies(o, c, &r);
  MakeRestores(o, c, &r);
  r.copy_jobs = GenerateCopyJobs(o, c.copy_jobs);
  r.licensed_users =
      c.organizations > 0 ? std::max<int64_t>(0, c.licensed_users) : 0;

  License& l = r.license;
  l.id = DeterministicUuid(o.seed, 0x7000000ULL);
  l.email = "licensing@east.example";
  l.licensed_to = "East Logistics AG — Zürich";
  l.contact_person = "Åsa Öberg";
  l.support_id = "04173522";
  const ExpectedLicensedUsers e = ExpectLicensedUsers(r);
  const auto& st = e.all.by_state;
  l.total_number =
      static_cast<int32_t>(st.at("Licensed") + st.at("TemporarilyAssigned"));
  l.used_number = static_cast<int32_t>(l.total_number + st.at("Exceeded"));
  l.new_number = static_cast<int32_t>(st.at("New"));
  l.expires = o.anchor - o.anchor % kDay + 20 * kDay;  // midnight, 20 days on
  l.grace_period_expires = l.expires + 30 * kDay;
  l.support_expires = l.expires;

  r.health.status = c.healthy ? "Healthy" : "Unhealthy";
  r.health.entries = {
      {"NATS", "Healthy", ""},
      {"PostgreSQL", c.healthy ? "Healthy" : "Unhealthy",
       c.healthy ? ""
                 : "The configuration database is not reachable: "
                   "connection refused (127.0.0.1:5432)."},
      {"ProxyServices", "Healthy", ""}};
  return r;
}

LicensedUser LicensedUserAt(const Resources& r, int64_t i) {
  LicensedUser u;
  const size_t org = static_cast<size_t>(i) % r.organizations.size();
  const Organization& o = r.organizations[org];
  u.id = DeterministicUuid(r.seed ^ 0x11CE, static_cast<uint64_t>(i));
  const std::string domain = o.name;
  u.name =
      (i % 7 == 3 ? "zoë.müller." : "user.") + std::to_string(i) + "@" + domain;
  u.organization_id = o.id;
  u.organization_name = o.name;
  u.backed_up_organization_id = o.id;
  u.license_state = UserState(r.seed, i);
  u.backed_up = UserBackedUp(r, i);
  if (u.backed_up) {
    const Ticks base = o.last_backup == kNotFinished ? r.anchor : o.last_backup;
    u.last_backup = base - static_cast<Ticks>(
                               Hash(r.seed, static_cast<uint64_t>(i)) % 3600) *
                               kTicksPerSecond;
  }
  return u;
}

int64_t LicensedUsersOf(const Resources& r, size_t organization) {
  const int64_t n = static_cast<int64_t>(r.organizations.size());
  const int64_t k = static_cast<int64_t>(organization);
  if (n == 0 || k >= n || k >= r.licensed_users) return 0;
  return (r.licensed_users - k + n - 1) / n;
}

ExpectedLicensedUsers ExpectLicensedUsers(const Resources& r) {
  ExpectedLicensedUsers e;
  auto zero = [](LicensedUserCounts* c) {
    for (const char* s : {"Licensed", "New", "TemporarilyAssigned", "Exceeded"})
      c->by_state[s] = 0;
  };
  zero(&e.all);
  for (const Organization& o : r.organizations) zero(&e.by_organization[o.id]);
  for (int64_t i = 0; i < r.licensed_users; ++i) {
    const Organization& o =
        r.organizations[static_cast<size_t>(i) % r.organizations.size()];
    LicensedUserCounts& c = e.by_organization[o.id];
    const char* state = UserState(r.seed, i);
    const bool backed_up = UserBackedUp(r, i);
    for (LicensedUserCounts* t : {&e.all, &c}) {
      ++t->users;
      ++t->by_state[state];
      if (!backed_up) ++t->not_backed_up;
    }
  }
  return e;
}

ExpectedRestores ExpectRestores(const std::vector<RestoreSession>& sessions) {
  ExpectedRestores e;
  for (const RestoreSession& s : sessions) {
    if (s.state == "Working") {
      ++e.running_by_type[s.type];
    } else {
      ++e.finished[{s.type, s.result}];
    }
  }
  return e;
}

std::string LicenseJson(const License& l, const WriteOptions& w) {
  const int v = w.version.number;
  ojson j;
  j["licenseID"] = l.id;
  j["email"] = l.email;
  j["status"] = l.status;
  if (v >= 7) {
    j["licenseExpires"] = Time(l.expires, 0);
    j["gracePeriodExpires"] = Time(l.grace_period_expires, 0);
  } else {
    j["expirationDate"] = Time(l.expires, 0);
  }
  j["type"] = l.type;
  if (v >= 7) j["package"] = l.package;
  j["licensedTo"] = l.licensed_to;
  if (v < 7) j["contactPerson"] = l.contact_person;
  j["totalNumber"] = l.total_number;
  j["usedNumber"] = l.used_number;
  j["newNumber"] = l.new_number;
  j["supportID"] = l.support_id;
  if (v < 7) j["supportExpirationDate"] = Time(l.support_expires, 0);
  return Dump(std::move(j), w);
}

std::string RepositoryJson(const Repository& r, const WriteOptions& w) {
  const int v = w.version.number;
  const std::string p = Prefix(w);
  ojson j;
  j["id"] = r.id;
  j["name"] = r.name;
  j["description"] = r.description;
  if (!r.path.empty()) j["path"] = r.path;
  j["retentionType"] = "ItemLevel";
  j["retentionPeriodType"] = "Yearly";
  j["yearlyRetentionPeriod"] = "Years3";
  j["retentionFrequencyType"] = "Daily";
  j["dailyTime"] = "23:00:00";
  j["dailyType"] = "Everyday";
  j["proxyId"] = StringOrNull(r.proxy_id);
  j["isLongTerm"] = r.long_term;
  j["capacityBytes"] = r.capacity_bytes ? ojson(*r.capacity_bytes) : ojson();
  j["freeSpaceBytes"] =
      r.free_space_bytes ? ojson(*r.free_space_bytes) : ojson();
  j["isOutOfSync"] = r.out_of_sync;
  if (v < 8) {
    j["objectStorageId"] =
        r.object_storage ? ojson(r.object_storage->id) : ojson();
    j["objectStorageEncryptionEnabled"] =
        r.object_storage ? ojson(false) : ojson();
  } else {
    j["proxyPoolId"] = nullptr;
    j["isOutdated"] = r.outdated;
    j["isIndexed"] = r.indexed;
    j["isMigrationLocked"] = false;
    j["isOutOfOrder"] = r.out_of_order;
    j["outOfOrderReason"] = StringOrNull(r.out_of_order_reason);
    if (r.object_storage) {
      const ObjectStorage& os = *r.object_storage;
      ojson o;
      o["id"] = os.id;
      o["type"] = os.type;
      o["sizeLimitEnabled"] = os.size_limit_enabled;
      o["sizeLimitGB"] =
          os.size_limit_enabled ? ojson(os.size_limit_gb) : ojson();
      o["usedSpaceBytes"] = os.used_space_bytes;
      if (os.free_space_bytes) o["freeSpaceBytes"] = *os.free_space_bytes;
      o["enableImmutability"] = os.immutability;
      o["immutabilityPeriodDays"] =
          os.immutability ? ojson(os.immutability_period_days) : ojson();
      j["objectStorage"] = o;
    }
  }
  j["_links"] = Links({{"self", p + "/BackupRepositories/" + r.id}});
  return Dump(std::move(j), w);
}

std::string ProxyJson(const Proxy& x, const WriteOptions& w) {
  const int v = w.version.number;
  ojson j;
  j["id"] = x.id;
  j["hostName"] = x.host_name;
  if (v >= 7) j["fqdn"] = x.host_name;
  j["description"] = x.description;
  j["type"] = "Domain";
  j["port"] = x.port;
  if (v < 8) j["threadsNumber"] = x.threads;
  j["enableNetworkThrottling"] = false;
  j["status"] = x.status;
  if (v >= 8) {
    j["proxyPoolId"] = StringOrNull(x.pool_id);
    j["operatingSystem"] = x.operating_system;
    j["maintenanceModeState"] = x.maintenance;
    j["cpuUsagePercent"] = x.cpu_percent ? ojson(*x.cpu_percent) : ojson();
    j["memoryUsagePercent"] =
        x.memory_percent ? ojson(*x.memory_percent) : ojson();
    j["version"] = x.version;
    j["serviceAccount"] = "EAST\\svc-proxy";
    j["role"] = ojson::array({"Processor"});
  }
  j["_links"] = Links({{"self", Prefix(w) + "/Proxies/" + x.id}});
  return Dump(std::move(j), w);
}

std::string OrganizationJson(const Organization& o, const WriteOptions& w) {
  const int v = w.version.number;
  const std::string p = Prefix(w) + "/Organizations/" + o.id;
  ojson j;
  j["id"] = o.id;
  j["name"] = o.name;
  j["officeName"] = o.office_name;
  if (v >= 7) j["description"] = o.description;
  j["type"] = o.type;
  j["region"] = o.region;
  if (o.type != "OnPremises") {
    j["isExchangeOnline"] = true;
    j["isSharePointOnline"] = true;
    j["isTeamsOnline"] = o.type == "Office365";
  }
  j["isBackedup"] = o.backed_up;
  j["firstBackuptime"] = TimeOrNull(o.first_backup);
  j["lastBackuptime"] = TimeOrNull(o.last_backup);
  if (v >= 8) j["backedUpOrganizationId"] = o.id;
  j["_links"] =
      Links({{"self", p}, {"jobs", p + "/Jobs"}, {"users", p + "/Users"}});
  return Dump(std::move(j), w);
}

std::string SyncStateJson(const SyncState& s, const WriteOptions& w) {
  const std::string p =
      Prefix(w) + "/Organizations/" + s.organization_id + "/SyncState";
  ojson j;
  if (w.version.number >= 8) {
    j["organizationId"] = s.organization_id;
    if (s.has_last) {
      j["lastSyncState"] = {{"type", s.last_type},
                            {"result", s.last_result},
                            {"startTime", Time(s.last_start)},
                            {"endTime", Time(s.last_end)},
                            {"error", StringOrNull(s.last_error)}};
    } else {
      j["lastSyncState"] = nullptr;
    }
    if (s.has_current) {
      j["currentSyncState"] = {{"type", s.current_type},
                               {"scheduledTime", Time(s.current_scheduled)},
                               {"startTime", TimeOrNull(s.current_start)},
                               {"status", s.current_status}};
    }
  } else {
    j["type"] = s.has_last ? ojson(s.last_type) : ojson();
    j["status"] = s.has_last ? s.last_result : "None";
    j["lastSyncTime"] = s.has_last ? ojson(Time(s.last_end)) : ojson();
    j["error"] = StringOrNull(s.last_error);
  }
  j["_links"] = Links({{"self", p}});
  return Dump(std::move(j), w);
}

std::string CopyJobJson(const Job& job, const WriteOptions& w) {
  const int v = w.version.number;
  const JobSummary sum = Summarize(job);
  const std::string p = Prefix(w);
  ojson j;
  j["id"] = job.id;
  j["name"] = job.name;
  j["backupJobId"] = job.backup_job_id;
  // The schedule the sessions follow (RESTCopyJobSchedulePolicy).
  if (job.interval >= kDay) {
    j["schedulePolicy"] = {{"type", "DailyAtTime"},
                           {"dailyType", "Everyday"},
                           {"dailyTime", "22:00:00"},
                           {"backupCopyWindowEnabled", false}};
  } else {
    const Ticks minutes = job.interval / kMinute;
    j["schedulePolicy"] = {
        {"type", "Periodically"},
        {"periodicallyEvery", minutes < 60
                                  ? "Minutes" + std::to_string(minutes)
                                  : "Hours" + std::to_string(minutes / 60)},
        {"backupCopyWindowEnabled", false}};
  }
  if (v >= 8) j["organizationId"] = job.organization_id;
  j["repositoryId"] = job.repository_id;
  j["lastRun"] = TimeOrNull(sum.last_run);
  j["nextRun"] = TimeOrNull(sum.next_run, 0);
  if (v >= 7) j["lastBackup"] = TimeOrNull(sum.last_backup);
  j["isEnabled"] = job.is_enabled;
  static const char* const kKnown[] = {
      "Stopped", "Running",       "Success",      "Failed",
      "Warning", "NotConfigured", "Disconnected", "Queued"};
  bool known = false;
  for (const char* k : kKnown) known = known || sum.last_status == k;
  j["lastStatus"] = known ? ojson(sum.last_status) : ojson();
  if (v >= 8) j["eTag"] = job.etag;
  j["_links"] = Links(
      {{"self", p + "/CopyJobs/" + job.id},
       {"backupJob", p + "/Jobs/" + job.backup_job_id},
       {"backupRepository", p + "/BackupRepositories/" + job.repository_id}});
  return Dump(std::move(j), w);
}

std::string RestoreSessionJson(const RestoreSession& s, const WriteOptions& w) {
  ojson j;
  j["id"] = s.id;
  j["name"] = s.name;
  j["organization"] = s.organization;
  j["type"] = s.type;
  j["creationTime"] = Time(s.creation_time);
  j["endTime"] = TimeOrNull(s.end_time);
  j["state"] = s.state;
  j["result"] = s.result;
  j["initiatedBy"] = s.initiated_by;
  j["details"] = s.details;
  j["scopeName"] = s.scope_name;
  j["clientHost"] = s.client_host;
  j["reason"] = s.reason;
  if (w.version.number >= 8) j["eTag"] = s.etag;
  j["_links"] = Links({{"self", Prefix(w) + "/RestoreSessions/" + s.id}});
  return Dump(std::move(j), w);
}

std::string HealthJson(const Health& h, const WriteOptions& w) {
  ojson j;
  j["status"] = h.status;
  ojson entries = ojson::object();
  for (const HealthEntry& e : h.entries) {
    entries[e.component] = {{"status", e.status},
                            {"description", StringOrNull(e.description)}};
  }
  j["entries"] = entries;
  return Dump(std::move(j), w);
}

std::string LicensedUserJson(const LicensedUser& u, const WriteOptions& w) {
  if (w.mutation == Mutation::kNone) {
    // The hot path of a 100,000-user read: the same bytes as below, without
    // building a JSON object (about ten times faster).
    std::string out;
    out.reserve(400);
    out.append("{\"id\":");
    AppendJsonString(u.id, &out);
    out.append(",\"name\":");
    AppendJsonString(u.name, &out);
    out.append(u.backed_up ? ",\"isBackedUp\":true" : ",\"isBackedUp\":false");
    if (u.last_backup != kNotFinished) {
      out.append(",\"lastBackupDate\":\"");
      out.append(Time(u.last_backup));
      out.push_back('"');
    }
    out.append(",\"licenseState\":");
    AppendJsonString(u.license_state, &out);
    out.append(",\"organizationId\":");
    AppendJsonString(u.organization_id, &out);
    out.append(",\"backedUpOrganizationId\":");
    AppendJsonString(u.backed_up_organization_id, &out);
    out.append(",\"organizationName\":");
    AppendJsonString(u.organization_name, &out);
    out.append(",\"_links\":{\"organization\":{\"href\":");
    AppendJsonString(Prefix(w) + "/Organizations/" + u.organization_id, &out);
    out.append("}}}");
    return out;
  }
  return LicensedUserJsonSlow(u, w);
}

std::string LicensedUserJsonSlow(const LicensedUser& u, const WriteOptions& w) {
  ojson j;
  j["id"] = u.id;
  j["name"] = u.name;
  j["isBackedUp"] = u.backed_up;
  if (u.last_backup != kNotFinished) j["lastBackupDate"] = Time(u.last_backup);
  j["licenseState"] = u.license_state;
  j["organizationId"] = u.organization_id;
  j["backedUpOrganizationId"] = u.backed_up_organization_id;
  j["organizationName"] = u.organization_name;
  j["_links"] = Links(
      {{"organization", Prefix(w) + "/Organizations/" + u.organization_id}});
  return Dump(std::move(j), w);
}

}  // namespace vb365::sim
