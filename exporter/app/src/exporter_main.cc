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
#include <string>
#include <vector>

#include "api/client.h"
#include "api/curl_transport.h"
#include "app/api_observer.h"
#include "build_info.h"
#include "app/http_server.h"
#include "app/refresher.h"
#include "common/log.h"
#include "config/config.h"
#include "config/flags.h"
#include "config/web_config.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace vb365 {
namespace {

// Everything that runs for one configured server.
struct ServerRuntime {
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<MetricsApiObserver> observer;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClientJobSource> source;
  std::unique_ptr<Refresher> refresher;
};

std::string MillisText(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

int RunExporter(int argc, const char* const* argv) {
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
  // Signals are taken by sigwait() below: block them before any thread
  // starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string program = argc > 0 ? argv[0] : "vb365_exporter";
  Result<Flags> parsed = ParseFlags(argc, argv);
  if (!parsed.ok()) {
    std::cerr << program << ": " << parsed.error() << "\n"
              << "Try --help.\n";
    return 1;
  }
  const Flags& flags = *parsed;
  if (flags.help) {
    std::cout << HelpText(program);
    return 0;
  }
  if (flags.version) {
    std::cout << "vb365_exporter, version " << ExporterVersion()
              << " (revision: " << ExporterRevision() << ")\n";
    return 0;
  }
  SetLogLevel(flags.log_level);
  SetLogFormat(flags.log_format);

  Result<Config> config = LoadConfigFile(flags.config_file);
  if (!config.ok()) {
    Log(LogLevel::kError, "invalid config", {{"err", config.error()}});
    return 1;
  }
  for (const std::string& w : config->warnings) {
    Log(LogLevel::kWarn, "config warning", {{"warning", w}});
  }
  WebConfig web;
  if (!flags.web_config_file.empty()) {
    Result<WebConfig> loaded = LoadWebConfigFile(flags.web_config_file);
    if (!loaded.ok()) {
      Log(LogLevel::kError, "invalid web config", {{"err", loaded.error()}});
      return 1;
    }
    web = std::move(*loaded);
    for (const std::string& w : web.warnings) {
      Log(LogLevel::kWarn, "web config warning", {{"warning", w}});
    }
  }
  // Job filter regexes are compiled here too, so --config.check catches
  // what the refresher would otherwise report at run time.
  for (const ServerConfig& server : config->servers) {
    Result<JobNameFilter> filter = JobNameFilter::Create(server.jobs);
    if (!filter.ok()) {
      Log(LogLevel::kError, "invalid config",
          {{"server", server.name}, {"err", filter.error()}});
      return 1;
    }
  }
  if (flags.config_check) {
    std::cout << "config OK: " << flags.config_file << " ("
              << config->servers.size() << " servers)\n";
    return 0;
  }

  Log(LogLevel::kInfo, "starting vb365_exporter",
      {{"version", ExporterVersion()}, {"revision", ExporterRevision()}});

  SelfMetrics self(ExporterVersion(), ExporterRevision());
  SnapshotCollector collector;

  std::vector<ServerRuntime> servers;
  servers.reserve(config->servers.size());
  for (const ServerConfig& server : config->servers) {
    ServerRuntime rt;
    rt.transport = std::make_unique<CurlTransport>(
        CurlTransportOptions::FromServer(server));
    rt.observer =
        std::make_unique<MetricsApiObserver>(&self.ForServer(server.name));
    rt.client =
        std::make_unique<Client>(server, rt.transport.get(), rt.observer.get());
    rt.source = std::make_unique<ClientJobSource>(rt.client.get());
    RefresherOptions options;
    options.interval = server.refresh_interval.count() > 0
                           ? server.refresh_interval
                           : config->refresh_interval;
    rt.refresher =
        std::make_unique<Refresher>(server, options, rt.source.get(),
                                    &collector, &self.ForServer(server.name));
    Log(LogLevel::kInfo, "server configured",
        {{"server", server.name},
         {"url", server.url},
         {"api_version", ApiVersionName(server.api_version)},
         {"refresh_interval", MillisText(options.interval)}});
    servers.push_back(std::move(rt));
  }

  HttpServerOptions http_options;
  http_options.listen_address = flags.listen_address;
  http_options.telemetry_path = flags.telemetry_path;
  http_options.tls_cert_file = web.tls_cert_file;
  http_options.tls_key_file = web.tls_key_file;
  std::shared_ptr<BasicAuthenticator> auth;
  if (web.auth_enabled()) {
    auth = std::make_shared<BasicAuthenticator>(web.basic_auth_users);
    http_options.basic_auth = [auth](const std::string& user,
                                     const std::string& password) {
      return auth->Check(user, password);
    };
  }
  HttpServer http(http_options, {self.registry().get(), &collector});
  if (Status s = http.Start(); !s.ok()) {
    Log(LogLevel::kError, "cannot start the HTTP server", {{"err", s.error()}});
    return 1;
  }
  Log(LogLevel::kInfo, "listening",
      {{"address", http.address()},
       {"tls", http.tls() ? "true" : "false"},
       {"basic_auth", web.auth_enabled() ? "true" : "false"},
       {"telemetry_path", flags.telemetry_path}});

  for (ServerRuntime& rt : servers) rt.refresher->Start();

  int sig = 0;
  sigwait(&signals, &sig);
  Log(LogLevel::kInfo, "shutting down",
      {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  http.Stop();
  bool clean = true;
  for (ServerRuntime& rt : servers) {
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

}  // namespace vb365
