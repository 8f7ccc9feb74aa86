// The state file on disk (--storage.state-file): read once at start, then
// rewritten atomically (temporary file in the same directory, fsync,
// rename, fsync of the directory) whenever a refresh changed what it holds.
// A crash at any moment leaves either the old or the new file.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collection/state_file.h"
#include "common/result.h"
#include "config/config.h"

namespace vb365 {

struct StateStoreOptions {
  std::string path;
  // Test hook (VB365_TEST_STATE_PAUSE_BEFORE_RENAME_MS): sleep between the
  // fsync of the temporary file and the rename, so a test can kill -9 the
  // process in the middle of a write.
  std::chrono::milliseconds pause_before_rename{0};
};

// Thread-safe: every server's refresher calls Update from its own thread.
class StateStore {
 public:
  // Reads options.path. A missing, unreadable, truncated, corrupt or foreign
  // file is logged once with the reason and the store starts empty (every
  // job starts at a baseline, as without a state file); never fails. Keeps
  // only the entries of `servers` (matched by name and URL).
  StateStore(StateStoreOptions options,
             const std::vector<ServerConfig>& servers);

  // The saved jobs of one server, by job id (empty when none).
  std::map<std::string, SavedJob> Restored(const std::string& name,
                                           const std::string& url) const;

  // The saved restore counter of one server (none when not saved).
  std::optional<SavedRestores> RestoredRestores(const std::string& name,
                                                const std::string& url) const;

  // Replaces one server's jobs and restore counter and rewrites the file if
  // anything changed. A failed write is logged (once per failure streak)
  // and retried at the next Update or Flush.
  void Update(const std::string& name, const std::string& url,
              std::vector<SavedJob> jobs,
              std::optional<SavedRestores> restores = std::nullopt);

  // Writes the file now, changed or not (shutdown: the file is there and
  // current when the process exits).
  Status Flush();

  const std::string& path() const { return options_.path; }

 private:
  // Writes unless the text is what was last written (or force); mu_ held.
  Status WriteLocked(bool force);

  const StateStoreOptions options_;
  mutable std::mutex mu_;
  struct Saved {
    std::vector<SavedJob> jobs;
    std::optional<SavedRestores> restores;
  };
  std::map<std::pair<std::string, std::string>, Saved>
      servers_;           // guarded by mu_
  std::string written_;   // the file's text as last written; guarded by mu_
  bool failing_ = false;  // guarded by mu_
};

// Writes `text` to `path` atomically: `path`.tmp in the same directory
// (mode 0600), fsync, rename over `path`, fsync of the directory.
Status WriteFileAtomically(const std::string& path, const std::string& text,
                           std::chrono::milliseconds pause_before_rename =
                               std::chrono::milliseconds::zero());

}  // namespace vb365
