// Refresh at scale and steady state (issue 4, items 3 and 4): the exporter's
// real Refresher, Client and CurlTransport against a real vb365_simulator
// process over HTTPS on 127.0.0.1 (tests/simulator/harness.h).
//
// BM_RefreshConcurrency/c: every /JobSessions request is delayed 20 ms by the
// simulator (a latency fault on the job_sessions endpoint only, so the ideal
// is exactly jobs x 20 ms / c); the other requests (probe, token, /Jobs) are
// not delayed and count against the ratio. 1,000 jobs for c = 4 and 16; 250
// jobs for c = 1 (the ideal is 5 s instead of 20 s; the ratio is what
// compares). Reports the first refresh (TLS handshakes, version probe, login
// included; every job read on its own, what the concurrency is for) and a
// later one (connections and token reused; on v8 one read for every job,
// issue 11, so it no longer shows the concurrency).
//
// BM_SteadyStateV8: 1,000 jobs x 1,000 sessions on v8; bytes the simulator
// sent for the first refresh (the configured session_history window, default
// 7 days) and for a later one after five new sessions; checks that exactly
// those five sessions were counted.
//
// All iteration counts are 1 (each run is seconds long): UseManualTime with
// the measured wall time of the refresh of interest.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/client.h"
#include "api/curl_transport.h"
#include "app/api_observer.h"
#include "app/collection_adapters.h"
#include "bench_util.h"
#include "collection/job_source.h"
#include "collection/refresher.h"
#include "harness.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"

namespace {

using vb365::bench::Fail;

// The exporter's objects for one server, wired as exporter_main.cc does.
struct Exporter {
  explicit Exporter(const vb365::sim::SimulatorProcess& sim, int concurrency)
      : self("bench", "bench") {
    config.name = "bench";
    config.url = sim.base_url();
    config.api_version = vb365::ApiVersion::kAuto;
    config.username = sim.username();
    config.password = vb365::Secret(sim.password());
    config.tls.ca_file = sim.ca_file();
    config.max_concurrent_requests = concurrency;
    transport = std::make_unique<vb365::CurlTransport>(
        vb365::CurlTransportOptions::FromServer(config));
    observer = std::make_unique<vb365::MetricsApiObserver>(
        &self.ForServer(config.name));
    client = std::make_unique<vb365::Client>(config, transport.get(),
                                             observer.get());
    source = std::make_unique<vb365::ClientJobSource>(client.get());
    vb365::RefresherOptions options;
    options.now = &vb365::SystemNow;
    refresh_observer = std::make_unique<vb365::MetricsRefreshObserver>(
        &self.ForServer(config.name));
    refresher = std::make_unique<vb365::Refresher>(
        config, options, source.get(), &sink, refresh_observer.get());
  }

  vb365::ServerConfig config;
  vb365::SelfMetrics self;
  vb365::SnapshotCollector collector;
  vb365::CollectorSink sink{&collector};
  std::unique_ptr<vb365::CurlTransport> transport;
  std::unique_ptr<vb365::MetricsApiObserver> observer;
  std::unique_ptr<vb365::Client> client;
  std::unique_ptr<vb365::ClientJobSource> source;
  std::unique_ptr<vb365::MetricsRefreshObserver> refresh_observer;
  std::unique_ptr<vb365::Refresher> refresher;
};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// One timed refresh; empty string when it published a good snapshot.
std::string TimedRefresh(Exporter& e, size_t jobs, double* seconds,
                         std::shared_ptr<const vb365::ServerSnapshot>* out) {
  const auto t0 = std::chrono::steady_clock::now();
  auto snap = e.refresher->RefreshOnce();
  *seconds = Seconds(std::chrono::steady_clock::now() - t0);
  if (!snap || !snap->up) return "refresh failed (server not up)";
  if (snap->jobs.size() != jobs) {
    return "snapshot has " + std::to_string(snap->jobs.size()) +
           " jobs, want " + std::to_string(jobs);
  }
  if (out) *out = std::move(snap);
  return "";
}

// ---------------------------------------------------------------- item 3

constexpr int64_t kDelayMs = 20;

void BM_RefreshConcurrency(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int jobs = concurrency == 1 ? 250 : 1000;
  vb365::sim::SimulatorConfig sc;
  sc.versions = {"v8"};
  sc.jobs = jobs;
  sc.sessions_per_job = 10;
  sc.faults = {"kind=latency,endpoint=job_sessions,ms=" +
               std::to_string(kDelayMs)};
  sc.extra_args = {"--threads", "64"};
  sc.exit_after_seconds = 300;
  std::unique_ptr<vb365::sim::SimulatorProcess> sim;
  try {
    sim = std::make_unique<vb365::sim::SimulatorProcess>(sc);
  } catch (const std::exception& e) {
    return Fail(state, std::string("simulator did not start: ") + e.what());
  }
  Exporter exporter(*sim, concurrency);
  // The simulator's copy jobs (resources.h) are read like backup jobs.
  const int listed = jobs + sc.resources.copy_jobs;
  const double ideal = listed * (kDelayMs / 1000.0) / concurrency;
  for (auto _ : state) {
    double first = 0, later = 0;
    std::string err = TimedRefresh(exporter, listed, &first, nullptr);
    const int64_t requests = sim->Stat("requests.job_sessions");
    if (err.empty() && requests != listed) {
      err = "first refresh sent " + std::to_string(requests) +
            " session requests, want " + std::to_string(listed);
    }
    sim->ResetStats();
    if (err.empty()) err = TimedRefresh(exporter, listed, &later, nullptr);
    if (!err.empty()) return Fail(state, err);
    state.counters["later_session_requests"] =
        static_cast<double>(sim->Stat("requests.job_sessions"));
    state.SetIterationTime(first);
    state.counters["jobs"] = listed;
    state.counters["ideal_s"] = ideal;
    state.counters["first_s"] = first;
    state.counters["later_s"] = later;
    state.counters["first_ratio"] = first / ideal;
    state.counters["later_ratio"] = later / ideal;
    // What one session request cost, seen from a worker (ideal: 20 ms).
    state.counters["later_ms_per_request"] =
        1000.0 * later * concurrency / listed;
  }
}
BENCHMARK(BM_RefreshConcurrency)
    ->ArgName("c")
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------- item 4

void BM_SteadyStateV8(benchmark::State& state) {
  constexpr int kJobs = 1000;
  constexpr int kNewSessions = 5;
  vb365::sim::SimulatorConfig sc;
  sc.versions = {"v8"};
  sc.jobs = kJobs;
  sc.sessions_per_job = 1000;
  sc.exit_after_seconds = 300;
  sc.start_timeout_seconds = 60;
  std::unique_ptr<vb365::sim::SimulatorProcess> sim;
  try {
    sim = std::make_unique<vb365::sim::SimulatorProcess>(sc);
  } catch (const std::exception& e) {
    return Fail(state, std::string("simulator did not start: ") + e.what());
  }
  Exporter exporter(*sim, 8);  // the default max_concurrent_requests
  const size_t listed = kJobs + sc.resources.copy_jobs;  // and copy jobs
  for (auto _ : state) {
    double first_s = 0, later_s = 0;
    sim->ResetStats();
    std::string err = TimedRefresh(exporter, listed, &first_s, nullptr);
    if (!err.empty()) return Fail(state, "first refresh: " + err);
    const int64_t first_bytes = sim->Stat("response_bytes.total");
    const int64_t first_session_bytes =
        sim->Stat("response_bytes.job_sessions");

    // A handful of new sessions on different jobs.
    for (int i = 0; i < kNewSessions; ++i) {
      sim->AddSession(sim->JobId(10 + i * 97), "Success", 120);
    }
    sim->ResetStats();
    std::shared_ptr<const vb365::ServerSnapshot> snap;
    err = TimedRefresh(exporter, listed, &later_s, &snap);
    if (!err.empty()) return Fail(state, "later refresh: " + err);
    const int64_t later_bytes = sim->Stat("response_bytes.total");
    const int64_t later_requests = sim->Stat("requests.total");
    // What the jobs collector sent (the resource collectors' requests are
    // in the totals above too).
    const int64_t later_jobs_requests = sim->Stat("requests.jobs") +
                                        sim->Stat("requests.copy_jobs") +
                                        sim->Stat("requests.job_sessions");
    const int64_t later_jobs_bytes = sim->Stat("response_bytes.jobs") +
                                     sim->Stat("response_bytes.copy_jobs") +
                                     sim->Stat("response_bytes.job_sessions");

    uint64_t counted = 0;
    for (const vb365::JobSummary& j : snap->jobs) {
      for (uint64_t n : j.sessions_total) counted += n;
    }
    if (counted != kNewSessions) {
      return Fail(state, "the later refresh counted " +
                             std::to_string(counted) + " new sessions, want " +
                             std::to_string(kNewSessions));
    }
    if (first_bytes <= 0)
      return Fail(state, "no bytes counted by the simulator");
    state.SetIterationTime(later_s);
    state.counters["first_bytes"] = static_cast<double>(first_bytes);
    state.counters["first_session_bytes"] =
        static_cast<double>(first_session_bytes);
    state.counters["later_bytes"] = static_cast<double>(later_bytes);
    state.counters["later_requests"] = static_cast<double>(later_requests);
    state.counters["later_jobs_requests"] =
        static_cast<double>(later_jobs_requests);
    state.counters["later_jobs_bytes"] = static_cast<double>(later_jobs_bytes);
    state.counters["later_list_bytes"] =
        static_cast<double>(sim->Stat("response_bytes.jobs"));
    state.counters["later_session_requests"] =
        static_cast<double>(sim->Stat("requests.job_sessions"));
    state.counters["later_session_bytes"] =
        static_cast<double>(sim->Stat("response_bytes.job_sessions"));
    state.counters["ratio_pct"] = 100.0 * static_cast<double>(later_bytes) /
                                  static_cast<double>(first_bytes);
    state.counters["first_s"] = first_s;
    state.counters["later_s"] = later_s;
  }
}
BENCHMARK(BM_SteadyStateV8)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  return vb365::bench::RunAndReport("refresh_bench", "failed");
}
