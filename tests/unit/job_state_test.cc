// JobTracker: last finished session, running state, per-status end times and
// the exactly-once session counters (watermark + pending ids).
#include "model/job_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace vb365 {
namespace {

constexpr Timestamp kBase = 1'700'000'000LL * kTicksPerSecond;

Timestamp At(int minute) { return kBase + minute * 60LL * kTicksPerSecond; }

JobSession Finished(uint64_t id, int created_min, int duration_min,
                    SessionStatus status = SessionStatus::kSuccess,
                    int64_t bytes = 1000, int64_t objects = 10) {
  JobSession s;
  s.id = Id{7, id};
  s.job_id = Id{1, 1};
  s.creation_time = At(created_min);
  s.end_time = At(created_min + duration_min);
  s.status = status;
  s.has_statistics = true;
  s.statistics.transferred_data_bytes = bytes;
  s.statistics.processed_objects = objects;
  s.progress = objects;
  return s;
}

JobSession Running(uint64_t id, int created_min, int64_t progress = 5,
                   SessionStatus status = SessionStatus::kRunning) {
  JobSession s;
  s.id = Id{7, id};
  s.job_id = Id{1, 1};
  s.creation_time = At(created_min);
  s.status = status;
  s.progress = progress;
  return s;
}

Job TestJob() {
  Job j;
  j.id = "b20cedd4-66b2-49b1-86de-a575dc67e83b";
  j.name = "Daily";
  return j;
}

uint64_t Total(const JobSummary& s, SessionStatus st) {
  return s.sessions_total[static_cast<size_t>(st)];
}

uint64_t AllTotals(const JobSummary& s) {
  uint64_t n = 0;
  for (uint64_t v : s.sessions_total) n += v;
  return n;
}

TEST(JobTrackerTest, FirstApplyIsBaselineAndCountsNothing) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Finished(2, 60, 5, SessionStatus::kFailed),
           Finished(3, 120, 5, SessionStatus::kWarning)});
  EXPECT_EQ(t.applied(), 1u);
  EXPECT_EQ(AllTotals(t.summary()), 0u);
  EXPECT_EQ(t.summary().transferred_bytes_total, 0u);
  EXPECT_EQ(t.summary().processed_objects_total, 0u);
  // But the last finished session and the end times are known at once.
  ASSERT_TRUE(t.summary().has_last_finished);
  EXPECT_EQ(t.summary().last_finished.id, (Id{7, 3}));
}

TEST(JobTrackerTest, NewFinishedSessionsAreCountedWithBytesAndObjects) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5)});
  t.Apply({Finished(1, 0, 5),
           Finished(2, 60, 5, SessionStatus::kSuccess, 300, 3),
           Finished(3, 120, 5, SessionStatus::kFailed, 40, 4)});
  const JobSummary& s = t.summary();
  EXPECT_EQ(Total(s, SessionStatus::kSuccess), 1u);
  EXPECT_EQ(Total(s, SessionStatus::kFailed), 1u);
  EXPECT_EQ(AllTotals(s), 2u);
  EXPECT_EQ(s.transferred_bytes_total, 340u);
  EXPECT_EQ(s.processed_objects_total, 7u);
}

TEST(JobTrackerTest, FullHistoryRefetchCountsNothingTwice) {
  // v3/v4: every read returns the whole history.
  std::vector<JobSession> history;
  for (int i = 0; i < 50; ++i) history.push_back(Finished(i + 1, i * 30, 10));
  JobTracker t(TestJob());
  t.Apply(history);
  for (int round = 0; round < 5; ++round) t.Apply(history);
  EXPECT_EQ(AllTotals(t.summary()), 0u);

  history.push_back(Finished(100, 50 * 30, 10, SessionStatus::kWarning, 7, 1));
  for (int round = 0; round < 5; ++round) t.Apply(history);
  EXPECT_EQ(AllTotals(t.summary()), 1u);
  EXPECT_EQ(Total(t.summary(), SessionStatus::kWarning), 1u);
  EXPECT_EQ(t.summary().transferred_bytes_total, 7u);
}

TEST(JobTrackerTest, MemoryStaysProportionalToRunningNotHistory) {
  std::vector<JobSession> history;
  for (int i = 0; i < 5000; ++i) history.push_back(Finished(i + 1, i * 30, 10));
  history.push_back(Running(9999, 5000 * 30));
  JobTracker t(TestJob());
  t.Apply(history);
  t.Apply(history);
  // One at the watermark, one pending.
  EXPECT_LE(t.tracked_ids(), 2u);
}

// A server may leave running sessions out of bounded reads: the job's own
// lastStatus (Running, Queued) then says it runs, without start or progress;
// once it says otherwise (and no session runs) running is 0 again.
TEST(JobTrackerTest, JobLastStatusRunningMakesItRunningWithoutASession) {
  Job job = TestJob();
  job.last_status = SessionStatus::kQueued;
  JobTracker t(job);
  t.Apply({Finished(1, 0, 5)});
  EXPECT_TRUE(t.summary().running);
  EXPECT_EQ(t.summary().running_start, kNoTime);
  job.last_status = SessionStatus::kSuccess;
  t.UpdateJob(job);
  t.Apply({Finished(1, 0, 5), Finished(2, 10, 5)});
  EXPECT_FALSE(t.summary().running);
  EXPECT_EQ(Total(t.summary(), SessionStatus::kSuccess), 1u);
}

TEST(JobTrackerTest, SessionSeenRunningThenFinishedCountsOnce) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5)});
  t.Apply({Finished(1, 0, 5), Running(2, 60, 3)});
  EXPECT_EQ(AllTotals(t.summary()), 0u);
  t.Apply({Finished(1, 0, 5), Running(2, 60, 8)});
  EXPECT_EQ(AllTotals(t.summary()), 0u);
  t.Apply(
      {Finished(1, 0, 5), Finished(2, 60, 5, SessionStatus::kFailed, 10, 2)});
  t.Apply(
      {Finished(1, 0, 5), Finished(2, 60, 5, SessionStatus::kFailed, 10, 2)});
  EXPECT_EQ(Total(t.summary(), SessionStatus::kFailed), 1u);
  EXPECT_EQ(AllTotals(t.summary()), 1u);
  EXPECT_EQ(t.summary().transferred_bytes_total, 10u);
}

TEST(JobTrackerTest, SessionRunningAtBaselineCountsWhenItFinishes) {
  // It finished while the exporter watched.
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Running(2, 60)});
  t.Apply({Finished(1, 0, 5), Finished(2, 60, 5)});
  EXPECT_EQ(Total(t.summary(), SessionStatus::kSuccess), 1u);
}

TEST(JobTrackerTest, SessionsOfAnOutageCountOnceWhenFirstSeen) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Running(2, 60)});
  // Outage: no Apply. Session 2 finished, 3 and 4 started and finished.
  std::vector<JobSession> after = {
      Finished(1, 0, 5), Finished(2, 60, 5, SessionStatus::kFailed),
      Finished(3, 120, 5, SessionStatus::kSuccess, 100, 1),
      Finished(4, 180, 5, SessionStatus::kStopped, 100, 1)};
  t.Apply(after);
  t.Apply(after);
  EXPECT_EQ(Total(t.summary(), SessionStatus::kFailed), 1u);
  EXPECT_EQ(Total(t.summary(), SessionStatus::kSuccess), 1u);
  EXPECT_EQ(Total(t.summary(), SessionStatus::kStopped), 1u);
  EXPECT_EQ(AllTotals(t.summary()), 3u);
}

TEST(JobTrackerTest, IncrementalWindowsWithOverlapCountEachOnce) {
  // v7/v8: each read holds only the recent window, overlapping the previous.
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Finished(2, 30, 5)});
  t.Apply({Finished(2, 30, 5), Finished(3, 60, 5)});
  t.Apply({Finished(3, 60, 5), Finished(4, 90, 5), Running(5, 120)});
  t.Apply({Finished(4, 90, 5), Running(5, 120)});
  t.Apply({Finished(5, 120, 5), Finished(6, 150, 5)});
  t.Apply({Finished(6, 150, 5)});
  t.Apply({});
  EXPECT_EQ(Total(t.summary(), SessionStatus::kSuccess), 4u);  // 3, 4, 5, 6
}

TEST(JobTrackerTest, OrderAndDuplicatesWithinAFetchDoNotMatter) {
  std::vector<JobSession> base = {Finished(1, 0, 5), Finished(2, 30, 5)};
  std::vector<JobSession> next = {
      Finished(1, 0, 5),
      Finished(2, 30, 5),
      Finished(3, 60, 5, SessionStatus::kWarning, 1, 1),
      Finished(3, 60, 5, SessionStatus::kWarning, 1, 1),
      Finished(4, 90, 5, SessionStatus::kSuccess, 2, 2),
      Finished(4, 90, 5, SessionStatus::kSuccess, 2, 2),
      Finished(2, 30, 5)};
  std::mt19937 rng(42);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(base.begin(), base.end(), rng);
    std::shuffle(next.begin(), next.end(), rng);
    JobTracker t(TestJob());
    t.Apply(base);
    t.Apply(next);
    t.Apply(next);
    EXPECT_EQ(AllTotals(t.summary()), 2u);
    EXPECT_EQ(t.summary().transferred_bytes_total, 3u);
    EXPECT_EQ(t.summary().last_finished.id, (Id{7, 4}));
  }
}

TEST(JobTrackerTest, SessionsCreatedAtTheSameInstantAreEachCountedOnce) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 60, 5)});
  // Session 2 shares session 1's creationTime (the watermark).
  t.Apply({Finished(1, 60, 5), Finished(2, 60, 6)});
  EXPECT_EQ(AllTotals(t.summary()), 1u);
  t.Apply({Finished(2, 60, 6), Finished(1, 60, 5), Finished(3, 60, 7)});
  EXPECT_EQ(AllTotals(t.summary()), 2u);
  t.Apply({Finished(3, 60, 7), Finished(2, 60, 6), Finished(1, 60, 5)});
  EXPECT_EQ(AllTotals(t.summary()), 2u);
}

TEST(JobTrackerTest, FinishedCopyWinsOverRunningCopyOfTheSameIdInOneFetch) {
  JobTracker t(TestJob());
  t.Apply({Running(2, 60)});
  t.Apply({Running(2, 60), Finished(2, 60, 5)});
  EXPECT_EQ(AllTotals(t.summary()), 1u);
  EXPECT_FALSE(t.summary().running);
  t.Apply({Finished(2, 60, 5)});
  EXPECT_EQ(AllTotals(t.summary()), 1u);
}

TEST(JobTrackerTest, RunningSessionNeverHidesTheLastFinished) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5, SessionStatus::kFailed), Finished(2, 60, 5),
           Running(3, 120, 42)});
  const JobSummary& s = t.summary();
  EXPECT_TRUE(s.running);
  EXPECT_EQ(s.running_start, At(120));
  EXPECT_EQ(s.running_progress, 42);
  ASSERT_TRUE(s.has_last_finished);
  EXPECT_EQ(s.last_finished.id, (Id{7, 2}));
  EXPECT_EQ(s.last_finished.status, SessionStatus::kSuccess);
}

TEST(JobTrackerTest, RunningComesFromTheLatestFetchOnly) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Running(2, 60)});
  EXPECT_TRUE(t.summary().running);
  t.Apply({Finished(1, 0, 5), Finished(2, 60, 5)});
  EXPECT_FALSE(t.summary().running);
  EXPECT_EQ(t.summary().running_start, kNoTime);
  EXPECT_EQ(t.summary().last_finished.id, (Id{7, 2}));
}

TEST(JobTrackerTest, QueuedIsRunningAndARunningSessionIsPreferredForProgress) {
  JobTracker t(TestJob());
  t.Apply({Running(5, 200, 0, SessionStatus::kQueued)});
  EXPECT_TRUE(t.summary().running);
  EXPECT_EQ(t.summary().running_start, At(200));
  t.Apply({Running(5, 200, 0, SessionStatus::kQueued), Running(4, 100, 77)});
  EXPECT_EQ(t.summary().running_start, At(100));
  EXPECT_EQ(t.summary().running_progress, 77);
}

TEST(JobTrackerTest, UnknownStatusWithoutEndIsNotRunningButCountsWhenFinished) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5)});
  t.Apply({Running(2, 60, 0, SessionStatus::kUnknown)});
  EXPECT_FALSE(t.summary().running);
  t.Apply({Finished(2, 60, 5, SessionStatus::kUnknown)});
  EXPECT_EQ(Total(t.summary(), SessionStatus::kUnknown), 1u);
}

TEST(JobTrackerTest, LastFinishedIsByCreationTimeNotFetchOrder) {
  JobTracker t(TestJob());
  // Session 2 was created later but ended earlier than session 1.
  t.Apply({Finished(2, 60, 1, SessionStatus::kWarning),
           Finished(1, 0, 500, SessionStatus::kFailed)});
  EXPECT_EQ(t.summary().last_finished.id, (Id{7, 2}));
  // An older session in a later fetch does not replace it.
  t.Apply({Finished(1, 0, 500, SessionStatus::kFailed)});
  EXPECT_EQ(t.summary().last_finished.id, (Id{7, 2}));
}

TEST(JobTrackerTest, LastStatusEndIsTheMaximumEndPerTrackedStatus) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5, SessionStatus::kSuccess),
           Finished(2, 60, 50, SessionStatus::kSuccess),
           Finished(3, 30, 5, SessionStatus::kFailed),
           Finished(4, 90, 5, SessionStatus::kNotConfigured)});
  const auto& ends = t.summary().last_status_end;
  EXPECT_EQ(ends[0], At(110));  // Success
  EXPECT_EQ(ends[1], kNoTime);  // Warning
  EXPECT_EQ(ends[2], At(35));   // Failed
  EXPECT_EQ(ends[3], kNoTime);  // Stopped
  // Later fetches that no longer hold the newest Success keep the maximum.
  t.Apply({Finished(1, 0, 5, SessionStatus::kSuccess),
           Finished(5, 200, 5, SessionStatus::kStopped)});
  EXPECT_EQ(t.summary().last_status_end[0], At(110));
  EXPECT_EQ(t.summary().last_status_end[3], At(205));
}

TEST(JobTrackerTest, PendingIdsMissingFromFetchesAreForgotten) {
  JobTracker t(TestJob());
  t.Apply({Running(2, 60)});
  EXPECT_EQ(t.tracked_ids(), 1u);
  for (int i = 0; i < JobTracker::kPendingMissLimit; ++i) t.Apply({});
  EXPECT_EQ(t.tracked_ids(), 0u);
}

TEST(JobTrackerTest, PendingSurvivesAShortGapInTheReadWindow) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5), Running(3, 120)});
  t.Apply({Finished(4, 180, 5)});  // 3 missing from this read (counted: 4)
  t.Apply({Finished(3, 120, 100), Finished(4, 180, 5)});
  EXPECT_EQ(AllTotals(t.summary()), 2u);
}

TEST(JobTrackerTest, NegativeStatisticsDoNotCorruptCounters) {
  JobTracker t(TestJob());
  t.Apply({});
  t.Apply({Finished(1, 0, 5, SessionStatus::kSuccess, -5, -1)});
  EXPECT_EQ(Total(t.summary(), SessionStatus::kSuccess), 1u);
  EXPECT_EQ(t.summary().transferred_bytes_total, 0u);
  EXPECT_EQ(t.summary().processed_objects_total, 0u);
}

TEST(JobTrackerTest, EmptyBaselineThenSessionsAreCounted) {
  JobTracker t(TestJob());
  t.Apply({});
  EXPECT_FALSE(t.summary().has_last_finished);
  t.Apply({Finished(1, 0, 5)});
  EXPECT_EQ(AllTotals(t.summary()), 1u);
}

TEST(JobTrackerTest, UpdateJobKeepsTheSessionState) {
  JobTracker t(TestJob());
  t.Apply({Finished(1, 0, 5)});
  t.Apply({Finished(2, 60, 5)});
  Job renamed = TestJob();
  renamed.name = "Renamed";
  t.UpdateJob(renamed);
  EXPECT_EQ(t.summary().job.name, "Renamed");
  EXPECT_EQ(AllTotals(t.summary()), 1u);
  EXPECT_EQ(t.summary().last_finished.id, (Id{7, 2}));
}

// A randomized model check: many refreshes with incremental windows (the
// lower bound is the last successful read minus an overlap, compared with
// either the creation or the end time, as the docs disagree), duplicates,
// shuffles and outages; at the end every session that finished after the
// baseline is counted exactly once.
TEST(JobTrackerTest, RandomWindowsCountEverySessionExactlyOnce) {
  std::mt19937 rng(7);
  constexpr int kOverlap = 30;  // minutes, longer than any session
  for (int trial = 0; trial < 40; ++trial) {
    const bool bound_on_end = trial % 2 == 1;
    struct Plan {
      int created, duration;
      SessionStatus status;
    };
    std::vector<Plan> plan;
    for (int i = 0; i < 60; ++i) {
      plan.push_back(
          {i * 10, 1 + static_cast<int>(rng() % 25),
           rng() % 2 ? SessionStatus::kSuccess : SessionStatus::kFailed});
    }
    JobTracker t(TestJob());
    std::vector<bool> finished_at_baseline(plan.size(), false);
    bool baseline_done = false;
    int last_success = 0;
    auto fetch_at = [&](int now) {
      std::vector<JobSession> fetch;
      const int bound = baseline_done ? last_success - kOverlap : -1000000;
      for (size_t i = 0; i < plan.size(); ++i) {
        const Plan& p = plan[i];
        if (p.created > now) continue;
        const int end = p.created + p.duration;
        if (end > now) {
          fetch.push_back(Running(i + 1, p.created));
        } else if ((bound_on_end ? end : p.created) >= bound) {
          fetch.push_back(Finished(i + 1, p.created, p.duration, p.status));
          if (rng() % 5 == 0) fetch.push_back(fetch.back());
        }
      }
      std::shuffle(fetch.begin(), fetch.end(), rng);
      return fetch;
    };
    for (int now = 5; now <= 700; now += 7) {
      if (baseline_done && rng() % 3 == 0) continue;  // outage
      t.Apply(fetch_at(now));
      if (!baseline_done) {
        for (size_t i = 0; i < plan.size(); ++i) {
          finished_at_baseline[i] = plan[i].created + plan[i].duration <= now;
        }
        baseline_done = true;
      }
      last_success = now;
    }
    t.Apply(fetch_at(1000));
    uint64_t expected = 0;
    for (size_t i = 0; i < plan.size(); ++i) {
      if (!finished_at_baseline[i]) ++expected;
    }
    EXPECT_EQ(AllTotals(t.summary()), expected) << "trial " << trial;
    EXPECT_LE(t.tracked_ids(), 8u);
  }
}

}  // namespace
}  // namespace vb365
