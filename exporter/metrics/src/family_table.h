// Metric families described by tables (docs/metrics.md, "How the page is
// rendered"): one FamilySpec per family of a resource (the server, its
// jobs, ...), and one loop that renders every table. Adding a metric is
// adding an entry; adding a resource is a table plus a Resource.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/job_state.h"

namespace vb365 {

using Labels = std::vector<prometheus::ClientMetric::Label>;

// One metric family of resource T (a ServerSnapshot, a JobSummary, ...).
// An item of T gets no series when `present` says no, else:
// - one series, the item's labels, value(item);
// - with `item_labels`: one series with those labels added, their values
//   item_label(item, k) (info families), value(item);
// - with `set_label`: one series per entry i of set_values, that label
//   added with set_values[i], value_at(item, i) (state sets: exactly one is
//   1; per-status families).
// The HELP text gets " (from the last background refresh)" appended.
template <typename T>
struct FamilySpec {
  using Present = bool (*)(const T&);
  using Value = double (*)(const T&);
  using ValueAt = double (*)(const T&, size_t i);
  using ItemLabel = std::string_view (*)(const T&, size_t k);

  const char* name = nullptr;
  prometheus::MetricType type = prometheus::MetricType::Gauge;
  const char* help = nullptr;
  Present present = nullptr;  // nullptr: every item has the series
  Value value = nullptr;
  std::vector<const char*> item_labels;
  ItemLabel item_label = nullptr;
  const char* set_label = nullptr;
  std::vector<std::string> set_values;
  ValueAt value_at = nullptr;

  // The builders the tables use (C++17 has no designated initializers).
  static FamilySpec Gauge(const char* name, const char* help, Value value,
                          Present present = nullptr) {
    FamilySpec f;
    f.name = name;
    f.help = help;
    f.value = value;
    f.present = present;
    return f;
  }
  static FamilySpec Counter(const char* name, const char* help, Value value,
                            Present present = nullptr) {
    FamilySpec f = Gauge(name, help, value, present);
    f.type = prometheus::MetricType::Counter;
    return f;
  }
  static FamilySpec Info(const char* name, const char* help,
                         std::vector<const char*> labels, ItemLabel label,
                         Present present = nullptr) {
    FamilySpec f = Gauge(
        name, help, [](const T&) { return 1.0; }, present);
    f.item_labels = std::move(labels);
    f.item_label = label;
    return f;
  }
  static FamilySpec Set(prometheus::MetricType type, const char* name,
                        const char* help, const char* label,
                        std::vector<std::string> values, ValueAt value_at,
                        Present present = nullptr) {
    FamilySpec f = Gauge(name, help, nullptr, present);
    f.type = type;
    f.set_label = label;
    f.set_values = std::move(values);
    f.value_at = value_at;
    return f;
  }
};

// One item of a resource in a snapshot and its labels (server first).
template <typename T>
struct Item {
  const T* item;
  Labels labels;
};

// A resource: its families in output order, and its items in a snapshot.
template <typename T>
struct Resource {
  const std::vector<FamilySpec<T>>* families;
  void (*items)(const ServerSnapshot& snapshot, std::vector<Item<T>>* out);
};

// One family under construction: prometheus-cpp's MetricFamily, as the
// one-element vector TextSerializer takes (no copy).
class Fam {
 public:
  Fam(const char* name, const char* help, prometheus::MetricType type);
  Fam(const Fam&) = delete;
  Fam& operator=(const Fam&) = delete;

  void Add(Labels&& labels, double value);
  // Labels plus one more.
  void Add(const Labels& labels, const char* name, std::string_view value,
           double v);

  const std::vector<prometheus::MetricFamily>& as_vector() const {
    return one_;
  }
  prometheus::MetricFamily Take() { return std::move(one_.front()); }
  bool empty() const { return one_.front().metric.empty(); }
  void ClearMetrics() { one_.front().metric.clear(); }
  // False once a part of this family has been serialized (the # HELP and
  // # TYPE lines are written once per family).
  bool first_chunk() const { return first_chunk_; }
  void set_first_chunk(bool first) { first_chunk_ = first; }

 private:
  std::vector<prometheus::MetricFamily> one_;
  bool first_chunk_ = true;
};

// Adds the series of `spec` for one item to *fam.
template <typename T>
void AddSeries(const FamilySpec<T>& spec, const Item<T>& it, Fam* fam) {
  const T& item = *it.item;
  if (spec.present != nullptr && !spec.present(item)) return;
  if (spec.set_label != nullptr) {
    for (size_t i = 0; i < spec.set_values.size(); ++i) {
      fam->Add(it.labels, spec.set_label, spec.set_values[i],
               spec.value_at(item, i));
    }
    return;
  }
  Labels labels = it.labels;
  for (size_t k = 0; k < spec.item_labels.size(); ++k) {
    labels.push_back(
        {spec.item_labels[k], std::string(spec.item_label(item, k))});
  }
  fam->Add(std::move(labels), spec.value(item));
}

// Receives a family: every `chunk` items and at its end (it serializes and
// clears, or takes, the metrics so far).
using FamilyOut = std::function<void(Fam*)>;

// Renders every family of `resource` over the items of all `snapshots`
// (a family appears once, with every server's series in it).
template <typename T>
void RenderResource(
    const Resource<T>& resource,
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    size_t chunk, const FamilyOut& out) {
  // The items and their labels, built once for all the families.
  std::vector<Item<T>> items;
  for (const auto& snap : snapshots) {
    if (snap) resource.items(*snap, &items);
  }
  for (const FamilySpec<T>& spec : *resource.families) {
    Fam fam(spec.name, spec.help, spec.type);
    for (size_t i = 0; i < items.size(); ++i) {
      AddSeries(spec, items[i], &fam);
      if ((i + 1) % chunk == 0) out(&fam);
    }
    out(&fam);
  }
}

// Every resource's families, in page order (families.cc).
void RenderAllResources(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    size_t chunk, const FamilyOut& out);

// The text exposition of every resource's families (render.cc), handed to
// `sink` a chunk of items at a time: what Publish deflates as it goes.
void RenderSnapshotsText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    const std::function<void(std::string_view)>& sink);

}  // namespace vb365
