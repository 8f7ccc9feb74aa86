// GET /Proxies: v8 adds maintenanceModeState, cpu/memory usage (nullable
// doubles, percent), version and proxyPoolId.
#include "parse/resources.h"
#include "resource_dom_fields.h"

namespace vb365 {

using resource_detail::Fields;

Result<PageInfo> ReadProxies(std::string_view json, std::vector<Proxy>* out) {
  return resource_detail::AppendElements(
      json, "proxies", out, [](const Fields& f) {
        Proxy p;
        p.id = f.Text("id");
        p.host = f.Text("hostName");
        p.version = f.Text("version");
        p.pool_id = f.Text("proxyPoolId");
        p.status = ParseProxyStatus(f.Str("status").value_or(""));
        if (f.Raw("maintenanceModeState")) {
          p.maintenance =
              ParseMaintenanceState(f.Str("maintenanceModeState").value_or(""));
        }
        p.cpu_usage_percent = f.Num("cpuUsagePercent");
        p.memory_usage_percent = f.Num("memoryUsagePercent");
        return p;
      });
}

}  // namespace vb365
