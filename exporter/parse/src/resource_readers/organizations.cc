// GET /Organizations, and their sync state: v8 /Organizations/SyncState
// (an array for all), v7 /Organizations/{id}/SyncState (one object).
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::AsObject;
using resource_detail::Fields;
using resource_detail::Malformed;

namespace {

// v8: lastSyncState / currentSyncState objects.
OrganizationSync SyncFromV8(const Fields& f) {
  OrganizationSync s;
  s.organization_id = f.Text("organizationId");
  if (std::optional<Fields> last = f.Object("lastSyncState")) {
    s.has_last = true;
    s.last_result = ParseSyncResult(last->Str("result").value_or(""));
    s.last_end = last->Time("endTime");
  }
  s.running = false;
  if (std::optional<Fields> current = f.Object("currentSyncState")) {
    const std::string_view status = current->Str("status").value_or("");
    s.running = status == "Queued" || status == "Running";
  }
  return s;
}

// v7: {type, status None/Success/Error, lastSyncTime, error}; either shape
// is accepted on either version (the v8 one has lastSyncState or
// currentSyncState).
OrganizationSync SyncFrom(const Fields& f) {
  if (f.Raw("lastSyncState") || f.Raw("currentSyncState") || !f.Raw("status")) {
    return SyncFromV8(f);
  }
  OrganizationSync s;
  s.organization_id = f.Text("organizationId");
  const std::string_view status = f.Str("status").value_or("");
  s.has_last = status != "None";
  s.last_result = ParseSyncResult(status);
  s.last_end = f.Time("lastSyncTime");
  return s;
}

}  // namespace

Result<PageInfo> ReadOrganizations(std::string_view json,
                                   std::vector<Organization>* out) {
  return resource_detail::AppendElements(
      json, "organizations", out, [](const Fields& f) {
        Organization o;
        o.id = f.Text("id");
        o.name = f.Text("officeName");
        if (o.name.empty()) o.name = f.Text("name");
        o.type = f.Text("type");
        o.region = f.Text("region");
        o.backed_up = f.Bool("isBackedup");
        o.first_backup = f.Time("firstBackuptime");
        o.last_backup = f.Time("lastBackuptime");
        return o;
      });
}

Result<std::vector<OrganizationSync>> ReadSyncStates(std::string_view json) {
  std::vector<OrganizationSync> states;
  Result<PageInfo> info = resource_detail::ForEachElement(
      json, "organization sync states", [&states](const Fields& f) {
        states.push_back(SyncFrom(f));
        return true;
      });
  if (!info.ok()) return info.error();
  return states;
}

Result<OrganizationSync> ReadSyncState(std::string_view json) {
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root =
      resource_detail::ParseDocument(&parser, json, "organization sync state");
  if (!root.ok()) return root.error();
  std::string error;
  Result<Fields> f = AsObject(*root, "", &error);
  if (!f.ok()) return Malformed("organization sync state", f.error().message());
  OrganizationSync s = SyncFrom(*f);
  if (!f->ok()) return Malformed("organization sync state", error);
  return s;
}

}  // namespace vb365
