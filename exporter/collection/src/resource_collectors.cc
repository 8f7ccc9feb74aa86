#include "collection/resource_collectors.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/log.h"

namespace vb365 {
namespace {

// One collector: reads its resource and, on success only, replaces its part
// of *values (a failure leaves the last good values as they were).
struct CollectorSpec {
  const char* name;
  Status (*run)(ResourceSource* source, ResourceValues* values);
  // Forgets its values (the resource is not on the server's version).
  void (*clear)(ResourceValues* values);
};

template <typename T, typename Assign>
Status Take(Result<T> r, Assign assign) {
  if (!r.ok()) return r.error();
  assign(std::move(*r));
  return Ok{};
}

Status RunOrganizations(ResourceSource* source, ResourceValues* values) {
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

const std::array<CollectorSpec, 6> kCollectors = {{
    {"license",
     [](ResourceSource* s, ResourceValues* v) {
       return Take(s->GetLicense(),
                   [v](License l) { v->resources.license = std::move(l); });
     },
     [](ResourceValues* v) { v->resources.license.reset(); }},
    {"repositories",
     [](ResourceSource* s, ResourceValues* v) {
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
     [](ResourceSource* s, ResourceValues* v) {
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
     [](ResourceSource* s, ResourceValues* v) {
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
    {"health",
     [](ResourceSource* s, ResourceValues* v) {
       return Take(s->GetHealth(),
                   [v](Health h) { v->resources.health = std::move(h); });
     },
     [](ResourceValues* v) { v->resources.health.reset(); }},
}};

constexpr size_t kLicensedUsers = 4;

}  // namespace

const std::array<const char*, 6>& ResourceCollectors::Names() {
  static const std::array<const char*, 6> names = [] {
    std::array<const char*, 6> n{};
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
    Status status = spec.run(source, &values_);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (!status.ok() && status.error().code() == ErrorCode::kNotFound) {
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
