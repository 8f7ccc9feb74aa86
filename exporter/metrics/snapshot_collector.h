// Renders the latest ServerSnapshot of every server as metric families.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "model/job_state.h"

namespace vb365 {

// Holds the latest immutable snapshot per server. Publish() swaps a pointer;
// Collect() copies the pointers under the mutex and renders outside it, so a
// scrape never waits for a refresh (nor on the network) and a job missing
// from the newest snapshot has no series. Thread-safe.
class SnapshotCollector : public prometheus::Collectable {
 public:
  // Replaces the snapshot of snapshot->server.
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot);
  // The current snapshot of `server`, or nullptr.
  std::shared_ptr<const ServerSnapshot> Get(const std::string& server) const;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ServerSnapshot>> snapshots_;
};

// The families of metrics.md for these snapshots (in this order of servers):
// per-server gauges, then per-job series. Families without series are left
// out. Pure: for tests and benchmarks.
std::vector<prometheus::MetricFamily> RenderSnapshots(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots);

// Text exposition format (0.0.4) of several collectables, in order.
std::string SerializeText(
    const std::vector<const prometheus::Collectable*>& collectables);

// The state set values of vb365_job_last_session_status and
// vb365_job_sessions_total, in output order.
extern const std::vector<SessionStatus> kFinishedStatusSet;

}  // namespace vb365
