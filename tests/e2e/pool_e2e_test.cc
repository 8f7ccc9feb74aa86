// End to end: one vb365_exporter watching many servers (one simulator
// process listening on many ports, --extra-listeners) through its one
// bounded refresh pool: the thread count stays under a bound set by the pool
// size, the requests in flight at the simulator under the global
// max_concurrent_requests, a server stuck on a slow endpoint does not stop
// the others, and the first refreshes wait for their stagger delay. Every
// wait polls with a deadline; the only time compared is a lower bound (a
// login never before its server's delay), which a loaded machine can only
// make later.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "exporter_process.h"
#include "harness.h"

namespace vb365 {
namespace {

using e2e::ExporterProcess;
using e2e::Samples;
using e2e::WaitFor;
using json = nlohmann::json;
using sim::SimulatorConfig;
using sim::SimulatorProcess;

constexpr int kServers = 50;
constexpr int kWorkers = 4;  // top-level max_concurrent_requests

std::unique_ptr<SimulatorProcess> StartSim(int listeners,
                                           std::vector<std::string> extra) {
  SimulatorConfig c;
  c.versions = {"v8"};
  c.jobs = 5;
  c.sessions_per_job = 3;
  c.exit_after_seconds = 300;
  c.extra_args = {"--extra-listeners", std::to_string(listeners - 1),
                  "--threads", "4"};
  c.extra_args.insert(c.extra_args.end(), extra.begin(), extra.end());
  return std::make_unique<SimulatorProcess>(c);
}

std::vector<int> Ports(const SimulatorProcess& s) {
  std::ifstream ready(s.dir() + "/ready");
  std::vector<int> ports;
  for (int p = 0; ready >> p;) ports.push_back(p);
  return ports;
}

std::string Entry(const std::string& name, const SimulatorProcess& s,
                  int port) {
  std::string user = "'";
  for (char c : s.username())
    user += c == '\'' ? std::string("''") : std::string(1, c);
  user += "'";
  return "  - name: " + name +
         "\n    url: https://127.0.0.1:" + std::to_string(port) +
         "\n    api_version: v8\n    username: " + user +
         "\n    password_file: " + s.password_file() +
         "\n    tls:\n      ca_file: " + s.ca_file() + "\n    timeout: 60s\n";
}

std::string Name(int i) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "s%02d", i);
  return buf;
}

int Threads(pid_t pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) n += e->d_name[0] != '.' ? 1 : 0;
  closedir(dir);
  return n;
}

double Value(const Samples& m, const std::string& series) {
  auto it = m.find(series);
  return it == m.end() ? -1 : std::stod(it->second);
}

std::string Up(const std::string& server) {
  return "vb365_up{server=\"" + server + "\"}";
}
std::string LastSuccess(const std::string& server) {
  return "vb365_refresh_last_success_timestamp_seconds{server=\"" + server +
         "\"}";
}

// The threads of an exporter watching one server with a pool of one worker:
// everything but the pool (main, HTTP server, ...) plus that one worker.
int ThreadsBesidesThePool(const SimulatorProcess& s) {
  ExporterProcess e(
      "refresh_interval: 1s\nmax_concurrent_requests: 1\n"
      "servers:\n" +
      Entry("one", s, s.port()));
  int threads = -1;
  EXPECT_TRUE(WaitFor([&] {
    if (Value(e.Metrics(), Up("one")) != 1) return false;
    threads = Threads(e.pid());
    return true;
  }));
  return threads - 1;
}

TEST(PoolE2E, FiftyServersShareTheBoundedPoolAndASlowOneStopsNoneOfThem) {
  auto fast = StartSim(kServers, {"--latency-ms", "20"});
  // Every session read of the slow server takes a minute.
  auto slow =
      StartSim(1, {"--fault", "kind=latency,endpoint=job_sessions,ms=60000"});
  const std::vector<int> ports = Ports(*fast);
  ASSERT_EQ(ports.size(), static_cast<size_t>(kServers));
  const int besides_pool = ThreadsBesidesThePool(*fast);
  ASSERT_GT(besides_pool, 0);
  fast->ResetStats();

  std::string config = "refresh_interval: 2s\nmax_concurrent_requests: " +
                       std::to_string(kWorkers) +
                       "\nrefresh_stagger: 0s\nservers:\n" +
                       Entry("slow", *slow, slow->port());
  for (int i = 0; i < kServers; ++i) config += Entry(Name(i), *fast, ports[i]);
  ExporterProcess e(config);

  Samples first;
  int most_threads = 0;
  ASSERT_TRUE(WaitFor([&] {
    most_threads = std::max(most_threads, Threads(e.pid()));
    first = e.Metrics();
    for (int i = 0; i < kServers; ++i) {
      if (Value(first, Up(Name(i))) != 1) return false;
    }
    return true;
  })) << e.Stderr();
  // The slow server is inside its session reads, at its per-server cap
  // (max(1, 4 / 2) = 2 workers), and not refreshed yet.
  const json slow_stats = json::parse(slow->StatsJson());
  EXPECT_GE(slow_stats["in_flight"].get<int>(), 1);
  EXPECT_LE(slow_stats["max_in_flight"].get<int>(), 2);
  EXPECT_EQ(Value(first, Up("slow")), 0);

  // Meanwhile every other server is refreshed again and again.
  ASSERT_TRUE(WaitFor([&] {
    most_threads = std::max(most_threads, Threads(e.pid()));
    const Samples now = e.Metrics();
    for (int i = 0; i < kServers; ++i) {
      if (Value(now, LastSuccess(Name(i))) <=
          Value(first, LastSuccess(Name(i)))) {
        return false;
      }
    }
    return true;
  })) << e.Stderr();
  EXPECT_EQ(Value(e.Metrics(), Up("slow")), 0);
  EXPECT_GE(json::parse(slow->StatsJson())["in_flight"].get<int>(), 1);

  // Threads: what a one-server exporter has besides its pool, plus the pool.
  EXPECT_LE(most_threads, besides_pool + kWorkers);
  // Requests in flight at once at the 50 listeners: the global bound (the
  // slow server holds some of the 4 workers), and more than one (the pool
  // does run servers side by side).
  const json stats = json::parse(fast->StatsJson());
  EXPECT_LE(stats["max_in_flight"].get<int>(), kWorkers);
  EXPECT_GE(stats["max_in_flight"].get<int>(), 2);
  EXPECT_EQ(stats["logins"].get<int>(), kServers);  // tokens kept
  EXPECT_EQ(e.Stop(), 0);  // within the shutdown's bound, the slow one aborted
}

TEST(PoolE2E, FirstRefreshesWaitTheirStaggerDelay) {
  auto sim = StartSim(kServers, {});
  const std::vector<int> ports = Ports(*sim);
  ASSERT_EQ(ports.size(), static_cast<size_t>(kServers));
  std::string config =
      "refresh_interval: 60s\nmax_concurrent_requests: 16\n"
      "refresh_stagger: 4s\nservers:\n";
  for (int i = 0; i < kServers; ++i) config += Entry(Name(i), *sim, ports[i]);
  const auto spawned = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  ExporterProcess e(config);
  json logins;
  ASSERT_TRUE(WaitFor([&] {
    logins = json::parse(sim->StatsJson())["first_login_ms_by_port"];
    return logins.size() == static_cast<size_t>(kServers);
  })) << e.Stderr();
  // Each server's delay, as logged: min(4s, 60s, 49 x 100ms) = 4s window.
  const std::string log = e.Stderr();
  const std::regex line(
      "msg=\"first refresh scheduled\" server=(s[0-9]+) delay=([0-9]+)ms");
  std::map<std::string, int64_t> delays;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line);
       it != std::sregex_iterator(); ++it) {
    delays[(*it)[1]] = std::stoll((*it)[2]);
  }
  ASSERT_EQ(delays.size(), static_cast<size_t>(kServers));
  int64_t earliest = INT64_MAX, latest = 0, longest = 0;
  for (int i = 0; i < kServers; ++i) {
    const int64_t delay = delays.at(Name(i));
    EXPECT_LT(delay, 4000);
    longest = std::max(longest, delay);
    const int64_t login = logins.at(std::to_string(ports[i])).get<int64_t>();
    EXPECT_GE(login, spawned + delay) << Name(i);  // never before its delay
    earliest = std::min(earliest, login);
    latest = std::max(latest, login);
  }
  // Spread: the logins are not all within one second.
  EXPECT_GT(longest, 2000);
  EXPECT_GT(latest - earliest, 1000);
}

}  // namespace
}  // namespace vb365
