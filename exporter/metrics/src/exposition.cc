#include "metrics/exposition.h"

#include <prometheus/text_serializer.h>

#include <stdexcept>

#include "string_stream.h"

namespace vb365 {
namespace {

std::string CollectablesText(
    const std::vector<const prometheus::Collectable*>& collectables) {
  std::string out;
  StringStream stream(&out);
  for (const prometheus::Collectable* c : collectables) {
    if (c == nullptr) continue;
    prometheus::TextSerializer().Serialize(stream, c->Collect());
  }
  stream.flush();
  return out;
}

}  // namespace

std::string SerializeText(const Exposition& exposition) {
  std::string out = CollectablesText(exposition.collectables);
  if (exposition.cached != nullptr) exposition.cached->AppendFreshText(&out);
  return out;
}

std::string ExpositionText(const Exposition& exposition) {
  std::string out = CollectablesText(exposition.collectables);
  if (exposition.cached != nullptr) {
    const std::shared_ptr<const DeflatedPage> page =
        exposition.cached->CachedPage();
    // Our own stream, inflated into its known size: failing is a bug (or
    // out of memory), never input.
    if (!InflatePage(*page, &out)) {
      throw std::runtime_error("cached metrics page does not inflate");
    }
  }
  return out;
}

std::string CollectablesTextWithLabel(
    const std::vector<const prometheus::Collectable*>& collectables,
    const std::string& label, const std::string& value) {
  std::vector<prometheus::MetricFamily> kept;
  for (const prometheus::Collectable* c : collectables) {
    if (c == nullptr) continue;
    for (prometheus::MetricFamily& family : c->Collect()) {
      std::vector<prometheus::ClientMetric> metrics;
      for (prometheus::ClientMetric& m : family.metric) {
        for (const prometheus::ClientMetric::Label& l : m.label) {
          if (l.name == label && l.value == value) {
            metrics.push_back(std::move(m));
            break;
          }
        }
      }
      if (metrics.empty()) continue;
      family.metric = std::move(metrics);
      kept.push_back(std::move(family));
    }
  }
  std::string out;
  StringStream stream(&out);
  prometheus::TextSerializer().Serialize(stream, kept);
  stream.flush();
  return out;
}

std::optional<std::string> ExpositionGzip(const Exposition& exposition) {
  const std::string head = CollectablesText(exposition.collectables);
  if (exposition.cached == nullptr) return GzipMember(head, nullptr);
  const std::shared_ptr<const DeflatedPage> page =
      exposition.cached->CachedPage();
  return GzipMember(head, page.get());
}

}  // namespace vb365
