// The page of metrics.md from the family tables (families.cc), as
// prometheus-cpp MetricFamily objects or as their text exposition.
#include <prometheus/text_serializer.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "family_table.h"
#include "metrics/snapshot_collector.h"
#include "string_stream.h"

namespace vb365 {

Fam::Fam(const char* name, const char* help, prometheus::MetricType type)
    : one_(1) {
  prometheus::MetricFamily& f = one_.front();
  f.name = name;
  f.help = std::string(help) + " (from the last background refresh)";
  f.type = type;
}

void Fam::Add(Labels&& labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (one_.front().type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  one_.front().metric.push_back(std::move(m));
}

void Fam::Add(const Labels& labels, const char* name, std::string_view value,
              double v) {
  Labels l = labels;
  l.push_back({name, std::string(value)});
  Add(std::move(l), v);
}

namespace {

// Items rendered into one MetricFamily before it is serialized and freed:
// the intermediate ClientMetrics stay small (about 0.5 MB) at any page size.
constexpr size_t kItemsPerChunk = 128;

using Sink = std::function<void(std::string_view)>;

// Serializes fam's metrics (the # HELP / # TYPE lines only for its first
// chunk) into *chunk, hands that to `sink` and clears both.
void Flush(Fam* fam, std::string* chunk, const Sink& sink) {
  if (fam->empty()) return;
  chunk->clear();
  StringStream stream(chunk);
  prometheus::TextSerializer().Serialize(stream, fam->as_vector());
  stream.flush();
  size_t start = 0;
  if (!fam->first_chunk()) {
    // A later chunk of the same family: drop its two header lines so the
    // family appears once.
    for (int line = 0; line < 2 && start < chunk->size(); ++line) {
      if ((*chunk)[start] != '#') break;
      start = chunk->find('\n', start);
      start = start == std::string::npos ? chunk->size() : start + 1;
    }
  }
  sink(std::string_view(*chunk).substr(start));
  fam->set_first_chunk(false);
  fam->ClearMetrics();
}

}  // namespace

std::vector<prometheus::MetricFamily> RenderSnapshots(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots) {
  std::vector<prometheus::MetricFamily> out;
  // One chunk per family: called once, at its end.
  RenderAllResources(snapshots, std::numeric_limits<size_t>::max(),
                     [&out](Fam* fam) {
                       if (!fam->empty()) out.push_back(fam->Take());
                     });
  return out;
}

void RenderSnapshotsText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    const std::function<void(std::string_view)>& sink) {
  std::string chunk;
  RenderAllResources(snapshots, kItemsPerChunk,
                     [&chunk, &sink](Fam* fam) { Flush(fam, &chunk, sink); });
}

void AppendSnapshotsText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    std::string* out) {
  RenderSnapshotsText(snapshots,
                      [out](std::string_view piece) { out->append(piece); });
}

}  // namespace vb365
