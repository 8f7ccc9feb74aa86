#include "collection/resource_collectors.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "common/log.h"

namespace vb365 {
namespace {

// What a collector's run gets.
struct CollectorContext {
  ResourceSource* source;
  ResourceValues* values;
  const ServerConfig* config;
  ApiVersion version;
  Timestamp now;
};

// One collector: reads its resource and, on success only, replaces its part
// of *values (a failure leaves the last good values as they were).
struct CollectorSpec {
  const char* name;
  Status (*run)(const CollectorContext& context);
  // Forgets its values (the resource is not on the server's version).
  void (*clear)(ResourceValues* values);
};

template <typename T, typename Assign>
Status Take(Result<T> r, Assign assign) {
  if (!r.ok()) return r.error();
  assign(std::move(*r));
  return Ok{};
}

Status RunOrganizations(const CollectorContext& c) {
  ResourceSource* source = c.source;
  ResourceValues* values = c.values;
  Result<std::vector<Organization>> orgs = source->ListOrganizations();
  if (!orgs.ok()) return orgs.error();
  Result<std::vector<OrganizationSync>> syncs = source->ListSyncStates(*orgs);
  if (!syncs.ok() && syncs.error().code() != ErrorCode::kNotFound) {
    return syncs.error().Context("sync state");
  }
  if (syncs.ok()) {
    std::map<std::string, const OrganizationSync*> by_id;
    for (const OrganizationSync& s : *syncs) by_id[s.organization_id] = &s;
    for (Organization& o : *orgs) {
      auto it = by_id.find(o.id);
      if (it != by_id.end()) o.sync = *it->second;
    }
  }
  std::sort(orgs->begin(), orgs->end(),
            [](const Organization& a, const Organization& b) {
              return a.name != b.name ? a.name < b.name : a.id < b.id;
            });
  values->resources.organizations = std::move(*orgs);
  return Ok{};
}

// The restores: what started within session_history, and on v8 also what
// ended since the last read minus an hour (a restore that ran longer than
// the history). Each finished one is counted once (RestoreTracker).
Status RunRestores(const CollectorContext& c) {
  constexpr Timestamp kOverlap = 3600 * kTicksPerSecond;
  ResourceValues* v = c.values;
  const Timestamp started_from =
      c.now - static_cast<Timestamp>(c.config->session_history.count()) *
                  kTicksPerSecond;
  const bool v8 = c.version >= ApiVersion::kV8;
  const Timestamp ended_from = v->restores_last_read == kNoTime
                                   ? started_from
                                   : v->restores_last_read - kOverlap;
  Result<std::vector<RestoreSession>> sessions =
      c.source->ListRestoreSessions(started_from, v8 ? ended_from : kNoTime);
  if (!sessions.ok()) return sessions.error();
  v->restores.Apply(*sessions);
  // No later read returns a restore created before started_from that (v8)
  // ended before ended_from: its id can go.
  v->restores.Forget(v8 ? ended_from : std::numeric_limits<Timestamp>::max(),
                     started_from);
  v->restores_last_read = c.now;
  v->resources.restores = v->restores.counts();
  return Ok{};
}

const std::array<CollectorSpec, 7> kCollectors = {{
    {"license",
     [](const CollectorContext& c) {
       ResourceSource* s = c.source;
       ResourceValues* v = c.values;
       return Take(s->GetLicense(),
                   [v](License l) { v->resources.license = std::move(l); });
     },
     [](ResourceValues* v) { v->resources.license.reset(); }},
    {"repositories",
     [](const CollectorContext& c) {
       ResourceSource* s = c.source;
       ResourceValues* v = c.values;
       return Take(s->ListRepositories(), [v](std::vector<Repository> r) {
         std::sort(r.begin(), r.end(),
                   [](const Repository& a, const Repository& b) {
                     return a.name != b.name ? a.name < b.name : a.id < b.id;
                   });
         v->resources.repositories = std::move(r);
       });
     },
     [](ResourceValues* v) { v->resources.repositories.clear(); }},
    {"proxies",
     [](const CollectorContext& c) {
       ResourceSource* s = c.source;
       ResourceValues* v = c.values;
       return Take(s->ListProxies(), [v](std::vector<Proxy> p) {
         std::sort(p.begin(), p.end(), [](const Proxy& a, const Proxy& b) {
           return a.host != b.host ? a.host < b.host : a.id < b.id;
         });
         v->resources.proxies = std::move(p);
       });
     },
     [](ResourceValues* v) { v->resources.proxies.clear(); }},
    {"organizations", &RunOrganizations,
     [](ResourceValues* v) { v->resources.organizations.clear(); }},
    {"licensed_users",
     [](const CollectorContext& c) {
       ResourceSource* s = c.source;
       ResourceValues* v = c.values;
       return Take(s->CountLicensedUsers(),
                   [v](std::map<std::string, UserCounts> c) {
                     v->user_counts = std::move(c);
                     v->have_user_counts = true;
                   });
     },
     [](ResourceValues* v) {
       v->user_counts.clear();
       v->have_user_counts = false;
     }},
    {"restore_sessions", &RunRestores,
     [](ResourceValues* v) {
       v->resources.restores.reset();
       v->restores = RestoreTracker();
       v->restores_last_read = kNoTime;
     }},
    {"health",
     [](const CollectorContext& c) {
       ResourceSource* s = c.source;
       ResourceValues* v = c.values;
       return Take(s->GetHealth(),
                   [v](Health h) { v->resources.health = std::move(h); });
     },
     [](ResourceValues* v) { v->resources.health.reset(); }},
}};

constexpr size_t kLicensedUsers = 4;

}  // namespace

const std::array<const char*, 7>& ResourceCollectors::Names() {
  static const std::array<const char*, 7> names = [] {
    std::array<const char*, 7> n{};
    for (size_t i = 0; i < kCollectors.size(); ++i) n[i] = kCollectors[i].name;
    return n;
  }();
  return names;
}

ResourceCollectors::ResourceCollectors(const ServerConfig* config)
    : config_(config) {}

bool ResourceCollectors::Due(size_t i, Timestamp now) const {
  const State& st = states_[i];
  if (i != kLicensedUsers || !st.has_run || !st.run.success) return true;
  const Timestamp interval =
      static_cast<Timestamp>(config_->licensed_users_interval.count()) *
      (kTicksPerSecond / 1000);
  return now - st.last_attempt >= interval;
}

void ResourceCollectors::Collect(ApiVersion version, ResourceSource* source,
                                 Timestamp now) {
  if (source == nullptr) return;
  for (size_t i = 0; i < kCollectors.size(); ++i) {
    const CollectorSpec& spec = kCollectors[i];
    State& st = states_[i];
    if (!config_->CollectorEnabled(spec.name) || st.skipped_on == version ||
        !Due(i, now)) {
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    Status status =
        spec.run(CollectorContext{source, &values_, config_, version, now});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (!status.ok() && status.error().code() == ErrorCode::kNotFound &&
        st.served_on != version) {
      Log(LogLevel::kInfo, "resource not served on this API version, skipped",
          {{"server", config_->name},
           {"collector", spec.name},
           {"api_version", ApiVersionName(version)},
           {"error", status.error().message()}});
      st = State{};
      st.skipped_on = version;
      spec.clear(&values_);
      continue;
    }
    st.skipped_on = ApiVersion::kAuto;
    st.has_run = true;
    st.last_attempt = now;
    st.run = CollectorRun{spec.name, status.ok(), seconds};
    if (status.ok()) {
      st.served_on = version;
      if (st.failing) {
        Log(LogLevel::kInfo, "collector succeeded again",
            {{"server", config_->name}, {"collector", spec.name}});
      }
      st.failing = false;
      continue;
    }
    // Once per failure streak at warn; the last good values stay.
    Log(st.failing ? LogLevel::kDebug : LogLevel::kWarn,
        st.failing ? "collector failed again" : "collector failed",
        {{"server", config_->name},
         {"collector", spec.name},
         {"error", status.error().message()}});
    st.failing = true;
  }
}

void ResourceCollectors::RestoreRestores(const SavedRestores& saved) {
  values_.restores = RestoreTracker(saved.tracker);
  values_.restores_last_read = saved.last_read;
}

std::optional<SavedRestores> ResourceCollectors::SaveRestores() const {
  if (!values_.restores.applied()) return std::nullopt;
  return SavedRestores{values_.restores_last_read,
                       values_.restores.SaveState()};
}

ServerResources ResourceCollectors::Snapshot() const {
  ServerResources out = values_.resources;
  if (values_.have_user_counts) {
    for (Organization& o : out.organizations) {
      auto it = values_.user_counts.find(o.id);
      o.users = it != values_.user_counts.end() ? it->second : UserCounts{};
    }
  }
  for (const State& st : states_) {
    if (st.has_run) out.collectors.push_back(st.run);
  }
  return out;
}

}  // namespace vb365
