#include "model/restore_state.h"

#include <algorithm>

namespace vb365 {
namespace {

constexpr std::array<std::string_view, 4> kTypes = {"Vex", "Veod", "Vesp",
                                                    "Vet"};
constexpr std::array<std::string_view, 3> kResults = {"Success", "Warning",
                                                      "Failed"};

template <size_t N>
size_t Find(const std::array<std::string_view, N>& names,
            std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return i;
  }
  return N;
}

}  // namespace

RestoreType ParseRestoreType(std::string_view text) {
  return static_cast<RestoreType>(Find(kTypes, text));
}
std::string_view RestoreTypeName(RestoreType t) {
  const auto i = static_cast<size_t>(t);
  return i < kTypes.size() ? kTypes[i] : "Unknown";
}
RestoreResult ParseRestoreResult(std::string_view text) {
  return static_cast<RestoreResult>(Find(kResults, text));
}
std::string_view RestoreResultName(RestoreResult r) {
  const auto i = static_cast<size_t>(r);
  return i < kResults.size() ? kResults[i] : "Unknown";
}

RestoreTracker::RestoreTracker(const RestoreTrackerState& saved)
    : applied_(true) {
  for (size_t t = 0; t < counts_.size(); ++t) {
    counts_[t].finished = saved.finished[t];
  }
  for (const RestoreTrackerState::SeenId& s : saved.seen) {
    seen_.emplace(s.id, Seen{s.end, s.created});
  }
}

RestoreTrackerState RestoreTracker::SaveState() const {
  RestoreTrackerState out;
  for (size_t t = 0; t < counts_.size(); ++t) {
    out.finished[t] = counts_[t].finished;
  }
  out.seen.reserve(seen_.size());
  for (const auto& [id, s] : seen_) out.seen.push_back({id, s.end, s.created});
  std::sort(out.seen.begin(), out.seen.end(),
            [](const RestoreTrackerState::SeenId& a,
               const RestoreTrackerState::SeenId& b) { return a.id < b.id; });
  return out;
}

void RestoreTracker::Apply(const std::vector<RestoreSession>& sessions) {
  const bool baseline = !applied_;
  for (RestoreTypeCounts& c : counts_) c.running = 0;
  std::unordered_map<Id, bool, IdHash> running_now;  // de-duplicated
  for (const RestoreSession& s : sessions) {
    const auto type = static_cast<size_t>(s.type);
    if (!s.finished()) {
      if (s.working) running_now.emplace(s.id, true);
      continue;
    }
    auto [it, inserted] =
        seen_.emplace(s.id, Seen{s.end_time, s.creation_time});
    if (!inserted || baseline) continue;
    ++counts_[type].finished[static_cast<size_t>(s.result)];
  }
  for (const RestoreSession& s : sessions) {
    if (s.working && running_now.erase(s.id) > 0) {
      ++counts_[static_cast<size_t>(s.type)].running;
    }
  }
  applied_ = true;
}

void RestoreTracker::Forget(Timestamp end_before, Timestamp created_before) {
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (it->second.end < end_before && it->second.created < created_before) {
      it = seen_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace vb365
