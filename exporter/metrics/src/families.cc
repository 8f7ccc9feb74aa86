// The tables of metric families (docs/metrics.md): what each family is
// called, its HELP text, its labels, where its value comes from and when it
// is absent. The page lists the tables' families in this order.
#include <string>
#include <vector>

#include "family_table.h"
#include "metrics/snapshot_collector.h"
#include "resource_families.h"

namespace vb365 {

const std::vector<SessionStatus> kFinishedStatusSet = {
    SessionStatus::kSuccess,       SessionStatus::kWarning,
    SessionStatus::kFailed,        SessionStatus::kStopped,
    SessionStatus::kNotConfigured, SessionStatus::kDisconnected,
    SessionStatus::kUnknown};

namespace {

using prometheus::MetricType;
constexpr MetricType kGauge = MetricType::Gauge;
constexpr MetricType kCounter = MetricType::Counter;

double Seconds(Timestamp t) { return TimestampSeconds(t); }

template <typename Statuses>
std::vector<std::string> StatusNames(const Statuses& statuses) {
  std::vector<std::string> names;
  for (SessionStatus s : statuses) {
    names.emplace_back(SessionStatusName(s));
  }
  return names;
}

std::vector<std::string> BottleneckNames() {
  std::vector<std::string> names;
  for (int b = 0; b < kBottleneckCount; ++b) {
    names.emplace_back(BottleneckName(static_cast<Bottleneck>(b)));
  }
  return names;
}

// ------------------------------------------------------------- the server

using ServerFamily = FamilySpec<ServerSnapshot>;

const std::vector<ServerFamily> kServerFamilies = {
    ServerFamily::Gauge(
        "vb365_up",
        "1 when the last refresh logged in and read the job list, else 0",
        [](const ServerSnapshot& s) { return s.up ? 1.0 : 0.0; }),
    ServerFamily::Gauge(
        "vb365_refresh_duration_seconds",
        "Wall time of the last refresh of this server",
        [](const ServerSnapshot& s) { return s.refresh_duration_seconds; }),
    ServerFamily::Gauge(
        "vb365_refresh_last_success_timestamp_seconds",
        "Unix time the last successful refresh of this server ended",
        [](const ServerSnapshot& s) { return Seconds(s.last_success); },
        [](const ServerSnapshot& s) { return s.last_success != kNoTime; }),
    ServerFamily::Info(
        "vb365_server_info",
        "VB365 product version and REST API version in use; always 1",
        {"version", "api_version"},
        [](const ServerSnapshot& s, size_t k) -> std::string_view {
          return k == 0 ? s.product_version : s.api_version;
        },
        [](const ServerSnapshot& s) { return !s.api_version.empty(); }),
    ServerFamily::Gauge("vb365_jobs",
                        "Number of jobs exported (after the job filters)",
                        [](const ServerSnapshot& s) {
                          return static_cast<double>(s.jobs.size());
                        }),
};

void ServerItems(const ServerSnapshot& snap,
                 std::vector<Item<ServerSnapshot>>* out) {
  out->push_back({&snap, {{"server", snap.server}}});
}

// ---------------------------------------------------------------- the jobs

using JobFamily = FamilySpec<JobSummary>;

bool HasLastFinished(const JobSummary& s) { return s.has_last_finished; }
bool HasStatistics(const JobSummary& s) {
  return s.has_last_finished && s.last_finished.has_statistics;
}
const SessionStatistics& Stats(const JobSummary& s) {
  return s.last_finished.statistics;
}

// lastBackup where the API sends it, else the end of the latest Success
// (kTrackedEndStatuses[0]).
Timestamp LastBackup(const JobSummary& s) {
  return s.job.last_backup != kNoTime ? s.job.last_backup
                                      : s.last_status_end[0];
}

// The last finished session's status in the state set: any status outside
// it (cannot be Running/Queued: finished) is Unknown, so exactly one series
// is 1.
SessionStatus ShownStatus(const JobSummary& s) {
  const SessionStatus st = s.last_finished.status;
  const bool in_set =
      st != SessionStatus::kRunning && st != SessionStatus::kQueued;
  return in_set ? st : SessionStatus::kUnknown;
}

const std::vector<JobFamily> kJobFamilies = {
    JobFamily::Info(
        "vb365_job_info",
        "Descriptive labels of a backup or backup copy job; always 1",
        {"backup_type", "repository_id", "organization_id", "job_type",
         "backup_job_id"},
        [](const JobSummary& s, size_t k) -> std::string_view {
          switch (k) {
            case 0:
              return s.job.backup_type;
            case 1:
              return s.job.repository_id;
            case 2:
              return s.job.organization_id;
            case 3:
              return JobTypeName(s.job.type);
            default:
              return s.job.backup_job_id;
          }
        }),
    JobFamily::Gauge(
        "vb365_job_enabled", "1 when the job is enabled, else 0",
        [](const JobSummary& s) { return *s.job.is_enabled ? 1.0 : 0.0; },
        [](const JobSummary& s) { return s.job.is_enabled.has_value(); }),
    JobFamily::Gauge(
        "vb365_job_last_run_timestamp_seconds",
        "Unix time of the job's last run as reported by the API",
        [](const JobSummary& s) { return Seconds(s.job.last_run); },
        [](const JobSummary& s) { return s.job.last_run != kNoTime; }),
    JobFamily::Gauge(
        "vb365_job_next_run_timestamp_seconds",
        "Unix time of the job's next scheduled run",
        [](const JobSummary& s) { return Seconds(s.job.next_run); },
        [](const JobSummary& s) { return s.job.next_run != kNoTime; }),
    JobFamily::Gauge(
        "vb365_job_last_backup_timestamp_seconds",
        "Unix time of the job's last successful backup (lastBackup on API v7+, "
        "else the end of the latest Success session)",
        [](const JobSummary& s) { return Seconds(LastBackup(s)); },
        [](const JobSummary& s) { return LastBackup(s) != kNoTime; }),
    JobFamily::Gauge("vb365_job_running",
                     "1 when a session of the job is Running or Queued, else 0",
                     [](const JobSummary& s) { return s.running ? 1.0 : 0.0; }),
    JobFamily::Gauge(
        "vb365_job_running_session_start_timestamp_seconds",
        "Unix creation time of the running session",
        [](const JobSummary& s) { return Seconds(s.running_start); },
        [](const JobSummary& s) {
          return s.running && s.running_start != kNoTime;
        }),
    JobFamily::Gauge(
        "vb365_job_running_session_progress",
        "Objects processed so far by the running session",
        [](const JobSummary& s) {
          return static_cast<double>(s.running_progress);
        },
        // Absent when only the job's lastStatus says it runs.
        [](const JobSummary& s) {
          return s.running && s.running_start != kNoTime;
        }),
    // The last finished session.
    JobFamily::Set(
        kGauge, "vb365_job_last_session_status",
        "Status of the last finished session (state set: exactly one is 1)",
        "status", StatusNames(kFinishedStatusSet),
        [](const JobSummary& s, size_t i) {
          return ShownStatus(s) == kFinishedStatusSet[i] ? 1.0 : 0.0;
        },
        HasLastFinished),
    JobFamily::Gauge(
        "vb365_job_last_session_start_timestamp_seconds",
        "Unix creation time of the last finished session",
        [](const JobSummary& s) {
          return Seconds(s.last_finished.creation_time);
        },
        [](const JobSummary& s) {
          return s.has_last_finished &&
                 s.last_finished.creation_time != kNoTime;
        }),
    JobFamily::Gauge(
        "vb365_job_last_session_end_timestamp_seconds",
        "Unix end time of the last finished session",
        [](const JobSummary& s) { return Seconds(s.last_finished.end_time); },
        HasLastFinished),
    JobFamily::Gauge(
        "vb365_job_last_session_duration_seconds",
        "Duration of the last finished session",
        [](const JobSummary& s) {
          // Integer ticks first: the difference is exact.
          return Seconds(s.last_finished.end_time -
                         s.last_finished.creation_time);
        },
        [](const JobSummary& s) {
          const JobSession& ls = s.last_finished;
          return s.has_last_finished && ls.creation_time != kNoTime &&
                 ls.end_time >= ls.creation_time;
        }),
    JobFamily::Gauge(
        "vb365_job_last_session_transferred_bytes",
        "Bytes transferred by the last finished session",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).transferred_data_bytes);
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_processed_objects",
        "Objects processed by the last finished session",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).processed_objects);
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_processing_rate_bytes_per_second",
        "Processing rate of the last finished session in bytes per second",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).processing_rate_bytes_ps);
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_processing_rate_items_per_second",
        "Processing rate of the last finished session in items per second",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).processing_rate_items_ps);
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_read_rate_bytes_per_second",
        "Read rate of the last finished session in bytes per second",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).read_rate_bytes_ps);
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_write_rate_bytes_per_second",
        "Write rate of the last finished session in bytes per second",
        [](const JobSummary& s) {
          return static_cast<double>(Stats(s).write_rate_bytes_ps);
        },
        HasStatistics),
    JobFamily::Set(
        kGauge, "vb365_job_last_session_bottleneck",
        "Bottleneck of the last finished session (state set: exactly one is "
        "1)",
        "bottleneck", BottleneckNames(),
        [](const JobSummary& s, size_t i) {
          return Stats(s).bottleneck == static_cast<Bottleneck>(i) ? 1.0 : 0.0;
        },
        HasStatistics),
    JobFamily::Gauge(
        "vb365_job_last_session_retries",
        "Retries of the last finished session (retryCount, API v6+)",
        [](const JobSummary& s) {
          return static_cast<double>(s.last_finished.retry_count);
        },
        [](const JobSummary& s) {
          return s.has_last_finished && s.last_finished.retry_count >= 0;
        }),
    // Per status, and the counters.
    JobFamily::Set(kGauge, "vb365_job_last_status_timestamp_seconds",
                   "Unix end time of the latest session that finished with "
                   "this status; 0 when none was seen",
                   "status", StatusNames(kTrackedEndStatuses),
                   [](const JobSummary& s, size_t i) {
                     const Timestamp end = s.last_status_end[i];
                     return end == kNoTime ? 0 : Seconds(end);
                   }),
    JobFamily::Set(
        kCounter, "vb365_job_sessions_total",
        "Sessions that finished while the exporter watched, by status (the "
        "first refresh is the baseline)",
        "status", StatusNames(kFinishedStatusSet),
        [](const JobSummary& s, size_t i) {
          return static_cast<double>(
              s.sessions_total[static_cast<size_t>(kFinishedStatusSet[i])]);
        }),
    JobFamily::Counter(
        "vb365_job_transferred_bytes_total",
        "Bytes transferred by sessions that finished while the exporter "
        "watched",
        [](const JobSummary& s) {
          return static_cast<double>(s.transferred_bytes_total);
        }),
    JobFamily::Counter(
        "vb365_job_processed_objects_total",
        "Objects processed by sessions that finished while the exporter "
        "watched",
        [](const JobSummary& s) {
          return static_cast<double>(s.processed_objects_total);
        }),
};

void JobItems(const ServerSnapshot& snap, std::vector<Item<JobSummary>>* out) {
  for (const JobSummary& s : snap.jobs) {
    out->push_back({&s,
                    {{"server", snap.server},
                     {"job_id", s.job.id},
                     {"job_name", s.job.name}}});
  }
}

}  // namespace

void RenderAllResources(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    size_t chunk, const FamilyOut& out) {
  RenderResource(Resource<ServerSnapshot>{&kServerFamilies, ServerItems},
                 snapshots, chunk, out);
  RenderResource(Resource<JobSummary>{&kJobFamilies, JobItems}, snapshots,
                 chunk, out);
  RenderResourceFamilies(snapshots, chunk, out);
}

}  // namespace vb365
