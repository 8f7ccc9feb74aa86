// Restore sessions (issue 9, part 2): the plain values of /RestoreSessions
// and the tracker that counts each finished restore exactly once.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/types.h"

namespace vb365 {

// Exchange, OneDrive, SharePoint and Teams explorers; any other string is
// kUnknown (last).
enum class RestoreType : uint8_t { kVex, kVeod, kVesp, kVet, kUnknown };
inline constexpr int kRestoreTypeCount = 5;
RestoreType ParseRestoreType(std::string_view text);
std::string_view RestoreTypeName(RestoreType t);

enum class RestoreResult : uint8_t { kSuccess, kWarning, kFailed, kUnknown };
inline constexpr int kRestoreResultCount = 4;
RestoreResult ParseRestoreResult(std::string_view text);
std::string_view RestoreResultName(RestoreResult r);

// One element of /RestoreSessions.
struct RestoreSession {
  Id id;
  RestoreType type = RestoreType::kUnknown;
  bool working = false;  // state Working
  RestoreResult result = RestoreResult::kUnknown;
  Timestamp creation_time = kNoTime;
  Timestamp end_time = kNoTime;  // kNoTime while working
  // Stopped (any state but Working; a session that is not Working but has
  // no end time is not finished either).
  bool finished() const { return !working && end_time != kNoTime; }
};

// What /metrics shows of one restore type.
struct RestoreTypeCounts {
  // Restores of this type that finished while the exporter watched, by
  // RestoreResult (the first read is the baseline and counts nothing).
  std::array<uint64_t, kRestoreResultCount> finished{};
  int64_t running = 0;  // in state Working in the last read
};

// What a RestoreTracker needs to go on after a restart (the state file).
struct RestoreTrackerState {
  // finished[type][result], as in RestoreTypeCounts.
  std::array<std::array<uint64_t, kRestoreResultCount>, kRestoreTypeCount>
      finished{};
  struct SeenId {
    Id id;
    Timestamp end = kNoTime;
    Timestamp created = kNoTime;
    bool operator==(const SeenId& o) const {
      return id == o.id && end == o.end && created == o.created;
    }
  };
  std::vector<SeenId> seen;  // sorted by id

  bool operator==(const RestoreTrackerState& o) const {
    return finished == o.finished && seen == o.seen;
  }
};

// Counts finished restores once each, by id. Memory: the ids of finished
// sessions that a later read can still return; Forget() drops the others.
// Not thread-safe.
class RestoreTracker {
 public:
  RestoreTracker() = default;
  // Goes on from a saved state: the first Apply() is not a baseline; it
  // counts the finished restores whose ids are not saved, on top of the
  // saved counters.
  explicit RestoreTracker(const RestoreTrackerState& saved);
  // Only meaningful once applied().
  RestoreTrackerState SaveState() const;
  // One read (duplicates allowed, any order). The first call is the
  // baseline: what is finished then is remembered, not counted.
  void Apply(const std::vector<RestoreSession>& sessions);
  // Drops the ids of sessions that ended before `end_before` and were
  // created before `created_before`: no later read returns them.
  void Forget(Timestamp end_before, Timestamp created_before);
  const std::array<RestoreTypeCounts, kRestoreTypeCount>& counts() const {
    return counts_;
  }
  bool applied() const { return applied_; }
  size_t tracked_ids() const { return seen_.size(); }

 private:
  struct Seen {
    Timestamp end;
    Timestamp created;
  };
  bool applied_ = false;
  std::array<RestoreTypeCounts, kRestoreTypeCount> counts_{};
  std::unordered_map<Id, Seen, IdHash> seen_;  // finished ids
};

}  // namespace vb365
