// The one deterministic generator of VB365 jobs and job sessions, shared by
// the simulator and the benchmarks. No I/O, no HTTP: plain data in, JSON text
// out. Same options -> same bytes, on every machine.
//
// Thread safety: every function is pure (no shared state); DataSet values are
// ordinary values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vb365::sim {

// 100 ns ticks since the Unix epoch (UTC), like exporter/model/types.h.
using Ticks = int64_t;
inline constexpr Ticks kTicksPerSecond = 10'000'000;
inline constexpr Ticks kNotFinished = INT64_MIN;  // endTime null/placeholder

// Formats ticks as "YYYY-MM-DDThh:mm:ss[.f{digits}]Z"; digits is 0..7 (the
// fraction is cut, not rounded: generated times are already multiples).
std::string FormatTicks(Ticks t, int digits);
// Parses "YYYY-MM-DDThh:mm:ss[.f{1,7}][Z|+hh:mm|-hh:mm]" (no zone: UTC).
std::optional<Ticks> ParseTicks(std::string_view text);

// The API shape to write. v3/v4: plain arrays, absolute links. v3..v6: the
// year-1 placeholder "0001-01-01T00:00:00" as a running session's endTime
// (v6's schema has endTime not nullable); v7+: null. v5/v6: pages for sessions.
// v6+: details, retryCount. v7+: repositoryId, mainSessionId, jobWillBeRetried,
// jobType, lastBackup. v8: jobId, jobSessionConfigType, eTag, proxyId,
// proxyPoolId, organizationId, paged /Jobs.
struct Version {
  int number = 8;  // 3..8
  bool paged_sessions() const { return number >= 5; }
  bool paged_jobs() const { return number >= 8; }
  bool absolute_links() const { return number <= 5; }
  bool year1_placeholder() const { return number <= 6; }
};

struct Statistics {
  int64_t processing_rate_bytes_ps = 0;
  int64_t processing_rate_items_ps = 0;
  int64_t read_rate_bytes_ps = 0;
  int64_t write_rate_bytes_ps = 0;
  int64_t transferred_data_bytes = 0;
  int64_t processed_objects = 0;
  std::string bottleneck = "NA";
};

struct Session {
  std::string id;  // UUID text
  std::string job_id;
  Ticks creation_time = 0;
  Ticks end_time = kNotFinished;  // kNotFinished while running
  int fraction_digits = 7;        // how its timestamps are written: 0, 6 or 7
  std::string status;             // "Success", ..., or unknown ("Updating")
  int32_t progress = 0;
  Statistics statistics;
  std::string details;
  int32_t retry_count = 0;
  std::string main_session_id;  // only on retries
  bool job_will_be_retried = false;
  std::string job_type = "Backup";
  std::string config_type = "Incremental";  // jobSessionConfigType
  int64_t etag = 1;
  std::string repository_id;
  std::string proxy_id;

  bool finished() const {
    return end_time != kNotFinished && status != "Running" &&
           status != "Queued";
  }
};

struct Job {
  std::string id;
  std::string name;
  std::string description;
  std::string backup_type = "EntireOrganization";
  std::string repository_id;
  std::string organization_id;
  std::string backup_job_id;  // copy jobs only: the backup job they copy
  bool is_enabled = true;
  int64_t etag = 1;
  Ticks interval = 0;  // schedule period
  // In the order the API serves them (shuffled, not by time).
  std::vector<Session> sessions;
};

struct GenOptions {
  uint64_t seed = 1;
  int jobs = 5;
  int sessions_per_job = 10;
  // The generated history ends just before this instant (sessions of job 3
  // still run at it). Default 2026-11-01T00:00:00Z so output never depends on
  // the clock; the simulator passes its start time unless told otherwise.
  Ticks anchor = 17'934'912'000'000'000;
};

struct DataSet {
  std::vector<Job> jobs;
};

// Generates jobs and sessions. Special jobs (when they exist): index 0 last
// finished Success; 1 last finished Failed; 2 last finished Warning; 3 has a
// Running session (endTime null) started 10 minutes before the anchor and an
// earlier finished Success; 4 is disabled. Others are seeded-random, mostly
// Success. The data set as a whole carries retries (retryCount,
// mainSessionId), an "Updating" session, 0/6/7 fractional digits and
// shuffled session order. Job i's id does not depend on jobs or
// sessions_per_job, only on seed and i.
DataSet Generate(const GenOptions& options);

// Backup copy jobs (/CopyJobs), options.sessions_per_job sessions each (job
// type "Copy"). Copy job j copies backup job j % options.jobs and writes to
// repository 2 (the object-storage one of resources.h); its id is
// DeterministicUuid(seed, 0x5000000 + j). Special copy jobs (when they
// exist): 0 last finished Failed, 1 last finished Success, 2 has a Running
// session (endTime null) started 10 minutes before the anchor and an earlier
// finished Success. Others seeded-random. Independent of the backup jobs'
// data: adding copy jobs changes no byte of /Jobs or of backup sessions.
std::vector<Job> GenerateCopyJobs(const GenOptions& options, int copy_jobs);

// Derived job fields (/Jobs): from the newest session by creation time.
struct JobSummary {
  Ticks last_run = kNotFinished;     // creation of the newest session
  Ticks next_run = kNotFinished;     // last_run + interval (enabled only)
  Ticks last_backup = kNotFinished;  // end of newest Success/Warning session
  std::string last_status;           // status of the newest session ("" none)
};
JobSummary Summarize(const Job& job);

// What a parser should find in a body of sessions.
struct Expected {
  int64_t sessions = 0;
  int64_t transferred_data_bytes = 0;  // sum over all sessions
  int64_t processed_objects = 0;       // sum over all sessions
  std::map<std::string, int64_t> count_by_status;
  int64_t running = 0;  // sessions with no end time
  // The newest finished session by creation time (status "" if none).
  std::string last_finished_status;
  Ticks last_finished_end = kNotFinished;
};
Expected ExpectedFor(const std::vector<Session>& sessions);

// Options of the JSON writer. mutation distorts sessions for fault tests.
enum class Mutation {
  kNone,
  kNumbersAsStrings,  // progress and statistics numbers as "123"
  kNulls,             // status, creationTime, progress, statistics null
  kMissingFields,     // status, creationTime, statistics left out
  kUnknownEnums,      // status "Postponed", bottleneck "Network" (no enum has
                      // them)
};
struct WriteOptions {
  Version version;
  // Scheme://host:port for absolute links (v3-v5), e.g. the seed's
  // "https://support.east.local:4443".
  std::string base_url = "https://vb365.example.local:4443";
  Mutation mutation = Mutation::kNone;
  int mutate_every = 1;  // mutate sessions with index % mutate_every == 0
};

// One session as a JSON object (no trailing comma).
void AppendSessionJson(const Session& s, const WriteOptions& w,
                       std::string* out);
// One job as a JSON object, with its summary fields.
void AppendJobJson(const Job& job, const WriteOptions& w, std::string* out);
// A JSON string literal with quotes (escapes ", \, control characters; UTF-8
// passes through).
void AppendJsonString(std::string_view s, std::string* out);

// A page envelope around already-written result objects (results_json is the
// comma-separated objects, no brackets). self_and_next_path is the relative
// path and query before "offset=" (e.g. "/v8/JobSessions?jobId=X&").
// total_count >= 0 adds "totalCount" (v6/v7 pages may carry it).
std::string PageJson(int64_t offset, int64_t limit, std::string_view set_id,
                     std::string_view results_json, bool has_next,
                     std::string_view link_prefix, int64_t total_count = -1);

// The whole response body for a job's sessions as a v3/v4 array, or as the
// first page (offset 0, limit = all sessions, no next link) for v5+.
std::string SessionsBody(const Job& job, const WriteOptions& w);

// Benchmark convenience: one job with `sessions` sessions (seeded), its body
// in the given version and what a parser must extract from it.
struct GeneratedBody {
  std::string body;
  Expected expected;
  std::string job_id;
};
GeneratedBody GenerateSessionsBody(uint64_t seed, int sessions, int version,
                                   Mutation mutation = Mutation::kNone);

// A new session for `job` while the simulator runs (time moving, control
// endpoint): id and statistics drawn from (seed, salt); end kNotFinished for
// a running one. Fraction digits 7.
Session MakeSession(const Job& job, uint64_t seed, uint64_t salt,
                    const std::string& status, Ticks creation, Ticks end);

// A deterministic UUID from a seed and a salt (for ids tests can predict).
std::string DeterministicUuid(uint64_t seed, uint64_t salt);

}  // namespace vb365::sim
