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
#include <optional>
#include <string>
#include <vector>

#include "api/client.h"
#include "api/curl_transport.h"
#include "app/api_observer.h"
#include "app/collection_adapters.h"
#include "app/http_server.h"
#include "app/status_page.h"
#include "build_info.h"
#include "collection/job_source.h"
#include "collection/refresher.h"
#include "common/log.h"
#include "config/config.h"
#include "config/flags.h"
#include "config/web_config.h"
#include "metrics/process_metrics.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {
namespace {

// Set when the program ends before it serves: the process exit code.
using EarlyExit = std::optional<int>;

// Everything that runs for one configured server.
struct ServerRuntime {
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<MetricsApiObserver> api_observer;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClientJobSource> source;
  std::unique_ptr<MetricsRefreshObserver> refresh_observer;
  std::unique_ptr<Refresher> refresher;
};

std::string MillisText(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

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

// SIGINT and SIGTERM are taken by sigwait() in WaitForStopSignal: blocked
// before any thread starts, so every thread inherits the mask.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
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
  return std::nullopt;
}

void SetUpLogging(const Flags& flags) {
  SetLogLevel(flags.log_level);
  SetLogFormat(flags.log_format);
}

// The config file (job-name regexes included: --config.check catches a bad
// one) and the web config. An invalid one, and --config.check, end the
// program here.
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
    std::cout << "config OK: " << flags.config_file << " ("
              << config->servers.size() << " servers)\n";
    return 0;
  }
  return std::nullopt;
}

// One client and one refresher per configured server (not started yet).
std::vector<ServerRuntime> BuildServers(const Config& config, SelfMetrics* self,
                                        SnapshotSink* sink) {
  std::vector<ServerRuntime> servers;
  servers.reserve(config.servers.size());
  for (const ServerConfig& server : config.servers) {
    ServerSelfMetrics* metrics = &self->ForServer(server.name);
    ServerRuntime rt;
    rt.transport = std::make_unique<CurlTransport>(
        CurlTransportOptions::FromServer(server));
    rt.api_observer = std::make_unique<MetricsApiObserver>(metrics);
    rt.client = std::make_unique<Client>(server, rt.transport.get(),
                                         rt.api_observer.get());
    rt.source = std::make_unique<ClientJobSource>(rt.client.get());
    rt.refresh_observer = std::make_unique<MetricsRefreshObserver>(metrics);
    RefresherOptions options;
    options.interval = server.refresh_interval.count() > 0
                           ? server.refresh_interval
                           : config.refresh_interval;
    rt.refresher = std::make_unique<Refresher>(server, options, rt.source.get(),
                                               sink, rt.refresh_observer.get());
    Log(LogLevel::kInfo, "server configured",
        {{"server", server.name},
         {"url", server.url},
         {"api_version", ApiVersionName(server.api_version)},
         {"refresh_interval", MillisText(options.interval)}});
    servers.push_back(std::move(rt));
  }
  return servers;
}

// Null (logged) when the listen address cannot be bound.
std::unique_ptr<HttpServer> StartHttp(const Flags& flags, const WebConfig& web,
                                      SelfMetrics* self,
                                      const ProcessCollector* process,
                                      SnapshotCollector* collector) {
  HttpServerOptions options;
  options.listen_address = flags.listen_address;
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
  auto http = std::make_unique<HttpServer>(
      options, Exposition({self->registry().get(), process}, collector));
  if (Status s = http->Start(); !s.ok()) {
    Log(LogLevel::kError, "cannot start the HTTP server",
        {{"error", s.error().message()}});
    return nullptr;
  }
  Log(LogLevel::kInfo, "listening",
      {{"address", http->address()},
       {"tls", http->tls() ? "true" : "false"},
       {"basic_auth", web.auth_enabled() ? "true" : "false"},
       {"telemetry_path", flags.telemetry_path}});
  return http;
}

void WaitForStopSignal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  Log(LogLevel::kInfo, "shutting down",
      {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
}

// Stops serving, then the refreshers; returns the exit code.
int ShutDown(HttpServer* http, std::vector<ServerRuntime>* servers) {
  http->Stop();
  bool clean = true;
  for (ServerRuntime& rt : *servers) {
    clean = rt.refresher->Stop(std::chrono::seconds(5)) && clean;
  }
  if (!clean) {
    // A request is still waiting for its timeout; nothing is left to save.
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
  const sigset_t signals = BlockStopSignals();
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
  SnapshotCollector collector;
  CollectorSink sink(&collector);
  std::vector<ServerRuntime> servers = BuildServers(config, &self, &sink);
  std::unique_ptr<HttpServer> http =
      StartHttp(flags, web, &self, &process, &collector);
  if (http == nullptr) return 1;
  for (ServerRuntime& rt : servers) rt.refresher->Start();

  WaitForStopSignal(signals);
  return ShutDown(http.get(), &servers);
}

}  // namespace vb365
