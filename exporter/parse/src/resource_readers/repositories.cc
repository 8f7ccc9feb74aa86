// GET /BackupRepositories: local repositories carry capacityBytes and
// freeSpaceBytes; object storage is v8's objectStorage object (v6/v7 only
// point to it by objectStorageId).
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::Fields;

namespace {

constexpr int64_t kBytesPerGB = int64_t{1} << 30;

void ReadObjectStorage(const Fields& os, Repository* r) {
  r->object_storage = true;
  r->object_storage_used_bytes = os.Int("usedSpaceBytes");
  const std::optional<int64_t> limit_gb = os.Int("sizeLimitGB");
  if (os.Bool("sizeLimitEnabled").value_or(false) && limit_gb &&
      *limit_gb >= 0 && *limit_gb <= INT64_MAX / kBytesPerGB) {
    r->object_storage_limit_bytes = *limit_gb * kBytesPerGB;
  }
  const std::optional<int64_t> days = os.Int("immutabilityPeriodDays");
  if (os.Bool("enableImmutability").value_or(false) && days) {
    r->immutability_period_days = *days;
  }
}

}  // namespace

Result<PageInfo> ReadRepositories(std::string_view json,
                                  std::vector<Repository>* out) {
  return resource_detail::AppendElements(
      json, "repositories", out, [](const Fields& f) {
        Repository r;
        r.id = f.Text("id");
        r.name = f.Text("name");
        r.proxy_id = f.Text("proxyId");
        r.capacity_bytes = f.Int("capacityBytes");
        r.free_bytes = f.Int("freeSpaceBytes");
        r.out_of_sync = f.Bool("isOutOfSync");
        r.out_of_order = f.Bool("isOutOfOrder");
        r.outdated = f.Bool("isOutdated");
        if (std::optional<Fields> os = f.Object("objectStorage")) {
          ReadObjectStorage(*os, &r);
        } else if (f.Str("objectStorageId")) {
          r.object_storage = true;
        }
        return r;
      });
}

}  // namespace vb365
