// Plain values read from the VB365 REST API. No I/O, no Prometheus, no JSON
// here.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace vb365 {

// Time as 100 ns ticks since the Unix epoch (UTC): the API sends up to 7
// fractional digits, and integer ticks keep differences exact (the seed's
// 58.4494519 s duration must come out as exactly that).
using Timestamp = int64_t;
inline constexpr Timestamp kNoTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kTicksPerSecond = 10'000'000;

// Parses ISO 8601 "YYYY-MM-DDThh:mm:ss[.f{1,7}](Z|+hh:mm|-hh:mm)"; a missing
// zone is taken as UTC. Returns nullopt on anything else. Year 1 parses
// (callers map it to kNoTime where it is a "not finished" placeholder).
std::optional<Timestamp> ParseTimestamp(std::string_view text);
// ParseTimestamp for a run of timestamps that mostly share their date, such
// as the sessions of one response: the calendar work for the previous date
// is reused. Same results as ParseTimestamp. Not thread-safe.
class TimestampParser {
 public:
  std::optional<Timestamp> Parse(std::string_view text);

 private:
  char date_[10] = {};  // "YYYY-MM-DD" of the last valid date, or zeros
  int64_t days_ = 0;
};
// Formats as "YYYY-MM-DDThh:mm:ss.fffffffZ" (fraction omitted when zero).
std::string FormatTimestamp(Timestamp t);
// Seconds since the epoch for a metric value; NaN-free: callers check kNoTime.
inline double TimestampSeconds(Timestamp t) {
  return static_cast<double>(t) / kTicksPerSecond;
}
// The year-1 "0001-01-01T00:00:00" placeholder older versions send.
bool IsPlaceholderTime(Timestamp t);

// Session and job status. Values the API documents plus kUnknown for any
// other string (for example "Updating"): never an error.
enum class SessionStatus : uint8_t {
  kStopped,
  kRunning,
  kSuccess,
  kFailed,
  kWarning,
  kNotConfigured,
  kDisconnected,
  kQueued,
  kUnknown,
};
inline constexpr int kSessionStatusCount = 9;
SessionStatus ParseSessionStatus(std::string_view text);
std::string_view SessionStatusName(SessionStatus s);
inline bool IsActive(SessionStatus s) {
  return s == SessionStatus::kRunning || s == SessionStatus::kQueued;
}

enum class Bottleneck : uint8_t { kNA, kDetecting, kSource, kTarget, kUnknown };
inline constexpr int kBottleneckCount = 5;
Bottleneck ParseBottleneck(std::string_view text);
std::string_view BottleneckName(Bottleneck b);

// A 128-bit session or job identifier. UUID text parses to its bits; any
// other string is hashed into the same space, so ids stay comparable without
// keeping a heap string per session on the hot path.
struct Id {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const Id& o) const { return hi == o.hi && lo == o.lo; }
  bool operator!=(const Id& o) const { return !(*this == o); }
  bool operator<(const Id& o) const {
    return hi != o.hi ? hi < o.hi : lo < o.lo;
  }
  bool empty() const { return hi == 0 && lo == 0; }
};
Id ParseId(std::string_view text);
// Only the canonical 8-4-4-4-12 UUID form (either case): false for anything
// else, *out untouched. Lets a caller skip other checks when it succeeds.
bool ParseUuid(std::string_view text, Id* out);
struct IdHash {
  size_t operator()(const Id& id) const {
    return static_cast<size_t>(id.hi * 0x9E3779B97F4A7C15ULL ^ id.lo);
  }
};

struct SessionStatistics {
  int64_t processing_rate_bytes_ps = 0;
  int64_t processing_rate_items_ps = 0;
  int64_t read_rate_bytes_ps = 0;
  int64_t write_rate_bytes_ps = 0;
  int64_t transferred_data_bytes = 0;
  int64_t processed_objects = 0;
  Bottleneck bottleneck = Bottleneck::kNA;
};

// One element of /JobSessions or /Jobs/{id}/JobSessions.
struct JobSession {
  Id id;
  // From "jobId" (v8) or the last path segment of _links.job.href.
  Id job_id;
  Timestamp creation_time = kNoTime;
  // kNoTime while not finished (null, absent or the year-1 placeholder).
  Timestamp end_time = kNoTime;
  int64_t progress = 0;
  SessionStatus status = SessionStatus::kUnknown;
  bool has_statistics = false;
  SessionStatistics statistics;
  int32_t retry_count = -1;  // -1: the API version does not send it.

  bool finished() const { return end_time != kNoTime && !IsActive(status); }
};

// One element of /Jobs.
// What kind of job: a backup job (/Jobs) or a backup copy job (/CopyJobs).
enum class JobType : uint8_t { kBackup, kCopy };
inline std::string_view JobTypeName(JobType t) {
  return t == JobType::kCopy ? "Copy" : "Backup";
}

struct Job {
  std::string id;  // as sent (label value)
  JobType type = JobType::kBackup;
  std::string backup_job_id;  // copy jobs: the backup job they copy
  Id key;                     // ParseId(id): matches JobSession::job_id
  std::string name;
  std::string backup_type;
  std::string repository_id;
  std::string organization_id;
  std::optional<bool> is_enabled;
  Timestamp last_run = kNoTime;
  Timestamp next_run = kNoTime;
  Timestamp last_backup = kNoTime;  // v7+
  std::optional<SessionStatus> last_status;
};

// The page envelope of v5+ collections; for a plain array is_page is false.
struct PageInfo {
  bool is_page = false;
  int64_t offset = 0;
  int64_t limit = 0;
  int64_t count = 0;      // elements in this response
  bool has_next = false;  // a _links.next was present
};

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;
  int64_t expires_in_seconds = 0;
};

struct ServiceInstance {
  std::string version;
};

}  // namespace vb365
