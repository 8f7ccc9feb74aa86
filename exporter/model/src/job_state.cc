#include "model/job_state.h"

#include <algorithm>
#include <utility>

namespace vb365 {
namespace {

// Index in kTrackedEndStatuses, or -1.
int TrackedIndex(SessionStatus s) {
  for (size_t i = 0; i < kTrackedEndStatuses.size(); ++i) {
    if (kTrackedEndStatuses[i] == s) return static_cast<int>(i);
  }
  return -1;
}

// Whether `a` is a later finished session than `b` (creationTime, then end
// time, then id: a total order, so duplicates and fetch order never matter).
bool LaterThan(const JobSession& a, const JobSession& b) {
  if (a.creation_time != b.creation_time) {
    return a.creation_time > b.creation_time;
  }
  if (a.end_time != b.end_time) return a.end_time > b.end_time;
  return b.id < a.id;
}

// Which active session the running series describe: a Running one before a
// Queued one, then the newest.
bool BetterRunning(const JobSession& a, const JobSession& b) {
  const bool a_running = a.status == SessionStatus::kRunning;
  const bool b_running = b.status == SessionStatus::kRunning;
  if (a_running != b_running) return a_running;
  if (a.creation_time != b.creation_time) {
    return a.creation_time > b.creation_time;
  }
  return b.id < a.id;
}

uint64_t NonNegative(int64_t v) { return v > 0 ? static_cast<uint64_t>(v) : 0; }

}  // namespace

JobTracker::JobTracker(Job job) { summary_.job = std::move(job); }

JobTracker::JobTracker(Job job, const JobTrackerState& saved)
    : applied_(1), watermark_(saved.watermark) {
  summary_.job = std::move(job);
  summary_.sessions_total = saved.sessions_total;
  summary_.transferred_bytes_total = saved.transferred_bytes_total;
  summary_.processed_objects_total = saved.processed_objects_total;
  at_watermark_.insert(saved.at_watermark.begin(), saved.at_watermark.end());
  for (const auto& [id, misses] : saved.pending) pending_[id] = misses;
}

JobTrackerState JobTracker::SaveState() const {
  JobTrackerState out;
  out.watermark = watermark_;
  out.at_watermark.assign(at_watermark_.begin(), at_watermark_.end());
  std::sort(out.at_watermark.begin(), out.at_watermark.end());
  out.pending.assign(pending_.begin(), pending_.end());
  std::sort(out.pending.begin(), out.pending.end());
  out.sessions_total = summary_.sessions_total;
  out.transferred_bytes_total = summary_.transferred_bytes_total;
  out.processed_objects_total = summary_.processed_objects_total;
  return out;
}

void JobTracker::UpdateJob(Job job) { summary_.job = std::move(job); }

void JobTracker::Count(const JobSession& s) {
  ++summary_.sessions_total[static_cast<size_t>(s.status)];
  if (s.has_statistics) {
    summary_.transferred_bytes_total +=
        NonNegative(s.statistics.transferred_data_bytes);
    summary_.processed_objects_total +=
        NonNegative(s.statistics.processed_objects);
  }
}

void JobTracker::UpdateLastFinished(const JobSession& s) {
  if (!summary_.has_last_finished || LaterThan(s, summary_.last_finished)) {
    summary_.last_finished = s;
    summary_.has_last_finished = true;
  }
  const int tracked = TrackedIndex(s.status);
  if (tracked >= 0) {
    Timestamp& end = summary_.last_status_end[static_cast<size_t>(tracked)];
    if (end == kNoTime || s.end_time > end) end = s.end_time;
  }
}

// Per fetch: the watermark before it, the new one, and the finished ids seen
// at each. Ids at old_watermark are merged only after the fetch, so that the
// "not seen at the watermark" test uses the state before the fetch.
struct JobTracker::WatermarkUpdate {
  Timestamp old_watermark;
  Timestamp new_watermark;
  std::vector<Id> at_old_watermark;
  std::vector<Id> at_new_watermark;
  // Ids counted in this fetch because they were new: guards duplicates
  // within one fetch. Holds only new sessions, so it stays small.
  std::unordered_set<Id, IdHash> counted_now;

  void See(const JobSession& s) {
    if (s.creation_time > new_watermark) {
      new_watermark = s.creation_time;
      at_new_watermark.clear();
    }
    if (s.creation_time == new_watermark && new_watermark != old_watermark) {
      at_new_watermark.push_back(s.id);
    } else if (s.creation_time == old_watermark) {
      at_old_watermark.push_back(s.id);
    }
  }
};

// Counting rule for a finished session, against the state before this fetch:
//  - its id is pending (seen running before): count it, forget the id;
//  - else created after the watermark (the newest creationTime of a finished
//    session seen so far), or at the watermark with an id not seen there:
//    new, count it;
//  - else it was seen finished before (or was part of the baseline): skip.
// A counted session is finished, so afterwards its creationTime is at or
// below the watermark (and in at_watermark_ when equal): never counted again.
// The price of O(running) memory: a session that first shows up with a
// creationTime older than a finished session already seen, and was never
// seen running, is taken as already counted. The API lists sessions as soon
// as they are created, so this needs a read window that skipped it.
void JobTracker::CountIfNew(const JobSession& s, bool baseline,
                            WatermarkUpdate& update) {
  auto pending = pending_.find(s.id);
  if (pending != pending_.end()) {
    pending_.erase(pending);
    if (!baseline) Count(s);  // cannot be pending at the baseline
    update.counted_now.insert(s.id);
  } else if (!baseline && update.counted_now.count(s.id) == 0) {
    const bool is_new = s.creation_time > update.old_watermark ||
                        (s.creation_time == update.old_watermark &&
                         at_watermark_.count(s.id) == 0);
    if (is_new) {
      Count(s);
      update.counted_now.insert(s.id);
    }
  }
}

void JobTracker::AdvanceWatermark(const WatermarkUpdate& update) {
  if (update.new_watermark != update.old_watermark) {
    watermark_ = update.new_watermark;
    at_watermark_.clear();
    at_watermark_.insert(update.at_new_watermark.begin(),
                         update.at_new_watermark.end());
  } else {
    at_watermark_.insert(update.at_old_watermark.begin(),
                         update.at_old_watermark.end());
  }
}

void JobTracker::UpdatePending(const std::unordered_set<Id, IdHash>& active) {
  // Everything active now is pending; an id missing from the fetch ages out
  // after kPendingMissLimit fetches in a row.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (active.count(it->first) == 0 && ++it->second >= kPendingMissLimit) {
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (const Id& id : active) pending_[id] = 0;
}

void JobTracker::UpdateRunning(const std::vector<JobSession>& sessions,
                               const std::unordered_set<Id, IdHash>& active) {
  // From the status too: a session with an unknown status and no end time
  // is pending (counted when it finishes) but not running.
  const JobSession* best_running = nullptr;
  for (const JobSession& s : sessions) {
    if (!IsActive(s.status) || active.count(s.id) == 0) continue;
    if (best_running == nullptr || BetterRunning(s, *best_running)) {
      best_running = &s;
    }
  }
  // The job's lastStatus also says it runs: a server may leave running
  // sessions out of bounded reads (start and progress are then unknown).
  const bool job_active = summary_.job.last_status.has_value() &&
                          IsActive(*summary_.job.last_status);
  summary_.running = best_running != nullptr || job_active;
  summary_.running_start =
      best_running != nullptr ? best_running->creation_time : kNoTime;
  summary_.running_progress =
      best_running != nullptr ? best_running->progress : 0;
}

void JobTracker::Apply(const std::vector<JobSession>& sessions) {
  const bool baseline = applied_ == 0;
  ++applied_;

  // Unfinished ids of this fetch (O(running)); a finished copy of the same id
  // in the same fetch wins (a page boundary moved while paging).
  std::unordered_set<Id, IdHash> active;
  for (const JobSession& s : sessions) {
    if (!s.finished()) active.insert(s.id);
  }

  WatermarkUpdate update{watermark_, watermark_, {}, {}, {}};
  for (const JobSession& s : sessions) {
    if (!s.finished()) continue;
    active.erase(s.id);
    UpdateLastFinished(s);
    CountIfNew(s, baseline, update);
    update.See(s);
  }
  AdvanceWatermark(update);
  UpdatePending(active);
  UpdateRunning(sessions, active);
}

}  // namespace vb365
