// Connects a Refresher (collection) to the metrics module: its snapshots go
// to the collector, its failures to one server's self metrics.
#pragma once

#include <memory>
#include <utility>

#include "collection/refresher.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {

// Thread-safe (SnapshotCollector is).
class CollectorSink : public SnapshotSink {
 public:
  explicit CollectorSink(SnapshotCollector* collector)
      : collector_(collector) {}
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot) override {
    collector_->Publish(std::move(snapshot));
  }

 private:
  SnapshotCollector* collector_;
};

// Thread-safe (ServerSelfMetrics is).
class MetricsRefreshObserver : public RefreshObserver {
 public:
  explicit MetricsRefreshObserver(ServerSelfMetrics* metrics) : m_(metrics) {}
  void OnRefreshFailure() override { m_->OnRefreshFailure(); }

 private:
  ServerSelfMetrics* m_;
};

}  // namespace vb365
