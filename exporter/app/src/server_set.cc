#include "app/server_set.h"

#include <algorithm>
#include <utility>

#include "api/client.h"
#include "api/curl_transport.h"
#include "app/api_observer.h"
#include "app/collection_adapters.h"
#include "app/server_gate.h"
#include "collection/job_source.h"
#include "collection/refresher.h"
#include "common/log.h"
#include "metrics/exposition.h"

namespace vb365 {

// Everything that runs for one configured server.
struct ServerSet::Runtime {
  ServerConfig config;
  std::chrono::milliseconds interval{0};
  std::shared_ptr<ServerGate> gate = std::make_shared<ServerGate>();
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<MetricsApiObserver> api_observer;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClientJobSource> source;
  std::unique_ptr<CollectorSink> sink;
  std::unique_ptr<MetricsRefreshObserver> refresh_observer;
  std::unique_ptr<Refresher> refresher;
};

namespace {

// How long a reload waits for a stopped refresher (one in a request may
// take its timeout; it is then left to finish, gated off).
constexpr std::chrono::seconds kReloadStopWait{2};

std::string MillisText(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

// The stagger window grows by this per served server after the first (one
// server starts at once; 300 spread over 29.9 s), up to refresh_stagger.
constexpr std::chrono::milliseconds kStaggerPerServer{100};

ServerSet::ServerSet(ServerShard shard, SelfMetrics* self,
                     SnapshotCollector* collector, StateStore* state,
                     RefreshPoolOptions pool)
    : shard_(shard),
      self_(self),
      collector_(collector),
      state_(state),
      pool_(pool) {}

ServerSet::~ServerSet() { Stop(std::chrono::seconds(5)); }

std::unique_ptr<ServerSet::Runtime> ServerSet::Build(
    const ServerConfig& server, std::chrono::milliseconds interval) {
  ServerSelfMetrics* metrics = &self_->ForServer(server.name);
  auto rt = std::make_unique<Runtime>();
  rt->config = server;
  rt->interval = interval;
  rt->transport =
      std::make_unique<CurlTransport>(CurlTransportOptions::FromServer(server));
  rt->api_observer = std::make_unique<MetricsApiObserver>(metrics, rt->gate);
  rt->client = std::make_unique<Client>(server, rt->transport.get(),
                                        rt->api_observer.get());
  rt->source = std::make_unique<ClientJobSource>(rt->client.get());
  rt->sink = std::make_unique<CollectorSink>(collector_, rt->gate);
  rt->refresh_observer =
      std::make_unique<MetricsRefreshObserver>(metrics, rt->gate);
  RefresherOptions options;
  options.interval = interval;
  options.state = state_;
  options.pool = &pool_;
  // Between refreshes the server holds no connection (TLS sessions stay).
  CurlTransport* transport = rt->transport.get();
  options.after_refresh = [transport] { transport->CloseIdle(); };
  rt->refresher =
      std::make_unique<Refresher>(server, options, rt->source.get(),
                                  rt->sink.get(), rt->refresh_observer.get());
  Log(LogLevel::kInfo, "server configured",
      {{"server", server.name},
       {"url", server.url},
       {"api_version", ApiVersionName(server.api_version)},
       {"refresh_interval", MillisText(interval)}});
  return rt;
}

void ServerSet::Retire(std::unique_ptr<Runtime> rt) {
  rt->gate->Close();
  if (!rt->refresher->Stop(kReloadStopWait)) {
    Log(LogLevel::kWarn, "a refresh of a reloaded server is still running",
        {{"server", rt->config.name}});
    retired_.push_back(std::move(rt));
  }
}

ServerSetChanges ServerSet::Apply(const Config& config) {
  ServerSetChanges changes;
  stagger_ = config.refresh_stagger;
  SetMaxLargeResponses(config.max_large_responses);
  if (config.max_concurrent_requests != pool_.workers()) {
    Log(LogLevel::kWarn,
        "max_concurrent_requests (top level) changes at the next restart",
        {{"running", std::to_string(pool_.workers())},
         {"configured", std::to_string(config.max_concurrent_requests)}});
  }
  std::map<std::string, std::unique_ptr<Runtime>> next;
  std::set<std::string> other_shard;
  for (const ServerConfig& server : config.servers) {
    if (!InShard(server.name, shard_)) {
      other_shard.insert(server.name);
      changes.other_shard.push_back(server.name);
      continue;
    }
    const std::chrono::milliseconds interval =
        server.refresh_interval.count() > 0 ? server.refresh_interval
                                            : config.refresh_interval;
    auto it = running_.find(server.name);
    if (it != running_.end() && it->second->interval == interval &&
        SameServerConfig(it->second->config, server)) {
      next[server.name] = std::move(it->second);
      running_.erase(it);
      changes.unchanged.push_back(server.name);
      continue;
    }
    if (it != running_.end()) {
      Retire(std::move(it->second));
      running_.erase(it);
      changes.changed.push_back(server.name);
    } else {
      changes.added.push_back(server.name);
    }
    next[server.name] = Build(server, interval);
    if (started_) next[server.name]->refresher->Start();
  }
  // What is left was removed from the config (or moved to another shard).
  for (auto& [name, rt] : running_) {
    Retire(std::move(rt));
    collector_->Remove(name);
    self_->RemoveServer(name);
    changes.removed.push_back(name);
  }
  running_ = std::move(next);
  std::lock_guard<std::mutex> lock(names_mu_);
  served_.clear();
  for (const auto& [name, rt] : running_) served_.insert(name);
  other_shard_ = std::move(other_shard);
  return changes;
}

std::map<std::string, std::chrono::milliseconds> ServerSet::StartDelays()
    const {
  std::map<std::string, std::chrono::milliseconds> delays;
  // A single server starts at once (as it always did).
  const auto others = static_cast<int64_t>(running_.size()) - 1;
  for (const auto& [name, rt] : running_) {
    const std::chrono::milliseconds window =
        std::min({stagger_, rt->interval,
                  kStaggerPerServer * std::max<int64_t>(0, others)});
    delays[name] = StaggerDelay(name, window);
  }
  return delays;
}

void ServerSet::Start() {
  started_ = true;
  const auto delays = StartDelays();
  for (auto& [name, rt] : running_) {
    const std::chrono::milliseconds delay = delays.at(name);
    Log(LogLevel::kDebug, "first refresh scheduled",
        {{"server", name}, {"delay", MillisText(delay)}});
    rt->refresher->Start(delay);
  }
}

void ServerSet::Abort() {
  for (auto& [name, rt] : running_) rt->transport->Abort();
  for (auto& rt : retired_) rt->transport->Abort();
}

bool ServerSet::Stop(std::chrono::milliseconds timeout) {
  bool clean = true;
  for (auto& [name, rt] : running_) {
    clean = rt->refresher->Stop(timeout) && clean;
  }
  for (auto& rt : retired_) clean = rt->refresher->Stop(timeout) && clean;
  return clean;
}

ServerSet::Lookup ServerSet::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(names_mu_);
  if (served_.count(name) != 0) return Lookup::kServed;
  if (other_shard_.count(name) != 0) return Lookup::kOtherShard;
  return Lookup::kUnknown;
}

HttpServerOptions::ProbeAnswer ProbeTarget(const std::string& target,
                                           const ServerSet& servers,
                                           const SelfMetrics& self,
                                           const SnapshotCollector& collector) {
  std::string shown;  // the name as echoed: printable ASCII, 64 at most
  for (char c : target.substr(0, 64)) shown += c >= ' ' && c < 0x7f ? c : '?';
  const std::string unknown = "unknown target \"" + shown +
                              "\": no server of that name in the config "
                              "file\n";
  switch (servers.Find(target)) {
    case ServerSet::Lookup::kUnknown:
      return {400, unknown};
    case ServerSet::Lookup::kOtherShard:
      return {400, "target \"" + shown +
                       "\" is served by another replica (this one is "
                       "--servers.shard=" +
                       servers.shard().text() + ")\n"};
    case ServerSet::Lookup::kServed:
      break;
  }
  std::string body =
      CollectablesTextWithLabel({self.registry().get()}, "server", target);
  // Removed by a reload since Find: unknown now.
  if (!collector.AppendServerText(target, &body)) return {400, unknown};
  return {200, std::move(body)};
}

}  // namespace vb365
