// Scrape (issue 4, item 2): rendering /metrics for 10, 100 and 1,000 jobs, as
// the SnapshotCollector (exporter/metrics) plus prometheus::TextSerializer,
// and as a real HTTP GET against the exporter's HttpServer (exporter/app) on
// loopback, with and without gzip.
//
// The snapshot is built the way a refresh builds it: vb365_datagen writes
// the /Jobs and per-job sessions bodies (v8), vb365::Parser reads them and a
// JobTracker per job folds two fetches (baseline, then the same history plus
// nothing new), so every job has a last finished session with statistics and
// about 41 series.
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/http_server.h"
#include "bench_util.h"
#include "datagen.h"
#include "metrics/self_metrics.h"
#include "metrics/snapshot_collector.h"
#include "model/job_state.h"
#include "parse/parser.h"

namespace {

using vb365::bench::Fail;

constexpr int kSessionsPerJob = 10;

// Parses `text` with the exporter's parser (padded copy).
template <typename T, typename Fn>
bool ParseInto(const std::string& text, Fn fn, std::vector<T>* out) {
  return fn(vb365::PaddedBody(text), out).ok();
}

std::shared_ptr<const vb365::ServerSnapshot> BuildSnapshot(int jobs) {
  vb365::sim::GenOptions o;
  o.seed = 7;
  o.jobs = jobs;
  o.sessions_per_job = kSessionsPerJob;
  const vb365::sim::DataSet data = vb365::sim::Generate(o);
  vb365::sim::WriteOptions w;
  w.version.number = 8;

  std::string jobs_json = "[";
  for (size_t i = 0; i < data.jobs.size(); ++i) {
    if (i) jobs_json += ',';
    vb365::sim::AppendJobJson(data.jobs[i], w, &jobs_json);
  }
  jobs_json += ']';
  vb365::Parser parser;
  std::vector<vb365::Job> parsed_jobs;
  if (!ParseInto(
          jobs_json,
          [&](const vb365::PaddedBody& b, std::vector<vb365::Job>* out) {
            return parser.ParseJobs(b, out);
          },
          &parsed_jobs) ||
      parsed_jobs.size() != data.jobs.size()) {
    return nullptr;
  }

  auto snap = std::make_shared<vb365::ServerSnapshot>();
  snap->server = "bench";
  snap->up = true;
  snap->refresh_duration_seconds = 1.5;
  snap->last_success = o.anchor;  // same 100 ns ticks since the epoch
  snap->product_version = "8.1.0.305";
  snap->api_version = "v8";
  for (size_t i = 0; i < data.jobs.size(); ++i) {
    std::vector<vb365::JobSession> sessions;
    if (!ParseInto(
            vb365::sim::SessionsBody(data.jobs[i], w),
            [&](const vb365::PaddedBody& b,
                std::vector<vb365::JobSession>* out) {
              return parser.ParseSessions(b, out);
            },
            &sessions)) {
      return nullptr;
    }
    vb365::JobTracker tracker(parsed_jobs[i]);
    tracker.Apply(sessions);
    tracker.Apply(sessions);
    snap->jobs.push_back(tracker.summary());
  }
  std::sort(snap->jobs.begin(), snap->jobs.end(),
            [](const vb365::JobSummary& a, const vb365::JobSummary& b) {
              return a.job.name != b.job.name ? a.job.name < b.job.name
                                              : a.job.id < b.job.id;
            });
  return snap;
}

// One collector per job count, built once.
vb365::SnapshotCollector* CollectorFor(int jobs) {
  static std::map<int, std::unique_ptr<vb365::SnapshotCollector>> cache;
  auto& c = cache[jobs];
  if (!c) {
    auto snap = BuildSnapshot(jobs);
    if (!snap) return nullptr;
    c = std::make_unique<vb365::SnapshotCollector>();
    c->Publish(std::move(snap));
  }
  return c.get();
}

size_t CountSeries(const std::string& text) {
  size_t n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (eol > pos && text[pos] != '#') ++n;
    pos = eol + 1;
  }
  return n;
}

size_t CountJobSeries(const std::string& text) {
  size_t n = 0;
  size_t pos = 0;
  while ((pos = text.find("job_id=\"", pos)) != std::string::npos) {
    ++n;
    pos += 8;
  }
  return n;
}

// ---------------------------------------------------------------- render

void BM_ScrapeRender(benchmark::State& state) {
  const int jobs = static_cast<int>(state.range(0));
  vb365::SnapshotCollector* collector = CollectorFor(jobs);
  if (collector == nullptr) return Fail(state, "could not build the snapshot");
  std::string text;
  for (auto _ : state) {
    text = vb365::SerializeText(vb365::Exposition({}, collector));
    benchmark::DoNotOptimize(text.data());
  }
  const size_t job_series = CountJobSeries(text);
  if (text.find("vb365_job_info{") == std::string::npos ||
      job_series < static_cast<size_t>(jobs) * 35) {
    return Fail(state, "rendered text lacks the per-job series (" +
                           std::to_string(job_series) + " for " +
                           std::to_string(jobs) + " jobs)");
  }
  state.counters["series"] = static_cast<double>(CountSeries(text));
  state.counters["series_per_job"] =
      static_cast<double>(job_series) / static_cast<double>(jobs);
  state.counters["text_bytes"] = static_cast<double>(text.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * jobs);
}
// Repetitions: the table compares medians (the machine is shared).
BENCHMARK(BM_ScrapeRender)
    ->ArgName("jobs")
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Repetitions(5)
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------- HTTP GET

// Inflates a gzip body; false when it is not valid gzip.
bool Gunzip(const std::string& in, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

// Argument 0: jobs; argument 1: 1 = ask for gzip. Real time: the latency a
// scraper sees (server threads included). Reports the median of the
// iterations' latencies and the response size.
void BM_ScrapeHttpGet(benchmark::State& state) {
  const int jobs = static_cast<int>(state.range(0));
  const bool gzip = state.range(1) != 0;
  vb365::SnapshotCollector* collector = CollectorFor(jobs);
  if (collector == nullptr) return Fail(state, "could not build the snapshot");
  vb365::SelfMetrics self("bench", "bench");
  self.ForServer("bench");
  vb365::HttpServerOptions options;
  options.listen_address = "127.0.0.1:0";
  vb365::HttpServer server(
      options, vb365::Exposition({self.registry().get()}, collector));
  if (auto st = server.Start(); !st.ok()) {
    return Fail(state, "HttpServer did not start: " + st.error().message());
  }
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);   // as Prometheus does
  client.set_decompress(false);  // check the raw bytes on the wire
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (gzip) headers.emplace("Accept-Encoding", "gzip");

  std::vector<double> latencies_ms;
  std::string body;
  std::string encoding;
  std::string error;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto res = client.Get("/metrics", headers);
    const auto t1 = std::chrono::steady_clock::now();
    if (!res || res->status != 200) {
      error = res ? "status " + std::to_string(res->status)
                  : "request failed: " + httplib::to_string(res.error());
      break;
    }
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(t1 - t0).count());
    body = std::move(res->body);
    encoding = res->get_header_value("Content-Encoding");
  }
  server.Stop();
  if (!error.empty()) return Fail(state, "GET /metrics: " + error);

  std::string text;
  if (gzip) {
    const bool magic = body.size() > 2 &&
                       static_cast<unsigned char>(body[0]) == 0x1f &&
                       static_cast<unsigned char>(body[1]) == 0x8b;
    if (encoding != "gzip" || !magic || !Gunzip(body, &text)) {
      return Fail(state, "asked for gzip, got Content-Encoding '" + encoding +
                             "' and a body that is " +
                             (magic ? "not valid gzip" : "not gzip"));
    }
    state.counters["gzip_ok"] = 1;
    state.counters["wire_bytes"] = static_cast<double>(body.size());
  } else {
    if (!encoding.empty()) {
      return Fail(state,
                  "no Accept-Encoding, got Content-Encoding " + encoding);
    }
    text = body;
    state.counters["wire_bytes"] = static_cast<double>(body.size());
  }
  if (CountJobSeries(text) < static_cast<size_t>(jobs) * 35) {
    return Fail(state, "the metrics page lacks the per-job series");
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  state.counters["median_ms"] = latencies_ms[latencies_ms.size() / 2];
  state.counters["p90_ms"] = latencies_ms[latencies_ms.size() * 9 / 10];
  state.counters["text_bytes"] = static_cast<double>(text.size());
}
// Fixed iteration counts: enough GETs for a median whatever
// --benchmark_min_time.
BENCHMARK(BM_ScrapeHttpGet)
    ->ArgNames({"jobs", "gzip"})
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({100, 0})
    ->Iterations(40)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScrapeHttpGet)
    ->ArgNames({"jobs", "gzip"})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Iterations(15)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  return vb365::bench::RunAndReport("scrape_bench", "failed their checks");
}
