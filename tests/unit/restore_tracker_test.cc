// RestoreTracker: each finished restore counted once by id, the first read
// a baseline, running ones per type, memory bounded by Forget().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/restore_state.h"

namespace vb365 {
namespace {

constexpr Timestamp kHour = 3600 * kTicksPerSecond;

RestoreSession Done(const std::string& id, RestoreType type,
                    RestoreResult result, Timestamp end) {
  RestoreSession s;
  s.id = ParseId(id);
  s.type = type;
  s.result = result;
  s.creation_time = end - kHour;
  s.end_time = end;
  return s;
}

RestoreSession Working(const std::string& id, RestoreType type) {
  RestoreSession s;
  s.id = ParseId(id);
  s.type = type;
  s.working = true;
  s.result = RestoreResult::kSuccess;
  s.creation_time = 100 * kHour;
  return s;
}

uint64_t Finished(const RestoreTracker& t, RestoreType type, RestoreResult r) {
  return t.counts()[static_cast<size_t>(type)].finished[static_cast<size_t>(r)];
}

TEST(RestoreTracker, BaselineCountsNothingThenEachFinishedOnce) {
  RestoreTracker t;
  t.Apply({Done("a", RestoreType::kVex, RestoreResult::kFailed, 10 * kHour),
           Working("b", RestoreType::kVeod)});
  EXPECT_EQ(Finished(t, RestoreType::kVex, RestoreResult::kFailed), 0u);
  EXPECT_EQ(t.counts()[static_cast<size_t>(RestoreType::kVeod)].running, 1);
  // b finishes, c is new and finished, a comes again: b and c count once.
  RestoreSession b =
      Done("b", RestoreType::kVeod, RestoreResult::kSuccess, 101 * kHour);
  RestoreSession c =
      Done("c", RestoreType::kVex, RestoreResult::kFailed, 102 * kHour);
  t.Apply({Done("a", RestoreType::kVex, RestoreResult::kFailed, 10 * kHour), b,
           c, c});
  EXPECT_EQ(Finished(t, RestoreType::kVex, RestoreResult::kFailed), 1u);
  EXPECT_EQ(Finished(t, RestoreType::kVeod, RestoreResult::kSuccess), 1u);
  EXPECT_EQ(t.counts()[static_cast<size_t>(RestoreType::kVeod)].running, 0);
  t.Apply({b, c});
  EXPECT_EQ(Finished(t, RestoreType::kVex, RestoreResult::kFailed), 1u);
  EXPECT_EQ(Finished(t, RestoreType::kVeod, RestoreResult::kSuccess), 1u);
}

TEST(RestoreTracker, RunningIsPerTypeAndDeduplicated) {
  RestoreTracker t;
  t.Apply({Working("x", RestoreType::kVesp), Working("x", RestoreType::kVesp),
           Working("y", RestoreType::kVesp), Working("z", RestoreType::kVet)});
  EXPECT_EQ(t.counts()[static_cast<size_t>(RestoreType::kVesp)].running, 2);
  EXPECT_EQ(t.counts()[static_cast<size_t>(RestoreType::kVet)].running, 1);
  t.Apply({});
  EXPECT_EQ(t.counts()[static_cast<size_t>(RestoreType::kVesp)].running, 0);
}

TEST(RestoreTracker, ForgetBoundsMemoryToWhatALaterReadCanReturn) {
  RestoreTracker t;
  t.Apply({});
  t.Apply(
      {Done("old", RestoreType::kVex, RestoreResult::kSuccess, 5 * kHour),
       Done("new", RestoreType::kVex, RestoreResult::kSuccess, 50 * kHour)});
  EXPECT_EQ(t.tracked_ids(), 2u);
  t.Forget(/*end_before=*/10 * kHour, /*created_before=*/10 * kHour);
  EXPECT_EQ(t.tracked_ids(), 1u);
  // A finished restore with an unknown type or result still counts.
  t.Apply(
      {Done("u", RestoreType::kUnknown, RestoreResult::kUnknown, 60 * kHour)});
  EXPECT_EQ(Finished(t, RestoreType::kUnknown, RestoreResult::kUnknown), 1u);
}

}  // namespace
}  // namespace vb365
