#include "collection/refresh_pool.h"

#include <algorithm>
#include <utility>

namespace vb365 {

RefreshPool::RefreshPool(RefreshPoolOptions options) : options_(options) {
  options_.workers = std::max(1, options_.workers);
  if (options_.per_server <= 0) {
    options_.per_server = std::max(1, options_.workers / 2);
  }
  threads_.reserve(static_cast<size_t>(options_.workers));
  for (int w = 0; w < options_.workers; ++w) {
    threads_.emplace_back([this] { Work(); });
  }
}

RefreshPool::~RefreshPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

RefreshPool::TaskId RefreshPool::Schedule(std::function<void()> run,
                                          std::chrono::milliseconds interval,
                                          Clock::time_point first) {
  TaskId id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    Task& task = tasks_[id];
    task.run = std::move(run);
    task.interval = interval;
    task.due = first;
  }
  work_.notify_all();
  return id;
}

bool RefreshPool::Cancel(TaskId id, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return true;
  it->second.cancelled = true;
  const bool ended = done_.wait_for(lock, timeout, [&] {
    auto found = tasks_.find(id);
    return found == tasks_.end() || !found->second.running;
  });
  if (!ended) return false;
  tasks_.erase(id);
  return true;
}

int RefreshPool::Busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return busy_;
}

int RefreshPool::Waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  int waiting = 0;
  for (const auto& [id, task] : tasks_) {
    waiting += !task.running && !task.cancelled && task.due <= now ? 1 : 0;
  }
  return waiting;
}

std::map<RefreshPool::TaskId, RefreshPool::Task>::iterator RefreshPool::NextDue(
    Clock::time_point now, Clock::time_point* next_due) {
  auto best = tasks_.end();
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
    const Task& task = it->second;
    if (task.running || task.cancelled) continue;
    if (task.due > now) {
      *next_due = std::min(*next_due, task.due);
    } else if (best == tasks_.end() || task.due < best->second.due) {
      best = it;
    }
  }
  return best;
}

bool RefreshPool::Take(Batch* batch, size_t* i) {
  if (batch->stop || batch->next >= batch->n) return false;
  *i = batch->next++;
  return true;
}

RefreshPool::Batch* RefreshPool::BatchToHelp() {
  Batch* best = nullptr;
  for (Batch* b : batches_) {
    if (b->stop || b->next >= b->n || b->helpers >= b->max_helpers) continue;
    // The batch with the fewest helpers: free workers spread over servers.
    if (best == nullptr || b->helpers < best->helpers) best = b;
  }
  return best;
}

void RefreshPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    Clock::time_point next_due = Clock::time_point::max();
    auto due = NextDue(now, &next_due);
    if (due != tasks_.end()) {
      RunTask(lock, due->first, due->second);
      continue;
    }
    if (Batch* batch = BatchToHelp()) {
      Help(lock, batch);
      continue;
    }
    if (next_due == Clock::time_point::max()) {
      work_.wait(lock);
    } else {
      work_.wait_until(lock, next_due);
    }
  }
}

void RefreshPool::RunTask(std::unique_lock<std::mutex>& lock, TaskId id,
                          Task& task) {
  // std::map nodes stay put: `task` is valid until Cancel erases it, which
  // waits for running to be false.
  task.running = true;
  ++busy_;
  const Clock::time_point started = Clock::now();
  lock.unlock();
  task.run();
  lock.lock();
  --busy_;
  task.running = false;
  // One interval after this run started; at once when it took longer.
  task.due = started + task.interval;
  static_cast<void>(id);
  done_.notify_all();
}

void RefreshPool::Help(std::unique_lock<std::mutex>& lock, Batch* batch) {
  ++batch->helpers;
  ++busy_;
  size_t i = 0;
  if (Take(batch, &i)) {
    lock.unlock();
    auto stay = [&] {
      std::unique_lock<std::mutex> inner(mu_);
      for (;;) {
        inner.unlock();
        const bool go_on = (*batch->task)(i);
        inner.lock();
        if (!go_on) batch->stop = true;
        // A due refresh takes this worker back between two calls.
        Clock::time_point ignored = Clock::time_point::max();
        if (stopping_ || NextDue(Clock::now(), &ignored) != tasks_.end()) {
          break;
        }
        if (!Take(batch, &i)) break;
      }
    };
    if (batch->scope != nullptr && *batch->scope) {
      (*batch->scope)(stay);
    } else {
      stay();
    }
    lock.lock();
  }
  --busy_;
  --batch->helpers;
  done_.notify_all();
}

void RefreshPool::ParallelFor(
    size_t n, int max_threads, const std::function<bool(size_t)>& task,
    const std::function<void(const std::function<void()>&)>& scope) {
  if (n == 0) return;
  Batch batch;
  batch.n = n;
  batch.task = &task;
  batch.scope = &scope;
  batch.max_helpers = std::min(max_threads, options_.per_server) - 1;
  std::unique_lock<std::mutex> lock(mu_);
  if (batch.max_helpers > 0 && n > 1) {
    batches_.push_back(&batch);
    work_.notify_all();
  }
  // The caller reads too, so the batch ends even when no worker is free.
  auto own = [&] {
    size_t i = 0;
    while (Take(&batch, &i)) {
      lock.unlock();
      const bool go_on = task(i);
      lock.lock();
      if (!go_on) batch.stop = true;
    }
  };
  if (scope) {
    lock.unlock();
    scope([&] {
      lock.lock();
      own();
      lock.unlock();
    });
    lock.lock();
  } else {
    own();
  }
  batches_.erase(std::remove(batches_.begin(), batches_.end(), &batch),
                 batches_.end());
  done_.wait(lock, [&] { return batch.helpers == 0; });
}

std::chrono::milliseconds StaggerDelay(const std::string& name,
                                       std::chrono::milliseconds window) {
  if (window.count() <= 0) return std::chrono::milliseconds(0);
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // splitmix64's finalizer: every bit of the name moves the high bits.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  const double fraction =
      static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
  return std::chrono::milliseconds(
      static_cast<int64_t>(fraction * static_cast<double>(window.count())));
}

}  // namespace vb365
