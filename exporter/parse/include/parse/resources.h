// Readers of the resources beyond jobs (issue 9): response bytes -> the
// plain values of model/resources.h. These responses are small (or, for
// /LicensedUsers, paged) and read once per refresh, off the hot path, so
// they go through simdjson's DOM API (src/resource_readers/) rather than the
// hand-written walk of parser.h.
//
// Every reader type-checks what it reads: a wrong type returns an Error with
// code kMalformed whose message names the field's path
// ("results[2].capacityBytes: expected an integer"). Absent and null
// optional fields stay absent; unknown enum strings become kUnknown.
// Collection readers accept a plain array (v6/v7) or a v8 page envelope
// {"offset","limit","results":[...],"_links":{"next":...}}, append to *out
// only on success (nothing partial) and report the page in PageInfo.
// The readers are thread-safe (each call uses its own DOM parser). `json`
// needs no padding: the DOM parser copies it when it has to.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/resources.h"
#include "model/restore_state.h"
#include "model/types.h"

namespace vb365 {

// GET /License (an object; v6 expirationDate, v7+ licenseExpires).
Result<License> ReadLicense(std::string_view json);
// GET /BackupRepositories.
Result<PageInfo> ReadRepositories(std::string_view json,
                                  std::vector<Repository>* out);
// GET /Proxies.
Result<PageInfo> ReadProxies(std::string_view json, std::vector<Proxy>* out);
// GET /Organizations (sync and users are left empty).
Result<PageInfo> ReadOrganizations(std::string_view json,
                                   std::vector<Organization>* out);
// v8 GET /Organizations/SyncState: an array, one element per organization.
Result<std::vector<OrganizationSync>> ReadSyncStates(std::string_view json);
// v7 GET /Organizations/{id}/SyncState: one object, the v7 shape {status,
// lastSyncTime} (or the v8 one); it has no organizationId: the caller knows
// it.
Result<OrganizationSync> ReadSyncState(std::string_view json);
// GET /LicensedUsers: one page, counted into *counts per organizationId
// ("" for a user without one). Never keeps a user.
Result<PageInfo> ReadLicensedUsers(std::string_view json,
                                   std::map<std::string, UserCounts>* counts);
// v8 GET /Health.
Result<Health> ReadHealth(std::string_view json);
// GET /RestoreSessions: one page (a session without an id is malformed).
Result<PageInfo> ReadRestoreSessions(std::string_view json,
                                     std::vector<RestoreSession>* out);

}  // namespace vb365
