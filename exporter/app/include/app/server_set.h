// The servers the exporter watches: one client and one Refresher per
// configured server of this replica's shard, brought to a new config by a
// reload without touching the servers that did not change. Every refresher
// runs on one RefreshPool of the set (the config's top-level
// max_concurrent_requests workers, fixed at construction).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "app/http_server.h"
#include "collection/refresh_pool.h"
#include "collection/state_store.h"
#include "config/config.h"
#include "config/shard.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {

// What Apply did, by server name.
struct ServerSetChanges {
  std::vector<std::string> added, changed, removed, unchanged;
  // Configured, but on another replica's shard (neither refreshed nor shown).
  std::vector<std::string> other_shard;
};

// Apply, Start and Stop are called from one thread at a time (the caller
// serializes reloads); Serves and Shard from any thread.
class ServerSet {
 public:
  // self, collector and state (null: no state file) outlive the set.
  ServerSet(ServerShard shard, SelfMetrics* self, SnapshotCollector* collector,
            StateStore* state = nullptr, RefreshPoolOptions pool = {});
  ~ServerSet();
  ServerSet(const ServerSet&) = delete;
  ServerSet& operator=(const ServerSet&) = delete;

  // Brings the running servers to config.servers (those on this shard):
  //  - a server whose config is the same (SameServerConfig, and the same
  //    effective refresh interval) keeps running: its token, job state and
  //    counters stay;
  //  - a changed one is stopped and started afresh (new client, token and
  //    job state; its self counters continue);
  //  - a removed one is stopped and its series leave /metrics before Apply
  //    returns;
  //  - an added one starts at once (when Start has been called).
  ServerSetChanges Apply(const Config& config);
  // Starts the refreshers (the first Apply builds them without starting, so
  // the HTTP server can bind first), each first refresh staggered (see
  // Config::refresh_stagger); later Applies start new ones at once.
  void Start();
  // The first refresh's delay of each served server that Start uses.
  std::map<std::string, std::chrono::milliseconds> StartDelays() const;
  const RefreshPool& pool() const { return pool_; }
  // Aborts every transfer in flight and refuses new ones (shutdown: a
  // refresh stuck on a slow server ends within about a second).
  void Abort();
  // Stops every refresher; false when one was still inside a request after
  // `timeout`.
  bool Stop(std::chrono::milliseconds timeout);

  enum class Lookup { kServed, kOtherShard, kUnknown };
  // Whether `name` is a server this replica serves, one of the config on
  // another shard, or not configured at all.
  Lookup Find(const std::string& name) const;
  const ServerShard& shard() const { return shard_; }

 private:
  struct Runtime;
  std::unique_ptr<Runtime> Build(const ServerConfig& server,
                                 std::chrono::milliseconds interval);
  // Closes its gate, stops it (or keeps it in retired_ when it does not
  // stop in time).
  void Retire(std::unique_ptr<Runtime> rt);

  const ServerShard shard_;
  SelfMetrics* self_;
  SnapshotCollector* collector_;
  StateStore* state_;
  // Declared before the runtimes: destroyed after every refresher.
  RefreshPool pool_;
  std::chrono::milliseconds stagger_{0};  // the last applied config's
  bool started_ = false;
  std::map<std::string, std::unique_ptr<Runtime>> running_;
  // Refreshers that did not stop within the reload's wait: destroyed (and
  // so joined) by Stop; their gates are closed.
  std::vector<std::unique_ptr<Runtime>> retired_;

  mutable std::mutex names_mu_;  // guards the two sets below
  std::set<std::string> served_, other_shard_;
};

// GET /probe?target=NAME: the target's series only, its self metrics (the
// series with server="NAME") and then its snapshot's, the way
// blackbox_exporter's probe output holds the probe's series only: no
// process_*, no build info, no reload gauges (those are on /metrics). An
// unknown NAME, or one on another replica's shard: 400 with the reason.
HttpServerOptions::ProbeAnswer ProbeTarget(const std::string& target,
                                           const ServerSet& servers,
                                           const SelfMetrics& self,
                                           const SnapshotCollector& collector);

}  // namespace vb365
