// Per-job state kept across refreshes, and the immutable snapshot a refresh
// publishes for /metrics. Pure functions of the sessions they are given.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/resources.h"
#include "model/types.h"

namespace vb365 {

// Statuses that get a vb365_job_last_status_timestamp_seconds series.
inline constexpr std::array<SessionStatus, 4> kTrackedEndStatuses = {
    SessionStatus::kSuccess, SessionStatus::kWarning, SessionStatus::kFailed,
    SessionStatus::kStopped};

// What /metrics shows for one job. A value type: copied into snapshots.
struct JobSummary {
  Job job;

  bool running = false;  // a session is Running or Queued
  Timestamp running_start = kNoTime;
  int64_t running_progress = 0;

  // The latest finished session by creationTime; a running one never hides it.
  bool has_last_finished = false;
  JobSession last_finished;

  // End time of the latest session that finished with each tracked status
  // (index as in kTrackedEndStatuses); kNoTime when none was seen.
  std::array<Timestamp, 4> last_status_end{kNoTime, kNoTime, kNoTime, kNoTime};

  // Sessions that finished while the exporter watched (the first refresh is
  // the baseline and counts nothing). Indexed by SessionStatus.
  std::array<uint64_t, kSessionStatusCount> sessions_total{};
  uint64_t transferred_bytes_total = 0;
  uint64_t processed_objects_total = 0;
};

// What a JobTracker needs to go on counting exactly once after a restart
// (the state file): the watermark and its ids, the pending ids and the
// counters. A plain value; O(running sessions) like the tracker.
struct JobTrackerState {
  Timestamp watermark = kNoTime;
  std::vector<Id> at_watermark;             // sorted
  std::vector<std::pair<Id, int>> pending;  // id -> misses; sorted by id
  std::array<uint64_t, kSessionStatusCount> sessions_total{};
  uint64_t transferred_bytes_total = 0;
  uint64_t processed_objects_total = 0;

  bool operator==(const JobTrackerState& o) const {
    return watermark == o.watermark && at_watermark == o.at_watermark &&
           pending == o.pending && sessions_total == o.sessions_total &&
           transferred_bytes_total == o.transferred_bytes_total &&
           processed_objects_total == o.processed_objects_total;
  }
  bool operator!=(const JobTrackerState& o) const { return !(*this == o); }
};

// Folds fetches of one job's sessions into a JobSummary. Counts each finished
// session exactly once, including sessions that finished during an outage and
// are first seen after it, while keeping O(running sessions) memory: it keeps
// the newest creationTime seen (the watermark), the ids created at exactly that
// time, and the ids of sessions that were still running. Not thread-safe.
class JobTracker {
 public:
  explicit JobTracker(Job job);
  // A tracker that goes on from a saved state: its first Apply() is not a
  // baseline; it counts what finished after the saved watermark (and the
  // saved pending ids), on top of the saved counters.
  JobTracker(Job job, const JobTrackerState& saved);

  // The state to save; only meaningful once applied() > 0 (before the
  // baseline there is nothing to go on from).
  JobTrackerState SaveState() const;

  // Applies one fetch of the job's sessions, in any order, duplicates
  // allowed: the whole history (v3 to v6) or the sessions since a lower
  // bound (v7/v8); a session already seen gives the same result either way.
  // The first call is the baseline.
  void Apply(const std::vector<JobSession>& sessions);
  // Jobs are re-listed every refresh: take the new job fields.
  void UpdateJob(Job job);
  // Apply() calls so far.
  uint64_t applied() const { return applied_; }
  const JobSummary& summary() const { return summary_; }
  // How many ids the tracker holds (at the watermark + pending): stays
  // O(running sessions), never O(history).
  size_t tracked_ids() const { return at_watermark_.size() + pending_.size(); }

  // A pending id missing from this many fetches in a row is forgotten (the
  // session was deleted, or fell out of the read window): bounds memory.
  static constexpr int kPendingMissLimit = 3;

 private:
  // What one Apply() learns about the watermark (see job_state.cc).
  struct WatermarkUpdate;

  // Counts one finished session into the counters.
  void Count(const JobSession& s);
  // The last finished session and the per-status end times (maxima).
  void UpdateLastFinished(const JobSession& s);
  // Counts a finished session unless it was counted (or was the baseline).
  void CountIfNew(const JobSession& s, bool baseline, WatermarkUpdate& update);
  // Takes the watermark and its ids from this fetch.
  void AdvanceWatermark(const WatermarkUpdate& update);
  // Pending ids become this fetch's unfinished ones; a missing one ages out.
  void UpdatePending(const std::unordered_set<Id, IdHash>& active);
  // The running series, from this fetch only.
  void UpdateRunning(const std::vector<JobSession>& sessions,
                     const std::unordered_set<Id, IdHash>& active);

  JobSummary summary_;
  uint64_t applied_ = 0;
  Timestamp watermark_ = kNoTime;
  std::unordered_set<Id, IdHash> at_watermark_;
  // Seen while not finished -> fetches in a row it was missing from.
  std::unordered_map<Id, int, IdHash> pending_;
};

// One server's state as of its last refresh. Immutable once published.
struct ServerSnapshot {
  std::string server;  // config name
  bool up = false;     // last refresh logged in and listed the jobs
  double refresh_duration_seconds = 0;
  Timestamp last_success = kNoTime;
  // End of the latest refresh, successful or not (kNoTime before the first).
  Timestamp last_refresh = kNoTime;
  // Why the latest refresh failed ("" after a success or before the first):
  // the text that is logged, which never holds a secret. For the status page
  // only; /metrics never shows it.
  std::string last_error;
  std::string product_version;   // from /ServiceInstance, may be ""
  std::string api_version;       // "v3".."v8", "" before the first success
  std::vector<JobSummary> jobs;  // sorted by job name, then id
  ServerResources resources;     // license, repositories, ... (issue 9)
};

}  // namespace vb365
