#include "app/exporter_main.h"

#include <signal.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/http_server.h"
#include "app/server_set.h"
#include "app/status_page.h"
#include "build_info.h"
#include "collection/refresher.h"
#include "collection/state_store.h"
#include "common/log.h"
#include "config/config.h"
#include "config/flags.h"
#include "config/web_config.h"
#include "large_response_metrics.h"
#include "metrics/process_metrics.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "tls_commands.h"

namespace vb365 {
namespace {

// Set when the program ends before it serves: the process exit code.
using EarlyExit = std::optional<int>;

void TuneMalloc() {
#if defined(__GLIBC__)
  // Response bodies, parse indexes and the metrics text (hundreds of kB to
  // MB, freed after each request or refresh) get their own mappings, given
  // back to the kernel when freed. glibc's default raises this threshold
  // after such frees, and then they come from the arenas, where long-lived
  // small objects (job state) pin the pages: RSS would stay near the peak.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // One malloc arena for every thread: glibc otherwise gives each refresh
  // worker its own arena, and the small objects a worker leaves behind (job
  // state, pooled connections) pin a few hundred kB of pages in each of them
  // even after malloc_trim. Measured with 1,000 jobs (bench/memory_bench):
  // steady RSS 20.2 -> 18.8 MB; refresh wall time unchanged (the workers
  // wait on the network, and tcache serves most small allocations lock-free).
  mallopt(M_ARENA_MAX, 1);
#endif
}

// SIGINT, SIGTERM and SIGHUP are taken by sigwait() in ServeUntilStopped:
// blocked before any thread starts, so every thread inherits the mask.
sigset_t BlockSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// A bad flag, --help and --version end the program here.
EarlyExit ParseCommandLine(int argc, const char* const* argv, Flags* flags) {
  const std::string program = argc > 0 ? argv[0] : "vb365_exporter";
  Result<Flags> parsed = ParseFlags(argc, argv);
  if (!parsed.ok()) {
    std::cerr << program << ": " << parsed.error().message() << "\n"
              << "Try --help.\n";
    return 1;
  }
  *flags = std::move(*parsed);
  if (flags->help) {
    std::cout << HelpText(program);
    return 0;
  }
  if (flags->version) {
    std::cout << "vb365_exporter, version " << ExporterVersion()
              << " (revision: " << ExporterRevision() << ")\n";
    return 0;
  }
  if (!flags->print_certificate.empty()) {
    return PrintCertificate(flags->print_certificate);
  }
  return std::nullopt;
}

void SetUpLogging(const Flags& flags) {
  SetLogLevel(flags.log_level);
  SetLogFormat(flags.log_format);
}

// The config file (job-name regexes included: --config.check catches a bad
// one) and the web config. An invalid one, and --config.check, end the
// program here; --config.check also checks each certificate pin with one
// TLS handshake.
EarlyExit LoadConfigs(const Flags& flags, Config* config, WebConfig* web) {
  Result<Config> loaded = LoadConfigFile(flags.config_file);
  if (!loaded.ok()) {
    Log(LogLevel::kError, "invalid config",
        {{"error", loaded.error().message()}});
    return 1;
  }
  *config = std::move(*loaded);
  for (const std::string& w : config->warnings) {
    Log(LogLevel::kWarn, "config warning", {{"warning", w}});
  }
  if (!flags.web_config_file.empty()) {
    Result<WebConfig> loaded_web = LoadWebConfigFile(flags.web_config_file);
    if (!loaded_web.ok()) {
      Log(LogLevel::kError, "invalid web config",
          {{"error", loaded_web.error().message()}});
      return 1;
    }
    *web = std::move(*loaded_web);
    for (const std::string& w : web->warnings) {
      Log(LogLevel::kWarn, "web config warning", {{"warning", w}});
    }
  }
  if (flags.config_check) {
    if (!CheckCertificatePins(*config)) return 1;
    std::cout << "config OK: " << flags.config_file << " ("
              << config->servers.size() << " servers";
    if (!flags.shard.all()) {
      size_t taken = 0;
      for (const ServerConfig& server : config->servers) {
        taken += InShard(server.name, flags.shard) ? 1 : 0;
      }
      std::cout << ", " << taken << " on shard " << flags.shard.text();
    }
    std::cout << ")\n";
    return 0;
  }
  return std::nullopt;
}

// The state file's store, or null without --storage.state-file. Reading it
// never fails the start (a bad file is logged and ignored).
std::unique_ptr<StateStore> OpenStateStore(const Flags& flags,
                                           const Config& config) {
  if (flags.state_file.empty()) return nullptr;
  StateStoreOptions options;
  options.path = flags.state_file;
  // Test hook only (tests/e2e/state_e2e_test.cc): a pause between the
  // temporary file and the rename, to kill -9 the exporter inside a write.
  if (const char* pause =
          std::getenv("VB365_TEST_STATE_PAUSE_BEFORE_RENAME_MS")) {
    options.pause_before_rename = std::chrono::milliseconds(std::atol(pause));
  }
  return std::make_unique<StateStore>(options, config.servers);
}

double UnixSeconds() {
  return static_cast<double>(SystemNow()) /
         static_cast<double>(kTicksPerSecond);
}

void LogChanges(const char* msg, const ServerSetChanges& c,
                const ServerShard& shard) {
  auto count = [](const std::vector<std::string>& v) {
    return std::to_string(v.size());
  };
  Log(LogLevel::kInfo, msg,
      {{"added", count(c.added)},
       {"changed", count(c.changed)},
       {"removed", count(c.removed)},
       {"unchanged", count(c.unchanged)},
       {"other_shard", count(c.other_shard)},
       {"shard", shard.text()}});
  for (const std::string& name : c.removed) {
    Log(LogLevel::kInfo, "server removed", {{"server", name}});
  }
  for (const std::string& name : c.other_shard) {
    Log(LogLevel::kDebug, "server left to another shard",
        {{"server", name}, {"shard", shard.text()}});
  }
  if (c.added.size() + c.changed.size() + c.unchanged.size() == 0) {
    Log(LogLevel::kWarn, "no configured server falls on this shard",
        {{"shard", shard.text()}});
  }
}

// Reloads the config file into the server set (SIGHUP on the main thread,
// POST /-/reload on the HTTP server's threads: one at a time). A bad file
// keeps the running config.
class Reloader {
 public:
  Reloader(std::string config_file, ServerSet* servers, SelfMetrics* self)
      : config_file_(std::move(config_file)), servers_(servers), self_(self) {}

  Status Reload(const char* trigger) {
    std::lock_guard<std::mutex> lock(mu_);
    Result<Config> loaded = LoadConfigFile(config_file_);
    if (!loaded.ok()) {
      self_->SetConfigReload(false, 0);
      Log(LogLevel::kError, "config reload failed; the running config stays",
          {{"trigger", trigger}, {"error", loaded.error().message()}});
      return loaded.error();
    }
    for (const std::string& w : loaded->warnings) {
      Log(LogLevel::kWarn, "config warning", {{"warning", w}});
    }
    LogChanges("config reloaded", servers_->Apply(*loaded), servers_->shard());
    self_->SetConfigReload(true, UnixSeconds());
    return Ok{};
  }

  // Starts the refreshers under the reload lock: POST /-/reload is served
  // from the moment the HTTP server listens, and a reload's Apply must not
  // run while Start() starts the threads (TSan: Refresher::Stop read the
  // thread that Start was assigning).
  void StartServers() {
    std::lock_guard<std::mutex> lock(mu_);
    servers_->Start();
  }

 private:
  std::mutex mu_;
  const std::string config_file_;
  ServerSet* servers_;
  SelfMetrics* self_;
};

// Null (logged) when the listen address cannot be bound.
std::unique_ptr<HttpServer> StartHttp(const Flags& flags, const WebConfig& web,
                                      SelfMetrics* self,
                                      const ProcessCollector* process,
                                      SnapshotCollector* collector,
                                      const ServerSet* servers,
                                      Reloader* reloader) {
  HttpServerOptions options;
  options.listen_address = flags.listen_address;
  options.enable_lifecycle = flags.enable_lifecycle;
  options.reload = [reloader] { return reloader->Reload("/-/reload"); };
  options.probe = [servers, self, collector](const std::string& target) {
    return ProbeTarget(target, *servers, *self, *collector);
  };
  options.telemetry_path = flags.telemetry_path;
  options.tls_cert_file = web.tls_cert_file;
  options.tls_key_file = web.tls_key_file;
  options.max_connections = flags.max_connections;
  options.max_connections_per_client = flags.max_connections_per_client;
  options.idle_timeout = flags.idle_timeout;
  options.read_header_timeout = flags.read_header_timeout;
  if (web.auth_enabled()) {
    auto auth = std::make_shared<BasicAuthenticator>(web.basic_auth_users);
    options.basic_auth = [auth](const std::string& user,
                                const std::string& password) {
      return auth->Check(user, password);
    };
  }
  StatusPageOptions page_options;
  page_options.telemetry_path = flags.telemetry_path;
  page_options.version =
      std::string(ExporterVersion()) + " (revision " + ExporterRevision() + ")";
  // Rendered per request from the published snapshots (a copy of their
  // pointers under the collector's lock): never waits for a refresh.
  options.status_page = [collector, page_options] {
    return RenderStatusPage(collector->Snapshots(), page_options, SystemNow());
  };
  static const LargeResponseCollector large_responses;
  auto http = std::make_unique<HttpServer>(
      options, Exposition({self->registry().get(), process, &large_responses},
                          collector));
  if (Status s = http->Start(); !s.ok()) {
    Log(LogLevel::kError, "cannot start the HTTP server",
        {{"error", s.error().message()}});
    return nullptr;
  }
  Log(LogLevel::kInfo, "listening",
      {{"address", http->address()},
       {"tls", http->tls() ? "true" : "false"},
       {"basic_auth", web.auth_enabled() ? "true" : "false"},
       {"telemetry_path", flags.telemetry_path},
       {"lifecycle", flags.enable_lifecycle ? "true" : "false"}});
  return http;
}

// Serves until SIGINT or SIGTERM; SIGHUP reloads the config meanwhile.
void ServeUntilStopped(const sigset_t& signals, Reloader* reloader) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      static_cast<void>(reloader->Reload("SIGHUP"));  // logged, gauged
      continue;
    }
    Log(LogLevel::kInfo, "shutting down",
        {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    return;
  }
}

// Stops serving, aborts the transfers in flight, stops the refreshers and
// writes the state file; returns the exit code.
int ShutDown(HttpServer* http, ServerSet* servers, StateStore* state) {
  http->Stop();
  // A refresh stuck on a slow server ends within about a second: its
  // transfers fail as aborted and the jobs keep what they had.
  servers->Abort();
  const bool clean = servers->Stop(std::chrono::milliseconds(1500));
  if (state != nullptr) {
    // Each refresh already wrote what it changed; this retries a failed one.
    if (Status s = state->Flush(); !s.ok()) {
      Log(LogLevel::kWarn, "cannot write the state file at shutdown",
          {{"error", s.error().message()}});
    }
  }
  if (!clean) {
    // Cannot happen with aborted transfers, but never hang the shutdown.
    Log(LogLevel::kWarn, "a refresh did not stop in time; exiting anyway");
    std::fflush(nullptr);
    std::_Exit(0);
  }
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

int RunExporter(int argc, const char* const* argv) {
  TuneMalloc();
  const sigset_t signals = BlockSignals();
  Flags flags;
  if (EarlyExit exit = ParseCommandLine(argc, argv, &flags)) return *exit;
  SetUpLogging(flags);
  Config config;
  WebConfig web;
  if (EarlyExit exit = LoadConfigs(flags, &config, &web)) return *exit;

  Log(LogLevel::kInfo, "starting vb365_exporter",
      {{"version", ExporterVersion()}, {"revision", ExporterRevision()}});
  SelfMetrics self(ExporterVersion(), ExporterRevision());
  const ProcessCollector process;
  // Hundreds of servers publish hundreds of times a minute: one render
  // thread renders the latest set, spaced by its own cost.
  SnapshotCollectorOptions render;
  render.coalesce = true;
  SnapshotCollector collector(render);
  std::unique_ptr<StateStore> state = OpenStateStore(flags, config);
  RefreshPoolOptions pool;
  pool.workers = config.max_concurrent_requests;
  ServerSet servers(flags.shard, &self, &collector, state.get(), pool);
  LogChanges("servers configured", servers.Apply(config), flags.shard);
  self.SetConfigReload(true, UnixSeconds());
  Reloader reloader(flags.config_file, &servers, &self);
  std::unique_ptr<HttpServer> http =
      StartHttp(flags, web, &self, &process, &collector, &servers, &reloader);
  if (http == nullptr) return 1;
  reloader.StartServers();

  ServeUntilStopped(signals, &reloader);
  return ShutDown(http.get(), &servers, state.get());
}

}  // namespace vb365
