// The large-response slots' figures (max_large_responses,
// SetMaxLargeResponses) as self metrics, read at scrape time: how
// many large responses were received, how many of them waited for a slot
// and for how long. A wait count that climbs with every refresh says the
// limit, not the servers, sets the pace of whole-history reads.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <vector>

#include "api/client.h"

namespace vb365 {

// The families for `stats` (split out for tests).
std::vector<prometheus::MetricFamily> LargeResponseFamilies(
    const LargeBodyStats& stats);

class LargeResponseCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    return LargeResponseFamilies(LargeResponseStats());
  }
};

}  // namespace vb365
