#include "large_response_metrics.h"

#include <utility>

namespace vb365 {

namespace {

prometheus::MetricFamily One(const char* name, const char* help,
                             prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

std::vector<prometheus::MetricFamily> LargeResponseFamilies(
    const LargeBodyStats& stats) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  out.push_back(One("vb365_large_response_slots",
                    "Responses over 256 kB the exporter holds in memory at "
                    "once (max_large_responses; 0: no limit)",
                    MetricType::Gauge, stats.limit));
  out.push_back(One("vb365_large_response_slots_in_use",
                    "Large responses being received or parsed now",
                    MetricType::Gauge, stats.in_use));
  out.push_back(One("vb365_large_responses_total",
                    "Responses over 256 kB received under the limit",
                    MetricType::Counter, static_cast<double>(stats.acquired)));
  out.push_back(One("vb365_large_response_waits_total",
                    "Large responses that waited for a free slot",
                    MetricType::Counter, static_cast<double>(stats.waits)));
  out.push_back(One("vb365_large_response_wait_seconds_total",
                    "Time large responses spent waiting for a free slot",
                    MetricType::Counter, stats.wait_seconds));
  return out;
}

}  // namespace vb365
