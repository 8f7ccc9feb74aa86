// GET /RestoreSessions (a page on every version): id, type, state, result,
// creationTime, endTime (null while Working).
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::Fields;

Result<PageInfo> ReadRestoreSessions(std::string_view json,
                                     std::vector<RestoreSession>* out) {
  return resource_detail::AppendElements(
      json, "restore sessions", out, [](const Fields& f) {
        RestoreSession s;
        s.id = ParseId(f.Str("id").value_or(""));
        s.type = ParseRestoreType(f.Str("type").value_or(""));
        s.working = f.Str("state").value_or("") == "Working";
        s.result = ParseRestoreResult(f.Str("result").value_or(""));
        s.creation_time = f.Time("creationTime");
        s.end_time = f.Time("endTime");
        if (s.id.empty()) f.Fail("id", "missing");
        return s;
      });
}

}  // namespace vb365
