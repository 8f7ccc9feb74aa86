// The shared refresh pool (collection/refresh_pool.h): threads fixed by the
// pool size whatever the number of tasks, the global and per-server bounds
// on concurrent work, a stuck task not stopping the others, runs of one task
// never overlapping, and the start-up stagger. Waits poll with deadlines;
// nothing asserts timing.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collection/refresh_pool.h"

namespace vb365 {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

int ThreadsOfThisProcess() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) n += e->d_name[0] != '.' ? 1 : 0;
  closedir(dir);
  return n;
}

bool WaitFor(const std::function<bool()>& pred, double seconds = 60) {
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return pred();
}

// The most callers inside at once.
class Gauge {
 public:
  void Enter() {
    std::lock_guard<std::mutex> lock(mu_);
    max_ = std::max(max_, ++now_);
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(mu_);
    --now_;
  }
  int max() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_;
  }

 private:
  std::mutex mu_;
  int now_ = 0, max_ = 0;
};

TEST(RefreshPool, ThreadCountIsThePoolSizeWhateverTheNumberOfTasks) {
  const int before = ThreadsOfThisProcess();
  ASSERT_GT(before, 0);
  RefreshPool pool({4, 2});
  constexpr int kTasks = 300;
  std::vector<std::atomic<int>> runs(kTasks);
  std::vector<RefreshPool::TaskId> ids;
  for (int t = 0; t < kTasks; ++t) {
    ids.push_back(pool.Schedule(
        [&runs, &pool, t] {
          // A refresh with its per-job reads, like the Refresher's.
          pool.ParallelFor(5, 8, [](size_t) { return true; });
          ++runs[t];
        },
        milliseconds(20), Clock::now()));
  }
  int peak = 0;
  ASSERT_TRUE(WaitFor([&] {
    peak = std::max(peak, ThreadsOfThisProcess());
    return std::all_of(runs.begin(), runs.end(),
                       [](const std::atomic<int>& r) { return r >= 2; });
  }));
  EXPECT_LE(peak, before + pool.workers());
  for (RefreshPool::TaskId id : ids)
    EXPECT_TRUE(pool.Cancel(id, milliseconds(10'000)));
}

TEST(RefreshPool, WorkInsideAtOnceNeverExceedsTheWorkersOrThePerServerCap) {
  RefreshPool pool({4, 3});
  Gauge global;
  std::vector<std::unique_ptr<Gauge>> per_task;
  std::vector<std::atomic<int>> runs(20);
  std::vector<RefreshPool::TaskId> ids;
  for (int t = 0; t < 20; ++t) per_task.push_back(std::make_unique<Gauge>());
  for (int t = 0; t < 20; ++t) {
    Gauge* mine = per_task[t].get();
    ids.push_back(pool.Schedule(
        [&, mine, t] {
          auto read = [&](size_t) {
            global.Enter();
            mine->Enter();
            std::this_thread::sleep_for(milliseconds(2));
            mine->Leave();
            global.Leave();
            return true;
          };
          read(0);  // the lead's own request (the job listing)
          pool.ParallelFor(12, 64, read);
          ++runs[t];
        },
        milliseconds(10), Clock::now()));
  }
  ASSERT_TRUE(WaitFor([&] {
    return std::all_of(runs.begin(), runs.end(),
                       [](const std::atomic<int>& r) { return r >= 3; });
  }));
  for (RefreshPool::TaskId id : ids)
    EXPECT_TRUE(pool.Cancel(id, milliseconds(10'000)));
  EXPECT_LE(global.max(), 4);
  EXPECT_GE(global.max(), 2);  // the workers do run side by side
  int most = 0;
  for (auto& g : per_task) most = std::max(most, g->max());
  EXPECT_LE(most, 3);
}

TEST(RefreshPool, ATaskStuckInItsReadsDoesNotStopTheOthers) {
  RefreshPool pool({4, 2});
  std::atomic<bool> release{false};
  std::atomic<int> stuck_inside{0};
  auto stuck = pool.Schedule(
      [&] {
        pool.ParallelFor(50, 64, [&](size_t) {
          ++stuck_inside;
          WaitFor([&] { return release.load(); }, 120);
          --stuck_inside;
          return true;
        });
      },
      milliseconds(10), Clock::now());
  ASSERT_TRUE(WaitFor([&] { return stuck_inside == 2; }));  // its cap
  std::vector<std::atomic<int>> runs(10);
  std::vector<RefreshPool::TaskId> ids;
  for (int t = 0; t < 10; ++t) {
    ids.push_back(pool.Schedule(
        [&, t] {
          pool.ParallelFor(3, 8, [](size_t) { return true; });
          ++runs[t];
        },
        milliseconds(10), Clock::now()));
  }
  EXPECT_TRUE(WaitFor([&] {
    return std::all_of(runs.begin(), runs.end(),
                       [](const std::atomic<int>& r) { return r >= 5; });
  }));
  EXPECT_EQ(stuck_inside, 2);  // still stuck meanwhile, never more than 2
  release = true;
  for (RefreshPool::TaskId id : ids)
    EXPECT_TRUE(pool.Cancel(id, milliseconds(10'000)));
  EXPECT_TRUE(pool.Cancel(stuck, milliseconds(60'000)));
}

TEST(RefreshPool, RunsOfOneTaskNeverOverlapAndCancelWaitsForTheRunningOne) {
  RefreshPool pool({4, 2});
  std::atomic<int> inside{0}, most{0}, runs{0};
  std::atomic<bool> release{false};
  auto id = pool.Schedule(
      [&] {
        most = std::max(most.load(), ++inside);
        if (++runs == 5) WaitFor([&] { return release.load(); }, 120);
        --inside;
      },
      milliseconds(0), Clock::now());  // due again at once, every time
  ASSERT_TRUE(WaitFor([&] { return runs == 5; }));
  EXPECT_FALSE(pool.Cancel(id, milliseconds(50)));  // inside its 5th run
  release = true;
  EXPECT_TRUE(pool.Cancel(id, milliseconds(60'000)));
  const int after = runs;
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(runs, after);  // cancelled: no run started since
  EXPECT_EQ(most, 1);
}

TEST(RefreshPool, ParallelForRunsEveryIndexOnceAndStopsWhenTheTaskSaysSo) {
  RefreshPool pool({3, 3});
  std::vector<std::atomic<int>> seen(1000);
  pool.ParallelFor(1000, 8, [&](size_t i) {
    ++seen[i];
    return true;
  });
  for (auto& s : seen) EXPECT_EQ(s, 1);
  std::atomic<int> calls{0};
  pool.ParallelFor(1000, 8, [&](size_t) { return ++calls < 10; });
  EXPECT_LT(calls, 1000);  // at most one call more per worker after the stop
  EXPECT_GE(calls, 10);
}

TEST(StaggerDelay, SpreadsServersOverTheWindowTheSameWayEveryTime) {
  const milliseconds window(30'000);
  std::vector<int64_t> delays;
  for (int i = 0; i < 300; ++i) {
    const std::string name = "vbo-" + std::to_string(i) + ".example.com";
    const milliseconds d = StaggerDelay(name, window);
    EXPECT_EQ(d, StaggerDelay(name, window));
    EXPECT_GE(d.count(), 0);
    EXPECT_LT(d.count(), window.count());
    delays.push_back(d.count());
  }
  // Every tenth of the window gets some of the 300 servers, none most.
  std::vector<int> tenths(10);
  for (int64_t d : delays) ++tenths[static_cast<size_t>(d * 10 / 30'000)];
  for (int n : tenths) {
    EXPECT_GT(n, 5);
    EXPECT_LT(n, 90);
  }
  EXPECT_EQ(StaggerDelay("anything", milliseconds(0)).count(), 0);
}

}  // namespace
}  // namespace vb365
