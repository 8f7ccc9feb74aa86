// Memory (issue 4, item 5): peak and steady RSS of the real vb365_exporter
// process refreshing 1,000 jobs with 1,000 sessions of history each from a
// simulator over HTTPS on loopback, on v3 (whole histories on every refresh)
// and on v8 (incremental reads after the first).
//
// Method: the exporter runs with refresh_interval 10s (a refresh takes 2 to
// 5 s here) and default settings
// otherwise (max_concurrent_requests 8, session_history 7d). The bench never
// scrapes it while measuring: it follows the refreshes through the
// simulator's counters (a refresh starts with GET /Jobs) and samples
// /proc/PID/status every 50 ms. "steady" is VmRSS in the idle gap after the
// third refresh (the largest idle sample of that gap); "peak" is VmHWM then.
// "start" is the RSS 400 ms after exec, while the first API request is held
// 700 ms by a one-shot latency fault. Afterwards one GET /metrics checks the
// exporter really holds 1,000 jobs, and the RSS after that scrape is reported
// too (rendering 41,000 series is part of an exporter's life). "largest
// response" is the largest body the exporter can have read: GET /Jobs and the
// sessions of 50 sampled jobs (every 20th; with 1,000 sessions each their sizes
// differ by about 1%), fetched the way the exporter asks for them.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "datagen.h"
#include "harness.h"

namespace {

using vb365::bench::Fail;

constexpr int kJobs = 1000;
constexpr int kSessionsPerJob = 1000;

// kB values of VmRSS and VmHWM (and of RssAnon, RssFile: heap and stacks
// versus mapped files such as shared libraries); false when the process is
// gone.
bool ReadRss(pid_t pid, int64_t* rss_kb, int64_t* hwm_kb,
             int64_t* anon_kb = nullptr, int64_t* file_kb = nullptr) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return false;
  std::string line;
  bool got_rss = false, got_hwm = false;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      *rss_kb = std::atoll(line.c_str() + 6);
      got_rss = true;
    } else if (line.rfind("VmHWM:", 0) == 0) {
      *hwm_kb = std::atoll(line.c_str() + 6);
      got_hwm = true;
    } else if (anon_kb && line.rfind("RssAnon:", 0) == 0) {
      *anon_kb = std::atoll(line.c_str() + 8);
    } else if (file_kb && line.rfind("RssFile:", 0) == 0) {
      *file_kb = std::atoll(line.c_str() + 8);
    }
  }
  return got_rss && got_hwm;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

// The exporter as a child process; killed (TERM, then KILL) on destruction.
class ExporterProcess {
 public:
  ExporterProcess(const std::string& config, int port, const std::string& log) {
    const std::string config_flag = "--config.file=" + config;
    const std::string listen_flag =
        "--web.listen-address=127.0.0.1:" + std::to_string(port);
    pid_ = vb365::sim::Spawn(
        {VB365_EXPORTER_PATH, config_flag, listen_flag, "--log.level=warn"},
        log);
  }
  ~ExporterProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  bool alive() const {
    return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The largest body the exporter can have read on this version.
int64_t LargestResponse(const vb365::sim::SimulatorProcess& sim, int version) {
  const std::string v = "/v" + std::to_string(version);
  const std::string token = sim.Login(version);
  int64_t largest = 0;
  const std::string jobs_path =
      version >= 8 ? v + "/Jobs?limit=1000&offset=0" : v + "/Jobs";
  largest = std::max<int64_t>(largest, sim.Get(jobs_path, token).body.size());
  // The exporter's first v8 read starts session_history (7 days) back.
  const auto now_ticks =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count() /
      100;
  const std::string bound = vb365::sim::FormatTicks(
      now_ticks - 7LL * 24 * 3600 * vb365::sim::kTicksPerSecond, 0);
  for (int i = 0; i < kJobs; i += 20) {
    const std::string id = sim.JobId(i);
    const std::string path = version >= 7 ? v + "/JobSessions?jobId=" + id +
                                                "&endTimeLowerBound=" + bound +
                                                "&limit=1000&offset=0"
                                          : v + "/Jobs/" + id + "/JobSessions";
    largest = std::max<int64_t>(largest, sim.Get(path, token).body.size());
  }
  return largest;
}

void BM_ExporterRss(benchmark::State& state) {
  const int version = static_cast<int>(state.range(0));
  vb365::sim::SimulatorConfig sc;
  sc.versions = {"v" + std::to_string(version)};
  sc.jobs = kJobs;
  sc.sessions_per_job = kSessionsPerJob;
  sc.resources.copy_jobs = 0;  // 1,000 backup jobs (no /CopyJobs on v3)
  sc.exit_after_seconds = 400;
  sc.start_timeout_seconds = 60;
  std::unique_ptr<vb365::sim::SimulatorProcess> sim;
  try {
    sim = std::make_unique<vb365::sim::SimulatorProcess>(sc);
  } catch (const std::exception& e) {
    return Fail(state, std::string("simulator did not start: ") + e.what());
  }
  const std::string dir = sim->dir();
  const std::string config = dir + "/bench_exporter.yml";
  {
    std::ofstream out(config);
    out << "refresh_interval: 10s\n"
        << "servers:\n"
        << "  - name: bench\n"
        << "    url: " << sim->base_url() << "\n"
        << "    api_version: v" << version << "\n"
        << "    username: '" << sim->username() << "'\n"
        << "    password_file: " << sim->password_file() << "\n"
        << "    tls:\n"
        << "      ca_file: " << sim->ca_file() << "\n";
  }
  const int port = FreeLoopbackPort();
  const std::string log = dir + "/bench_exporter.log";

  for (auto _ : state) {
    // The exporter's first API request waits 700 ms, so that the RSS 400 ms
    // after exec is the process before it holds any data ("start").
    vb365::sim::Fault hold;
    hold.kind = "latency";
    hold.count = 1;
    hold.ms = 700;
    sim->AddFault(hold);
    sim->ResetStats();
    const auto start = std::chrono::steady_clock::now();
    ExporterProcess exporter(config, port, log);
    // Follow the refreshes: GET /Jobs opens each one; the exporter is idle
    // when no job list or session request arrived for 1.5 s after a refresh
    // began (on v7/v8 a later refresh reads every job's recent sessions in
    // one request, so the session count alone does not tell one).
    int64_t last_activity = -1, steady_kb = 0, peak_kb = 0;
    int64_t idle_max_kb = 0, lists_at_idle = 0;
    int64_t start_kb = 0, idle_anon_kb = 0, idle_file_kb = 0;
    int64_t steady_anon_kb = 0, steady_file_kb = 0;
    auto last_change = std::chrono::steady_clock::now();
    int idle_periods = 0;
    bool in_idle = false;
    std::string error;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      int64_t rss = 0, hwm = 0, anon = 0, file = 0;
      if (!exporter.alive() ||
          !ReadRss(exporter.pid(), &rss, &hwm, &anon, &file)) {
        error = "the exporter exited: " + ReadFile(log).substr(0, 400);
        break;
      }
      const int64_t sessions = sim->Stat("requests.job_sessions");
      const int64_t lists = sim->Stat("requests.jobs");
      if (std::chrono::steady_clock::now() - start >
          std::chrono::seconds(150)) {
        error = "no three refreshes within 150 s (" + std::to_string(sessions) +
                " session requests, " + std::to_string(lists) + " job lists, " +
                std::to_string(idle_periods) +
                " idle gaps); log: " + ReadFile(log).substr(0, 300);
        break;
      }
      const int64_t activity = sessions + lists;
      const auto now = std::chrono::steady_clock::now();
      if (start_kb == 0 && now - start >= std::chrono::milliseconds(400)) {
        start_kb = rss;
      }
      if (activity != last_activity) {
        if (in_idle) {
          // A new refresh began: the idle gap before it is over.
          in_idle = false;
          if (idle_periods == 3) {
            steady_kb = idle_max_kb;
            steady_anon_kb = idle_anon_kb;
            steady_file_kb = idle_file_kb;
            break;
          }
        }
        last_activity = activity;
        last_change = now;
        continue;
      }
      // Idle: a refresh began since the last gap (the first one read every
      // job's sessions) and nothing new for 1.5 s.
      if (!in_idle && lists > lists_at_idle &&
          sessions >= static_cast<int64_t>(kJobs) &&
          now - last_change > std::chrono::milliseconds(1500)) {
        in_idle = true;
        ++idle_periods;
        lists_at_idle = lists;
        idle_max_kb = 0;
      }
      if (in_idle) {
        if (rss >= idle_max_kb) {
          idle_anon_kb = anon;
          idle_file_kb = file;
        }
        idle_max_kb = std::max(idle_max_kb, rss);
        peak_kb = hwm;
      }
    }
    if (!error.empty()) return Fail(state, error);
    // A start figure of 0 would be printed as "RSS at start 0.0 MB": fail
    // instead (the first sample comes 400 ms after exec, well before the
    // third refresh ends).
    if (start_kb == 0) return Fail(state, "no RSS sample 400 ms after exec");
    const double refresh_wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();

    // Now one scrape: the exporter really holds the 1,000 jobs.
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30, 0);
    auto res = client.Get("/metrics");
    if (!res || res->status != 200) {
      return Fail(state, "GET /metrics failed");
    }
    const std::string want =
        "vb365_jobs{server=\"bench\"} " + std::to_string(kJobs);
    if (res->body.find(want) == std::string::npos ||
        res->body.find("vb365_up{server=\"bench\"} 1") == std::string::npos) {
      return Fail(state, "the exporter does not report 1000 jobs and up 1");
    }
    int64_t after_scrape_kb = 0, hwm_end_kb = 0;
    ReadRss(exporter.pid(), &after_scrape_kb, &hwm_end_kb);

    const int64_t bytes_read = sim->Stat("response_bytes.total");
    const int64_t largest = LargestResponse(*sim, version);
    const double mb = 1024.0 * 1024.0;
    state.SetIterationTime(refresh_wall);
    state.counters["steady_rss_mb"] = steady_kb * 1024.0 / mb;
    state.counters["steady_anon_mb"] = steady_anon_kb * 1024.0 / mb;
    state.counters["steady_file_mb"] = steady_file_kb * 1024.0 / mb;
    state.counters["start_rss_mb"] = start_kb * 1024.0 / mb;
    state.counters["peak_rss_mb"] = peak_kb * 1024.0 / mb;
    state.counters["rss_after_scrape_mb"] = after_scrape_kb * 1024.0 / mb;
    state.counters["peak_after_scrape_mb"] = hwm_end_kb * 1024.0 / mb;
    state.counters["largest_response_mb"] = largest / mb;
    state.counters["peak_limit_mb"] = 20.0 + 2.0 * largest / mb;
    state.counters["bytes_read_mb"] =
        static_cast<double>(bytes_read) / mb;  // 3 refreshes and a bit
  }
}
BENCHMARK(BM_ExporterRss)
    ->ArgName("v")
    ->Arg(3)
    ->Arg(8)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  return vb365::bench::RunAndReport("memory_bench", "failed");
}
