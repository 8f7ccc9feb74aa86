// What the integration tests against the simulator share: a sink keeping
// the last snapshot, the server config for a simulator, a job of a
// snapshot by id, and the names of bounded-read test parameters.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "collection/refresher.h"
#include "config/config.h"
#include "harness.h"

namespace vb365::sim_refresher {

class LastSink : public SnapshotSink {
 public:
  void Publish(std::shared_ptr<const ServerSnapshot> snapshot) override {
    last = std::move(snapshot);
  }
  std::shared_ptr<const ServerSnapshot> last;
};

// The server config for the simulator, jobs and copy jobs only.
inline ServerConfig JobsConfig(const sim::SimulatorProcess& sim,
                               std::chrono::seconds timeout) {
  ServerConfig c;
  c.name = "sim";
  c.url = sim.base_url();
  c.username = sim.username();
  c.password = Secret(sim.password());
  c.tls.ca_file = sim.ca_file();
  c.timeout = timeout;
  c.collectors = {"jobs", "copy_jobs"};
  return c;
}

// Test names for (version, running sessions in bounded reads) parameters.
template <typename Info>
std::string BoundedReadsName(const Info& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param)
                                        ? "_BoundedReadsIncludeRunning"
                                        : "_BoundedReadsLeaveRunningOut");
}

inline const JobSummary* FindJob(const ServerSnapshot& snap,
                                 const std::string& id) {
  for (const JobSummary& s : snap.jobs) {
    if (s.job.id == id) return &s;
  }
  return nullptr;
}

}  // namespace vb365::sim_refresher
