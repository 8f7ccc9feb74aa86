// The threads that refresh every server: a fixed pool of workers shared by
// all the servers of the process. Each server's refresh is a scheduled task
// run on one worker (its lead); its per-job session reads are spread over
// the lead and the workers that are free, up to a per-server cap. Threads
// and connections are bounded by the pool size, whatever the number of
// servers (docs/collection.md, "One pool for every server").
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vb365 {

struct RefreshPoolOptions {
  // Worker threads: requests in flight at once over every server (the
  // config's top-level max_concurrent_requests).
  int workers = 16;
  // Workers one server's refresh may hold at once (its lead included);
  // zero: max(1, workers / 2), so one slow server never holds them all.
  int per_server = 0;
};

// Thread-safe. Destroying the pool stops it: no task starts any more, the
// ones running are waited for (callers abort their transfers first).
class RefreshPool {
 public:
  using Clock = std::chrono::steady_clock;
  using TaskId = uint64_t;

  explicit RefreshPool(RefreshPoolOptions options = {});
  ~RefreshPool();
  RefreshPool(const RefreshPool&) = delete;
  RefreshPool& operator=(const RefreshPool&) = delete;

  int workers() const { return options_.workers; }
  int per_server() const { return options_.per_server; }

  // Runs `run` on a worker first at `first`, then again `interval` after
  // each run *started* (at once when a run took longer; runs of one task
  // never overlap). When several tasks are due, the earliest due goes first.
  TaskId Schedule(std::function<void()> run, std::chrono::milliseconds interval,
                  Clock::time_point first);
  // No run of `id` starts after this returns. Waits up to `timeout` for a
  // run in progress; false if it is still running then (it ends on its own;
  // Cancel may be called again to wait for it).
  bool Cancel(TaskId id, std::chrono::milliseconds timeout);

  // Calls task(i) for every i in [0, n), on the calling thread and on up to
  // max_threads - 1 (and per_server() - 1) pool workers that have nothing
  // due; returns when every call has returned. task returning false stops
  // the rest (no further i starts). A worker that helps leaves between two
  // calls when a scheduled run is due, so helping never delays a refresh
  // that is due beyond one call. `scope` (may be empty) wraps each
  // helper's stay (a receive-buffer reuse guard).
  void ParallelFor(
      size_t n, int max_threads, const std::function<bool(size_t)>& task,
      const std::function<void(const std::function<void()>&)>& scope = {});

  // Workers running a task or helping now (for tests and self metrics).
  int Busy() const;
  // Scheduled tasks due and waiting for a worker now.
  int Waiting() const;

 private:
  struct Task {
    std::function<void()> run;
    std::chrono::milliseconds interval{0};
    Clock::time_point due;
    bool running = false;
    bool cancelled = false;
  };
  struct Batch {
    size_t n = 0;
    size_t next = 0;  // guarded by mu_
    int helpers = 0;  // workers inside the batch now; guarded by mu_
    int max_helpers = 0;
    bool stop = false;  // guarded by mu_
    const std::function<bool(size_t)>* task = nullptr;
    const std::function<void(const std::function<void()>&)>* scope = nullptr;
  };

  void Work();
  // The due task with the earliest due time (not running, not cancelled),
  // or tasks_.end(); *next_due gets the earliest future due time.
  std::map<TaskId, Task>::iterator NextDue(Clock::time_point now,
                                           Clock::time_point* next_due);
  Batch* BatchToHelp();
  void RunTask(std::unique_lock<std::mutex>& lock, TaskId id, Task& task);
  void Help(std::unique_lock<std::mutex>& lock, Batch* batch);
  // Under mu_: takes the next index of batch, false when none is left.
  static bool Take(Batch* batch, size_t* i);

  RefreshPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_;  // a task may be due, a batch needs help
  std::condition_variable done_;  // a run or a helper's call ended
  std::map<TaskId, Task> tasks_;
  std::vector<Batch*> batches_;  // ParallelFor calls with indices left
  TaskId next_id_ = 1;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The start-up delay of a server's first refresh: a fraction of `window`
// given by a hash of its name (FNV-1a, then a 64-bit mixer: not the shard's
// bare hash, so the servers of one shard still spread). The same name gets
// the same delay at every start.
std::chrono::milliseconds StaggerDelay(const std::string& name,
                                       std::chrono::milliseconds window);

}  // namespace vb365
