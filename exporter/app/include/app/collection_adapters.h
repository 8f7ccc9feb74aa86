// Connects a Refresher (collection) to the metrics module: its snapshots go
// to the collector, its failures to one server's self metrics.
#pragma once

#include <memory>
#include <utility>

#include "app/server_gate.h"
#include "collection/refresher.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {

// Thread-safe (SnapshotCollector is). With a gate, nothing is published
// once it is closed (the server was removed or restarted by a reload).
class CollectorSink : public SnapshotSink {
 public:
  explicit CollectorSink(SnapshotCollector* collector,
                         std::shared_ptr<ServerGate> gate = nullptr)
      : collector_(collector), gate_(std::move(gate)) {}
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot) override {
    if (!gate_) {
      collector_->Publish(std::move(snapshot));
      return;
    }
    gate_->IfOpen([&] { collector_->Publish(std::move(snapshot)); });
  }

 private:
  SnapshotCollector* collector_;
  std::shared_ptr<ServerGate> gate_;
};

// Thread-safe (ServerSelfMetrics is). Gated like CollectorSink.
class MetricsRefreshObserver : public RefreshObserver {
 public:
  explicit MetricsRefreshObserver(ServerSelfMetrics* metrics,
                                  std::shared_ptr<ServerGate> gate = nullptr)
      : m_(metrics), gate_(std::move(gate)) {}
  void OnRefreshFailure() override {
    if (!gate_) {
      m_->OnRefreshFailure();
      return;
    }
    gate_->IfOpen([this] { m_->OnRefreshFailure(); });
  }

 private:
  ServerSelfMetrics* m_;
  std::shared_ptr<ServerGate> gate_;
};

}  // namespace vb365
