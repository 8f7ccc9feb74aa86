// Renders the latest ServerSnapshot of every server as metric families.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/gzip.h"
#include "model/job_state.h"

namespace vb365 {

struct SnapshotCollectorOptions {
  // false: every Publish renders on the caller's thread before it returns.
  // true: Publish only swaps the snapshot in; one render thread of the
  // collector renders the latest set, at once when it has been idle, else
  // no sooner than max(min_spacing, spacing_factor x the last render's
  // time) after the last render ended (with hundreds of servers a page of
  // 10,000 jobs is not rendered once per publish: at most ~1/(1 +
  // spacing_factor) of a core). Remove still waits for its render.
  bool coalesce = false;
  std::chrono::milliseconds min_spacing{1000};
  int spacing_factor = 4;
};

// Holds the latest immutable snapshot per server and its text exposition,
// kept compressed. Publish() swaps the snapshot's pointer, then renders the
// text of every server's snapshot (from the family tables, see
// docs/metrics.md) on the publishing thread, outside the lock, deflating it
// as it goes, and swaps that in: a scrape never renders and never waits for
// a refresh, a render or the network (during a render it gets the previous
// page). In the coalescing mode (the exporter's) Publish only swaps the
// pointer and the collector's render thread renders. As the
// CachedPageSource of an Exposition, a gzip'd scrape splices the stream in
// (ExpositionGzip), another inflates it (ExpositionText). Without
// coalescing, a job missing from the newest snapshot has no series once
// its Publish returns. Collect() still renders the families from the
// snapshots (tests, generic registries). Thread-safe.
class SnapshotCollector : public prometheus::Collectable,
                          public CachedPageSource {
 public:
  using Page = DeflatedPage;

  explicit SnapshotCollector(SnapshotCollectorOptions options = {});
  ~SnapshotCollector() override;
  SnapshotCollector(const SnapshotCollector&) = delete;
  SnapshotCollector& operator=(const SnapshotCollector&) = delete;

  // Replaces the snapshot of snapshot->server and re-renders the text
  // (about 0.1 s of CPU for 1,000 jobs with the compression, on the
  // caller's thread). False when compressing the new page failed: scrapes
  // keep getting the previous page (never a corrupt one); the snapshot is
  // replaced all the same and the next Publish renders it.
  bool Publish(std::shared_ptr<const ServerSnapshot> snapshot);
  // Drops the snapshot of `server` (a reload removed it) and re-renders:
  // once it returns, no scrape shows the server's series. Same return value
  // as Publish.
  bool Remove(const std::string& server);
  // The current snapshot of `server`, or nullptr.
  std::shared_ptr<const ServerSnapshot> Get(const std::string& server) const;
  // The text exposition of the published snapshots, inflated (never null;
  // empty until the first Publish has rendered).
  std::shared_ptr<const std::string> Text() const;

  // Appends Text() to *out (inflated in place: no second copy).
  void AppendText(std::string* out) const;

  // The page as kept: its raw deflate stream with the CRC-32 and length of
  // the text: what a gzip'd scrape splices in (ExpositionGzip). Never null.
  std::shared_ptr<const Page> CachedPage() const override;
  // The page rendered afresh from the current snapshots (AppendSnapshotsText).
  void AppendFreshText(std::string* out) const override;
  // Appends the series of one server's current snapshot to *out, rendered
  // afresh (a /probe scrape: CPU on the caller's thread, no network).
  // False (nothing appended) when no snapshot of `server` is published.
  bool AppendServerText(const std::string& server, std::string* out) const;
  // Every server's current snapshot, in server name order.
  std::vector<std::shared_ptr<const ServerSnapshot>> Snapshots() const;

  std::vector<prometheus::MetricFamily> Collect() const override;
  // Pages rendered so far (tests).
  uint64_t Renders() const;

 private:
  // Bumps the generation, renders the current set outside the lock and
  // swaps the page in (unless a newer render won).
  bool RenderLocked(std::unique_lock<std::mutex> lock);
  // Renders the current set as `generation` outside the lock; returns with
  // `lock` held.
  bool RenderGeneration(std::unique_lock<std::mutex>& lock,
                        uint64_t generation);
  void RenderLoop();  // the coalescing render thread

  const SnapshotCollectorOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ServerSnapshot>> snapshots_;
  uint64_t generation_ = 0;           // Publish calls so far
  std::shared_ptr<const Page> page_;  // null until the first render
  uint64_t text_generation_ = 0;      // the Publish that page_ shows
  // Coalescing mode (guarded by mu_): the last generation a render tried,
  // a Remove waiting, when the last render ended and how long it took.
  uint64_t tried_generation_ = 0;
  uint64_t renders_ = 0;
  bool urgent_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_end_{};
  std::chrono::steady_clock::duration last_took_{};
  std::condition_variable render_wanted_, rendered_;
  std::thread render_thread_;  // only when coalescing
};

// The families of metrics.md for these snapshots (in this order of servers):
// per-server gauges, then per-job series. Families without series are left
// out. Pure: for tests and benchmarks.
std::vector<prometheus::MetricFamily> RenderSnapshots(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots);

// Appends the text exposition (0.0.4, prometheus::TextSerializer) of the
// same families as RenderSnapshots to *out: one family at a time, built and
// serialized in chunks of jobs, so the intermediate MetricFamily objects
// stay small whatever the number of jobs. Pure.
void AppendSnapshotsText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    std::string* out);

// The state set values of vb365_job_last_session_status and
// vb365_job_sessions_total, in output order.
extern const std::vector<SessionStatus> kFinishedStatusSet;

}  // namespace vb365
