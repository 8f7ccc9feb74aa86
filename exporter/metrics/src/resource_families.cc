// The tables of the resource families (docs/metrics.md, "Resources beyond
// jobs"): one table per resource, as families.cc does for jobs.
#include "resource_families.h"

#include <string>
#include <utility>
#include <vector>

namespace vb365 {
namespace {

using prometheus::MetricType;
constexpr MetricType kGauge = MetricType::Gauge;

double Seconds(Timestamp t) { return TimestampSeconds(t); }
double Bool(bool b) { return b ? 1.0 : 0.0; }

template <typename Enum>
std::vector<std::string> Names(int count, std::string_view (*name)(Enum)) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.emplace_back(name(static_cast<Enum>(i)));
  }
  return out;
}

// ---------------------------------------------------------------- license

using LicenseFamily = FamilySpec<License>;

const std::vector<LicenseFamily> kLicenseFamilies = {
    LicenseFamily::Info(
        "vb365_license_info",
        "Type, package and licensee of the installed license; always 1",
        {"type", "package", "licensed_to"},
        [](const License& l, size_t k) -> std::string_view {
          return k == 0 ? l.type : k == 1 ? l.package : l.licensed_to;
        }),
    LicenseFamily::Set(kGauge, "vb365_license_status",
                       "License status (state set: exactly one is 1)", "status",
                       Names(kLicenseStatusCount, &LicenseStatusName),
                       [](const License& l, size_t i) {
                         return Bool(static_cast<size_t>(l.status) == i);
                       }),
    LicenseFamily::Gauge(
        "vb365_license_expiry_timestamp_seconds",
        "Unix time the license expires (licenseExpires; v6 expirationDate)",
        [](const License& l) { return Seconds(l.expires); },
        [](const License& l) { return l.expires != kNoTime; }),
    LicenseFamily::Gauge(
        "vb365_license_grace_period_expiry_timestamp_seconds",
        "Unix time the license's grace period ends (API v7+)",
        [](const License& l) { return Seconds(l.grace_period_expires); },
        [](const License& l) { return l.grace_period_expires != kNoTime; }),
    LicenseFamily::Gauge(
        "vb365_license_capacity_users", "Users the license covers",
        [](const License& l) { return static_cast<double>(*l.total_users); },
        [](const License& l) { return l.total_users.has_value(); }),
    LicenseFamily::Gauge(
        "vb365_license_used_users", "Users that consume a license",
        [](const License& l) { return static_cast<double>(*l.used_users); },
        [](const License& l) { return l.used_users.has_value(); }),
    LicenseFamily::Gauge(
        "vb365_license_new_users", "Users newly licensed this month",
        [](const License& l) { return static_cast<double>(*l.new_users); },
        [](const License& l) { return l.new_users.has_value(); }),
};

void LicenseItems(const ServerSnapshot& snap, std::vector<Item<License>>* out) {
  if (snap.resources.license) {
    out->push_back({&*snap.resources.license, {{"server", snap.server}}});
  }
}

// ----------------------------------------------------------- repositories

using RepoFamily = FamilySpec<Repository>;

const std::vector<RepoFamily> kRepositoryFamilies = {
    RepoFamily::Info(
        "vb365_repository_info",
        "Kind (local or object_storage) and proxy of a backup repository; "
        "always 1",
        {"kind", "proxy_id"},
        [](const Repository& r, size_t k) -> std::string_view {
          if (k == 1) return r.proxy_id;
          return r.object_storage ? "object_storage" : "local";
        }),
    RepoFamily::Gauge(
        "vb365_repository_capacity_bytes",
        "Capacity of a local repository in bytes",
        [](const Repository& r) {
          return static_cast<double>(*r.capacity_bytes);
        },
        [](const Repository& r) { return r.capacity_bytes.has_value(); }),
    RepoFamily::Gauge(
        "vb365_repository_free_bytes",
        "Free space of a local repository in bytes",
        [](const Repository& r) { return static_cast<double>(*r.free_bytes); },
        [](const Repository& r) { return r.free_bytes.has_value(); }),
    RepoFamily::Gauge(
        "vb365_repository_object_storage_used_bytes",
        "Bytes used in the repository's object storage (API v8)",
        [](const Repository& r) {
          return static_cast<double>(*r.object_storage_used_bytes);
        },
        [](const Repository& r) {
          return r.object_storage_used_bytes.has_value();
        }),
    RepoFamily::Gauge(
        "vb365_repository_object_storage_limit_bytes",
        "Size limit of the repository's object storage in bytes (sizeLimitGB "
        "read as GiB, 2^30 bytes; only when the limit is enabled)",
        [](const Repository& r) {
          return static_cast<double>(*r.object_storage_limit_bytes);
        },
        [](const Repository& r) {
          return r.object_storage_limit_bytes.has_value();
        }),
    RepoFamily::Gauge(
        "vb365_repository_out_of_sync",
        "1 when the repository is out of sync (isOutOfSync), else 0",
        [](const Repository& r) { return Bool(*r.out_of_sync); },
        [](const Repository& r) { return r.out_of_sync.has_value(); }),
    RepoFamily::Gauge(
        "vb365_repository_out_of_order",
        "1 when the repository is out of order (isOutOfOrder, API v8), else 0",
        [](const Repository& r) { return Bool(*r.out_of_order); },
        [](const Repository& r) { return r.out_of_order.has_value(); }),
    RepoFamily::Gauge(
        "vb365_repository_outdated",
        "1 when the repository is outdated (isOutdated, API v8), else 0",
        [](const Repository& r) { return Bool(*r.outdated); },
        [](const Repository& r) { return r.outdated.has_value(); }),
    RepoFamily::Gauge(
        "vb365_repository_immutability_period_seconds",
        "Immutability period of the repository's object storage in seconds "
        "(immutabilityPeriodDays, when immutability is enabled)",
        [](const Repository& r) {
          return static_cast<double>(*r.immutability_period_days) * 86400.0;
        },
        [](const Repository& r) {
          return r.immutability_period_days.has_value();
        }),
};

void RepositoryItems(const ServerSnapshot& snap,
                     std::vector<Item<Repository>>* out) {
  for (const Repository& r : snap.resources.repositories) {
    out->push_back({&r,
                    {{"server", snap.server},
                     {"repository_id", r.id},
                     {"repository_name", r.name}}});
  }
}

// ---------------------------------------------------------------- proxies

using ProxyFamily = FamilySpec<Proxy>;

const std::vector<ProxyFamily> kProxyFamilies = {
    ProxyFamily::Info("vb365_proxy_info",
                      "Version and pool of a backup proxy (API v8); always 1",
                      {"version", "proxy_pool_id"},
                      [](const Proxy& p, size_t k) -> std::string_view {
                        return k == 0 ? p.version : p.pool_id;
                      }),
    ProxyFamily::Gauge(
        "vb365_proxy_up", "1 when the proxy is Online, else 0",
        [](const Proxy& p) { return Bool(p.status == ProxyStatus::kOnline); }),
    ProxyFamily::Set(
        kGauge, "vb365_proxy_maintenance_state",
        "Maintenance mode of the proxy (API v8; state set: exactly one is 1)",
        "state", Names(kMaintenanceStateCount, &MaintenanceStateName),
        [](const Proxy& p, size_t i) {
          return Bool(static_cast<size_t>(*p.maintenance) == i);
        },
        [](const Proxy& p) { return p.maintenance.has_value(); }),
    ProxyFamily::Gauge(
        "vb365_proxy_cpu_usage_ratio",
        "CPU usage of the proxy host, 0 to 1 (cpuUsagePercent / 100, API v8)",
        [](const Proxy& p) { return *p.cpu_usage_percent / 100.0; },
        [](const Proxy& p) { return p.cpu_usage_percent.has_value(); }),
    ProxyFamily::Gauge(
        "vb365_proxy_memory_usage_ratio",
        "Memory usage of the proxy host, 0 to 1 (memoryUsagePercent / 100, "
        "API v8)",
        [](const Proxy& p) { return *p.memory_usage_percent / 100.0; },
        [](const Proxy& p) { return p.memory_usage_percent.has_value(); }),
};

void ProxyItems(const ServerSnapshot& snap, std::vector<Item<Proxy>>* out) {
  for (const Proxy& p : snap.resources.proxies) {
    out->push_back({&p,
                    {{"server", snap.server},
                     {"proxy_id", p.id},
                     {"proxy_host", p.host}}});
  }
}

// ---------------------------------------------------------- organizations

using OrgFamily = FamilySpec<Organization>;

bool HasLastSync(const Organization& o) { return o.sync && o.sync->has_last; }

const std::vector<OrgFamily> kOrganizationFamilies = {
    OrgFamily::Info("vb365_organization_info",
                    "Type and region of a protected organization; always 1",
                    {"type", "region"},
                    [](const Organization& o, size_t k) -> std::string_view {
                      return k == 0 ? o.type : o.region;
                    }),
    OrgFamily::Gauge(
        "vb365_organization_backed_up",
        "1 when the organization has been backed up (isBackedup), else 0",
        [](const Organization& o) { return Bool(*o.backed_up); },
        [](const Organization& o) { return o.backed_up.has_value(); }),
    OrgFamily::Gauge(
        "vb365_organization_first_backup_timestamp_seconds",
        "Unix time of the organization's first backup",
        [](const Organization& o) { return Seconds(o.first_backup); },
        [](const Organization& o) { return o.first_backup != kNoTime; }),
    OrgFamily::Gauge(
        "vb365_organization_last_backup_timestamp_seconds",
        "Unix time of the organization's last backup",
        [](const Organization& o) { return Seconds(o.last_backup); },
        [](const Organization& o) { return o.last_backup != kNoTime; }),
    OrgFamily::Set(
        kGauge, "vb365_organization_sync_result",
        "Result of the organization's last sync (API v7+; state set: exactly "
        "one is 1)",
        "result", Names(kSyncResultCount, &SyncResultName),
        [](const Organization& o, size_t i) {
          return Bool(static_cast<size_t>(o.sync->last_result) == i);
        },
        HasLastSync),
    OrgFamily::Gauge(
        "vb365_organization_sync_end_timestamp_seconds",
        "Unix end time of the organization's last sync (API v7+)",
        [](const Organization& o) { return Seconds(o.sync->last_end); },
        [](const Organization& o) {
          return HasLastSync(o) && o.sync->last_end != kNoTime;
        }),
    OrgFamily::Gauge(
        "vb365_organization_sync_running",
        "1 while a sync of the organization is Queued or Running, else 0 "
        "(API v8: v7 does not say)",
        [](const Organization& o) { return Bool(*o.sync->running); },
        [](const Organization& o) {
          return o.sync.has_value() && o.sync->running.has_value();
        }),
    OrgFamily::Set(
        kGauge, "vb365_organization_licensed_users",
        "Licensed users of the organization by license state, counted from "
        "/LicensedUsers (read every licensed_users_interval)",
        "state", Names(kLicenseStateCount, &LicenseStateName),
        [](const Organization& o, size_t i) {
          return static_cast<double>(o.users->by_state[i]);
        },
        [](const Organization& o) { return o.users.has_value(); }),
    OrgFamily::Gauge(
        "vb365_organization_users_not_backed_up",
        "Licensed users of the organization with isBackedUp false (read "
        "every licensed_users_interval)",
        [](const Organization& o) {
          return static_cast<double>(o.users->not_backed_up);
        },
        [](const Organization& o) { return o.users.has_value(); }),
};

void OrganizationItems(const ServerSnapshot& snap,
                       std::vector<Item<Organization>>* out) {
  for (const Organization& o : snap.resources.organizations) {
    out->push_back({&o,
                    {{"server", snap.server},
                     {"organization_id", o.id},
                     {"organization_name", o.name}}});
  }
}

// ----------------------------------------------------------------- health

using HealthFamily = FamilySpec<Health>;

const std::vector<HealthFamily> kHealthFamilies = {
    HealthFamily::Gauge("vb365_server_healthy",
                        "1 when /Health reports Healthy, else 0 (API v8)",
                        [](const Health& h) {
                          return Bool(h.status == HealthStatus::kHealthy);
                        }),
};

void HealthItems(const ServerSnapshot& snap, std::vector<Item<Health>>* out) {
  if (snap.resources.health) {
    out->push_back({&*snap.resources.health, {{"server", snap.server}}});
  }
}

using Component = std::pair<std::string, HealthStatus>;
using ComponentFamily = FamilySpec<Component>;

const std::vector<ComponentFamily> kComponentFamilies = {
    ComponentFamily::Gauge(
        "vb365_server_component_healthy",
        "1 when /Health reports the component (an entries key) Healthy, else "
        "0 (API v8)",
        [](const Component& c) {
          return Bool(c.second == HealthStatus::kHealthy);
        }),
};

void ComponentItems(const ServerSnapshot& snap,
                    std::vector<Item<Component>>* out) {
  if (!snap.resources.health) return;
  for (const Component& c : snap.resources.health->components) {
    out->push_back({&c, {{"server", snap.server}, {"component", c.first}}});
  }
}

// ------------------------------------------------------- restore sessions

using RestoreFamily = FamilySpec<RestoreTypeCounts>;

const std::vector<RestoreFamily> kRestoreFamilies = {
    RestoreFamily::Set(
        MetricType::Counter, "vb365_restore_sessions_total",
        "Restore sessions that finished while the exporter watched, by type "
        "and result, each counted once (the first read is the baseline)",
        "result", Names(kRestoreResultCount, &RestoreResultName),
        [](const RestoreTypeCounts& c, size_t i) {
          return static_cast<double>(c.finished[i]);
        }),
    RestoreFamily::Gauge("vb365_restore_sessions_running",
                         "Restore sessions in state Working, by type",
                         [](const RestoreTypeCounts& c) {
                           return static_cast<double>(c.running);
                         }),
};

void RestoreItems(const ServerSnapshot& snap,
                  std::vector<Item<RestoreTypeCounts>>* out) {
  if (!snap.resources.restores) return;
  for (int t = 0; t < kRestoreTypeCount; ++t) {
    out->push_back({&(*snap.resources.restores)[static_cast<size_t>(t)],
                    {{"server", snap.server},
                     {"type", std::string(RestoreTypeName(
                                  static_cast<RestoreType>(t)))}}});
  }
}

// ------------------------------------------------------------- collectors

using CollectorFamily = FamilySpec<CollectorRun>;

const std::vector<CollectorFamily> kCollectorFamilies = {
    CollectorFamily::Gauge(
        "vb365_collector_success",
        "1 when the collector's last run read its resource, else 0 (its "
        "series then keep their last good values)",
        [](const CollectorRun& c) { return Bool(c.success); }),
    CollectorFamily::Gauge(
        "vb365_collector_duration_seconds",
        "Wall time of the collector's last run",
        [](const CollectorRun& c) { return c.duration_seconds; }),
};

void CollectorItems(const ServerSnapshot& snap,
                    std::vector<Item<CollectorRun>>* out) {
  for (const CollectorRun& c : snap.resources.collectors) {
    out->push_back({&c, {{"server", snap.server}, {"collector", c.name}}});
  }
}

}  // namespace

void RenderResourceFamilies(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    size_t chunk, const FamilyOut& out) {
  RenderResource(Resource<License>{&kLicenseFamilies, LicenseItems}, snapshots,
                 chunk, out);
  RenderResource(Resource<Repository>{&kRepositoryFamilies, RepositoryItems},
                 snapshots, chunk, out);
  RenderResource(Resource<Proxy>{&kProxyFamilies, ProxyItems}, snapshots, chunk,
                 out);
  RenderResource(
      Resource<Organization>{&kOrganizationFamilies, OrganizationItems},
      snapshots, chunk, out);
  RenderResource(Resource<RestoreTypeCounts>{&kRestoreFamilies, RestoreItems},
                 snapshots, chunk, out);
  RenderResource(Resource<Health>{&kHealthFamilies, HealthItems}, snapshots,
                 chunk, out);
  RenderResource(Resource<Component>{&kComponentFamilies, ComponentItems},
                 snapshots, chunk, out);
  RenderResource(Resource<CollectorRun>{&kCollectorFamilies, CollectorItems},
                 snapshots, chunk, out);
}

}  // namespace vb365
