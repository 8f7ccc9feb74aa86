// The family tables of the resources beyond jobs (issue 9,
// resource_families.cc), rendered after the server's and the jobs'
// families. Private to the metrics module.
#pragma once

#include <memory>
#include <vector>

#include "family_table.h"

namespace vb365 {

// License, repositories, proxies, organizations, health, collectors: each
// family once, with every server's series, in table order. A resource a
// snapshot does not hold (never read, or skipped: not on the server's API
// version) adds no series; a family without series is not written.
void RenderResourceFamilies(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    size_t chunk, const FamilyOut& out);

}  // namespace vb365
