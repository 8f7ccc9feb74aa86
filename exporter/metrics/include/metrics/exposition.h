// The page a scrape serves: collectables serialized per scrape (the self
// metrics), then a page rendered before the scrape and kept as a deflate
// stream (the SnapshotCollector's), as text or as one gzip member.
#pragma once

#include <prometheus/collectable.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "metrics/gzip.h"

namespace vb365 {

// A page rendered ahead of the scrapes and kept compressed.
class CachedPageSource {
 public:
  virtual ~CachedPageSource() = default;
  // The page as last rendered; never null (an empty page before the first
  // render).
  virtual std::shared_ptr<const DeflatedPage> CachedPage() const = 0;
  // The same page rendered afresh from the current state, appended to *out
  // (SerializeText: tests and benchmarks).
  virtual void AppendFreshText(std::string* out) const = 0;
};

// What one scrape serves, in this order: the collectables' text, then the
// cached page (when set).
struct Exposition {
  Exposition() = default;
  explicit Exposition(std::vector<const prometheus::Collectable*> collectables,
                      const CachedPageSource* cached = nullptr)
      : collectables(std::move(collectables)), cached(cached) {}

  std::vector<const prometheus::Collectable*> collectables;  // not null
  const CachedPageSource* cached = nullptr;
};

// Text exposition format (0.0.4) of everything, rendered afresh: the
// collectables Collect()ed and serialized, the page source's AppendFreshText.
std::string SerializeText(const Exposition& exposition);

// The same page for a scrape: the collectables serialized, then the cached
// page inflated.
std::string ExpositionText(const Exposition& exposition);

// The text of the collectables' series that have the label `label` with the
// value `value` (a /probe scrape takes the self metrics of one server this
// way); families left without a series are left out.
std::string CollectablesTextWithLabel(
    const std::vector<const prometheus::Collectable*>& collectables,
    const std::string& label, const std::string& value);

// ExpositionText as one gzip member (RFC 1952), without compressing the
// cached page again: the collectables' text is deflated and sync-flushed,
// the cached stream appended as it is (GzipMember). nullopt when
// compression failed (the caller serves the text instead).
std::optional<std::string> ExpositionGzip(const Exposition& exposition);

}  // namespace vb365
