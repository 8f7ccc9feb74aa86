// The collectors of the resources beyond jobs (issue 9), run by a
// Refresher after its job reads: one table entry per collector
// (resource_collectors.cc), each reading one resource through a
// ResourceSource into the server's last good values.
//
// Rules: a collector off in the config never runs. A resource the server's
// API version does not have (kNotFound) is logged once, skipped while that
// version is served, and shows nothing (no values, no CollectorRun); a
// kNotFound from a resource that succeeded on the same version is a failure
// (a route missing for a while), not a skip. A failing collector keeps its last
// good values and reports success false; the other collectors and the jobs are
// untouched. licensed_users runs at most once per licensed_users_interval after
// a success (at once again after a failure). restore_sessions reads the
// restores started within session_history and, on v8, those that ended since
// its last read (minus an hour), and counts each finished one once.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>

#include "collection/resource_source.h"
#include "collection/state_file.h"
#include "config/config.h"
#include "model/resources.h"
#include "model/restore_state.h"

namespace vb365 {

// The values the collectors keep between refreshes.
struct ResourceValues {
  ServerResources resources;  // its `collectors` is filled by Snapshot()
  bool have_user_counts = false;
  std::map<std::string, UserCounts> user_counts;  // by organization id
  RestoreTracker restores;
  Timestamp restores_last_read = kNoTime;  // start of the last good read
};

// Not thread-safe: the refresher's thread only.
class ResourceCollectors {
 public:
  explicit ResourceCollectors(const ServerConfig* config);  // outlives this

  // Runs every enabled collector that is due, for a server on `version`.
  void Collect(ApiVersion version, ResourceSource* source, Timestamp now);
  // The values for a snapshot: the last good values, licensed-user counts
  // joined to their organizations, the CollectorRun of every collector
  // that ran (table order).
  ServerResources Snapshot() const;

  // Goes on counting restores from a saved state (the state file), before
  // the first Collect.
  void RestoreRestores(const SavedRestores& saved);
  // The restore counter to save: none before restore_sessions has read.
  std::optional<SavedRestores> SaveRestores() const;

  // The table's collector names, in run order.
  static const std::array<const char*, 7>& Names();

 private:
  struct State {
    // kNotFound on this version: not asked again while it is served.
    ApiVersion skipped_on = ApiVersion::kAuto;
    // The version it last succeeded on: a 404 there is a failure, not a
    // resource the version lacks.
    ApiVersion served_on = ApiVersion::kAuto;
    bool failing = false;  // in a failure streak (logged once)
    bool has_run = false;
    Timestamp last_attempt = kNoTime;
    CollectorRun run;
  };
  bool Due(size_t i, Timestamp now) const;

  const ServerConfig* config_;
  ResourceValues values_;
  std::array<State, 7> states_;
};

}  // namespace vb365
