#include "metrics/snapshot_collector.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "family_table.h"

namespace vb365 {

SnapshotCollector::SnapshotCollector(SnapshotCollectorOptions options)
    : options_(options) {
  if (options_.coalesce) render_thread_ = std::thread([this] { RenderLoop(); });
}

SnapshotCollector::~SnapshotCollector() {
  if (!render_thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  render_wanted_.notify_all();
  render_thread_.join();
}

bool SnapshotCollector::Publish(
    std::shared_ptr<const ServerSnapshot> snapshot) {
  if (!snapshot) return true;
  std::unique_lock<std::mutex> lock(mu_);
  const std::string key = snapshot->server;
  snapshots_[key] = std::move(snapshot);
  if (options_.coalesce) {
    ++generation_;
    render_wanted_.notify_one();
    return true;
  }
  return RenderLocked(std::move(lock));
}

bool SnapshotCollector::Remove(const std::string& server) {
  std::unique_lock<std::mutex> lock(mu_);
  if (snapshots_.erase(server) == 0) return true;
  if (options_.coalesce) {
    const uint64_t generation = ++generation_;
    urgent_ = true;
    render_wanted_.notify_one();
    rendered_.wait(
        lock, [&] { return tried_generation_ >= generation || stopping_; });
    return text_generation_ >= generation;
  }
  return RenderLocked(std::move(lock));
}

void SnapshotCollector::RenderLoop() {
  using Steady = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (generation_ == tried_generation_) {
      render_wanted_.wait(lock);
      continue;
    }
    const auto spacing = std::max<Steady::duration>(
        options_.min_spacing, options_.spacing_factor * last_took_);
    const Steady::time_point earliest = last_end_ + spacing;
    if (!urgent_ && Steady::now() < earliest) {
      render_wanted_.wait_until(lock, earliest);
      continue;
    }
    urgent_ = false;
    const uint64_t generation = generation_;
    const Steady::time_point start = Steady::now();
    RenderGeneration(lock, generation);
#if defined(__GLIBC__)
    // The render's transient memory (the deflate state, the text pieces)
    // was freed after the refresh's own malloc_trim: hand it back too, or
    // the idle RSS keeps it until the next refresh (bench/README.md,
    // "Memory"). Outside the lock: scrapes go on meanwhile.
    lock.unlock();
    malloc_trim(0);
    lock.lock();
#endif
    last_end_ = Steady::now();
    last_took_ = last_end_ - start;
    tried_generation_ = generation;
    rendered_.notify_all();
  }
  rendered_.notify_all();
}

bool SnapshotCollector::RenderLocked(std::unique_lock<std::mutex> lock) {
  const uint64_t generation = ++generation_;
  return RenderGeneration(lock, generation);
}

bool SnapshotCollector::RenderGeneration(std::unique_lock<std::mutex>& lock,
                                         uint64_t generation) {
  std::vector<std::shared_ptr<const ServerSnapshot>> copy;
  copy.reserve(snapshots_.size());
  for (const auto& [name, snap] : snapshots_) copy.push_back(snap);
  lock.unlock();
  // Rendered outside the lock (CPU only: no network, no refresh; scrapes
  // meanwhile get the previous page) and compressed as it is rendered: only
  // the deflate stream is kept (0.8 MB for the 6.3 MB page of 1,000 jobs).
  // A gzip'd scrape splices it in as it is (ExpositionGzip); any other
  // scrape inflates it (Text()).
  Deflater deflater;
  RenderSnapshotsText(copy, [&deflater](std::string_view piece) {
    deflater.Write(piece);  // a failure sticks: TakePage() sees it
  });
  deflater.Write("", Deflater::End::kFinal);
  std::optional<DeflatedPage> rendered = deflater.TakePage();
  if (!rendered) {
    lock.lock();
    return false;  // the previous page stays
  }
  rendered->deflated.shrink_to_fit();
  auto page = std::make_shared<const Page>(std::move(*rendered));
  lock.lock();
  ++renders_;
  // Two servers publishing at once: the render of the newer set wins.
  if (generation > text_generation_) {
    page_ = std::move(page);
    text_generation_ = generation;
  }
  return true;
}

uint64_t SnapshotCollector::Renders() const {
  std::lock_guard<std::mutex> lock(mu_);
  return renders_;
}

bool SnapshotCollector::AppendServerText(const std::string& server,
                                         std::string* out) const {
  std::shared_ptr<const ServerSnapshot> snapshot = Get(server);
  if (!snapshot) return false;
  AppendSnapshotsText({snapshot}, out);
  return true;
}

std::shared_ptr<const ServerSnapshot> SnapshotCollector::Get(
    const std::string& server) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = snapshots_.find(server);
  return it == snapshots_.end() ? nullptr : it->second;
}

std::shared_ptr<const SnapshotCollector::Page> SnapshotCollector::CachedPage()
    const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (page_) return page_;
  }
  // Before the first Publish has rendered: an empty page.
  std::optional<DeflatedPage> empty = DeflatePage("");
  if (!empty) throw std::runtime_error("cannot deflate an empty page");
  return std::make_shared<const Page>(std::move(*empty));
}

void SnapshotCollector::AppendText(std::string* out) const {
  // Our own stream, inflated into its known size: failing is a bug (or
  // out of memory), never input.
  if (!InflatePage(*CachedPage(), out)) {
    throw std::runtime_error("cached metrics page does not inflate");
  }
}

std::shared_ptr<const std::string> SnapshotCollector::Text() const {
  auto text = std::make_shared<std::string>();
  AppendText(text.get());
  return text;
}

void SnapshotCollector::AppendFreshText(std::string* out) const {
  AppendSnapshotsText(Snapshots(), out);
}

std::vector<std::shared_ptr<const ServerSnapshot>>
SnapshotCollector::Snapshots() const {
  std::vector<std::shared_ptr<const ServerSnapshot>> copy;
  std::lock_guard<std::mutex> lock(mu_);
  copy.reserve(snapshots_.size());
  for (const auto& [name, snap] : snapshots_) copy.push_back(snap);
  return copy;
}

std::vector<prometheus::MetricFamily> SnapshotCollector::Collect() const {
  return RenderSnapshots(Snapshots());
}

}  // namespace vb365
