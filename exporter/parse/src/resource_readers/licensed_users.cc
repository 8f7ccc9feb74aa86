// GET /LicensedUsers: can hold 100,000+ users, so each page is counted per
// organization and state as it is read; no user is kept.
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::Fields;

Result<PageInfo> ReadLicensedUsers(std::string_view json,
                                   std::map<std::string, UserCounts>* counts) {
  std::map<std::string, UserCounts> page;
  Result<PageInfo> info = resource_detail::ForEachElement(
      json, "licensed users", [&page](const Fields& f) {
        UserCounts& c = page[f.Text("organizationId")];
        const LicenseState state =
            ParseLicenseState(f.Str("licenseState").value_or(""));
        ++c.by_state[static_cast<size_t>(state)];
        if (!f.Bool("isBackedUp").value_or(true)) ++c.not_backed_up;
        return true;
      });
  if (!info.ok()) return info;
  for (const auto& [org, c] : page) {
    UserCounts& total = (*counts)[org];
    for (size_t i = 0; i < c.by_state.size(); ++i) {
      total.by_state[i] += c.by_state[i];
    }
    total.not_backed_up += c.not_backed_up;
  }
  return info;
}

}  // namespace vb365
