// GET /License: one object. v6 names the expiry expirationDate; v7+
// licenseExpires, gracePeriodExpires and package.
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::AsObject;
using resource_detail::Fields;
using resource_detail::Malformed;

Result<License> ReadLicense(std::string_view json) {
  simdjson::dom::parser parser;
  Result<simdjson::dom::element> root =
      resource_detail::ParseDocument(&parser, json, "license");
  if (!root.ok()) return root.error();
  std::string error;
  Result<Fields> f = AsObject(*root, "", &error);
  if (!f.ok()) return Malformed("license", f.error().message());
  License l;
  l.status = ParseLicenseStatus(f->Str("status").value_or(""));
  l.type = f->Text("type");
  l.package = f->Text("package");
  l.licensed_to = f->Text("licensedTo");
  l.expires = f->Time("licenseExpires");
  if (l.expires == kNoTime) l.expires = f->Time("expirationDate");
  l.grace_period_expires = f->Time("gracePeriodExpires");
  l.total_users = f->Int("totalNumber");
  l.used_users = f->Int("usedNumber");
  l.new_users = f->Int("newNumber");
  if (!f->ok()) return Malformed("license", error);
  return l;
}

}  // namespace vb365
