// The state file's contents and its text format (--storage.state-file):
// per server (name + URL) and job, what the counters have already counted,
// so that a restarted exporter counts the sessions that finished while it
// was down exactly once and its counters go on from where they were.
// Pure functions; the file I/O is in state_store.h. See docs/configuration.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/job_state.h"
#include "model/restore_state.h"
#include "model/types.h"

namespace vb365 {

// One job's saved state.
struct SavedJob {
  std::string job_id;             // Job::id as the server sends it
  Timestamp last_read = kNoTime;  // start of the last successful read
  JobTrackerState tracker;

  bool operator==(const SavedJob& o) const {
    return job_id == o.job_id && last_read == o.last_read &&
           tracker == o.tracker;
  }
};

// One server's restore sessions counter (vb365_restore_sessions_total).
struct SavedRestores {
  Timestamp last_read = kNoTime;  // start of the last good read
  RestoreTrackerState tracker;

  bool operator==(const SavedRestores& o) const {
    return last_read == o.last_read && tracker == o.tracker;
  }
};

// One server's saved jobs. A server is matched by name and URL: the same
// name pointing at another URL is another server.
struct SavedServer {
  std::string name;
  std::string url;
  std::vector<SavedJob> jobs;  // sorted by job_id
  // Once restore_sessions has read them (none in a v1 file).
  std::optional<SavedRestores> restores;

  bool operator==(const SavedServer& o) const {
    return name == o.name && url == o.url && jobs == o.jobs &&
           restores == o.restores;
  }
};

struct SavedState {
  std::vector<SavedServer> servers;  // sorted by (name, url)

  bool operator==(const SavedState& o) const { return servers == o.servers; }
};

// The first line of every state file this version writes. v1 (before the
// restore counters) is read too; a file with another first line (another
// format version, or not a state file) is refused as foreign.
inline constexpr std::string_view kStateFileMagic = "vb365_exporter state v2";
inline constexpr std::string_view kStateFileMagicV1 = "vb365_exporter state v1";

// The text of a state file: the magic line, `server`, `job`, `at` and
// `pending` lines, (v2) per server at most one `restores` line with its
// `restore` lines, and a last `checksum` line (FNV-1a 64 of every byte
// before it), each ending in '\n'. Names, URLs and job ids are
// percent-encoded, so no field holds a space or a newline.
std::string EncodeState(const SavedState& state);

// Parses EncodeState's text. kMalformed (with the reason: foreign,
// truncated, checksum mismatch, bad line N) for anything else; never
// throws, whatever the bytes.
Result<SavedState> DecodeState(std::string_view text);

}  // namespace vb365
