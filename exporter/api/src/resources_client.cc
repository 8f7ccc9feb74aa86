// The Client's reads of the resources beyond jobs (issue 9): license,
// repositories, proxies, organizations and their sync state, licensed users,
// health. The bodies go to the DOM readers of parse/resources.h.
#include <functional>
#include <string_view>
#include <utility>

#include "api/client.h"
#include "api/http_util.h"
#include "common/log.h"
#include "parse/resources.h"
#include "response_error.h"

namespace vb365 {
namespace {

constexpr int64_t kResourcePageLimit = 1000;
constexpr int kMaxResourcePages = 100000;

std::string_view Body(const HttpResponse& response) {
  return std::string_view(response.body.data(), response.body.size());
}

std::string WithPaging(const std::string& path, int64_t limit, int64_t offset) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") +
         "limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset);
}

}  // namespace

Status Client::ReadPages(const Target& target, std::string_view endpoint,
                         const std::string& path, bool send_paging,
                         const PageReader& read) {
  int64_t offset = 0;
  size_t previous_page = 0;
  for (int pages = 0; pages < kMaxResourcePages; ++pages) {
    const std::string path_query =
        send_paging ? WithPaging(path, kResourcePageLimit, offset) : path;
    Result<HttpResponse> response = Get(target, endpoint, path_query);
    if (!response.ok()) return response.error();
    const std::string_view body = Body(*response);
    const size_t page_hash = std::hash<std::string_view>{}(body) ^ body.size();
    if (pages > 0 && page_hash == previous_page) {
      return Error(ErrorCode::kMalformed,
                   std::string(endpoint) + ": the page at offset " +
                       std::to_string(offset) +
                       " repeats the previous page (GET " + path_query + ")");
    }
    previous_page = page_hash;
    Result<PageInfo> info = read(body);
    if (!info.ok()) {
      if (observer_ != nullptr) observer_->OnParseError(endpoint);
      return Error(ErrorCode::kMalformed,
                   std::string(endpoint) + ": malformed response to GET " +
                       path_query + ": " +
                       http::Sanitize(info.error().message(), 200));
    }
    // The same stop rule as ReadAll (client.cc).
    if (!info->is_page || info->count <= 0) return Ok{};
    const bool full = info->limit > 0 && info->count >= info->limit;
    if (!full && !info->has_next) return Ok{};
    send_paging = true;
    offset += info->count;
  }
  return Error(ErrorCode::kMalformed, std::string(endpoint) + ": more than " +
                                          std::to_string(kMaxResourcePages) +
                                          " pages at GET " + path);
}

namespace {

// GET of one object, read by `reader`.
template <typename T, typename Get, typename Observer>
Result<T> ReadObject(Get get, std::string_view endpoint, Observer* observer,
                     Result<T> (*reader)(std::string_view)) {
  Result<HttpResponse> response = get();
  if (!response.ok()) return response.error();
  Result<T> value = reader(Body(*response));
  if (!value.ok()) {
    if (observer != nullptr) observer->OnParseError(endpoint);
    return Error(ErrorCode::kMalformed,
                 std::string(endpoint) + ": malformed response: " +
                     http::Sanitize(value.error().message(), 200));
  }
  return value;
}

}  // namespace

Result<License> Client::GetLicense() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  return ReadObject<License>(
      [&] { return Get(*target, "license", "/License"); }, "license", observer_,
      &ReadLicense);
}

Result<std::vector<Repository>> Client::ListRepositories() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::vector<Repository> out;
  Status read = ReadPages(
      *target, "repositories", "/BackupRepositories",
      target->version >= ApiVersion::kV8,
      [&out](std::string_view body) { return ReadRepositories(body, &out); });
  if (!read.ok()) return read.error();
  return out;
}

Result<std::vector<Proxy>> Client::ListProxies() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::vector<Proxy> out;
  Status read = ReadPages(
      *target, "proxies", "/Proxies", target->version >= ApiVersion::kV8,
      [&out](std::string_view body) { return ReadProxies(body, &out); });
  if (!read.ok()) return read.error();
  return out;
}

Result<std::vector<Organization>> Client::ListOrganizations() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::vector<Organization> out;
  Status read = ReadPages(
      *target, "organizations", "/Organizations",
      target->version >= ApiVersion::kV8,
      [&out](std::string_view body) { return ReadOrganizations(body, &out); });
  if (!read.ok()) return read.error();
  return out;
}

Result<std::vector<OrganizationSync>> Client::ListSyncStates(
    const std::vector<Organization>& organizations) {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  const char* endpoint = "organization_sync";
  if (target->version >= ApiVersion::kV8) {
    return ReadObject<std::vector<OrganizationSync>>(
        [&] { return Get(*target, endpoint, "/Organizations/SyncState"); },
        endpoint, observer_, &ReadSyncStates);
  }
  if (target->version < ApiVersion::kV7) {
    return Error(ErrorCode::kNotFound, "organization sync state: not in API " +
                                           ApiVersionName(target->version));
  }
  std::vector<OrganizationSync> out;
  for (const Organization& org : organizations) {
    Result<OrganizationSync> one = ReadObject<OrganizationSync>(
        [&] {
          return Get(
              *target, endpoint,
              "/Organizations/" + http::UrlEncode(org.id) + "/SyncState");
        },
        endpoint, observer_, &ReadSyncState);
    if (!one.ok() && one.error().code() == ErrorCode::kNotFound) continue;
    if (!one.ok()) return one.error();
    one->organization_id = org.id;
    out.push_back(std::move(*one));
  }
  return out;
}

Result<std::map<std::string, UserCounts>> Client::CountLicensedUsers() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::map<std::string, UserCounts> counts;
  Status read = ReadPages(*target, "licensed_users", "/LicensedUsers",
                          /*send_paging=*/true, [&counts](std::string_view b) {
                            return ReadLicensedUsers(b, &counts);
                          });
  if (!read.ok()) return read.error();
  return counts;
}

Result<std::vector<RestoreSession>> Client::ListRestoreSessions(
    Timestamp started_from, Timestamp ended_from) {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::vector<RestoreSession> out;
  auto read = [&](const char* param, Timestamp from) {
    return ReadPages(*target, "restore_sessions",
                     std::string("/RestoreSessions?") + param + "=" +
                         http::UrlEncode(FormatTimestamp(from)),
                     /*send_paging=*/true, [&out](std::string_view body) {
                       return ReadRestoreSessions(body, &out);
                     });
  };
  Status started = read("startTimeFrom", started_from);
  if (!started.ok()) return started.error();
  if (target->version >= ApiVersion::kV8 && ended_from != kNoTime) {
    Status ended = read("endTimeFrom", ended_from);
    if (!ended.ok()) return ended.error();
  }
  return out;
}

Result<Health> Client::GetHealth() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  if (target->version < ApiVersion::kV8) {
    return Error(ErrorCode::kNotFound,
                 "health: not in API " + ApiVersionName(target->version));
  }
  // Anonymous: the one endpoint that needs no token.
  HttpRequest request;
  request.url = target->base_url + "/Health";
  HttpResponse response = transport_->Send(request);
  Observe("health", response);
  const bool ok = response.status >= 200 && response.status <= 299;
  if (ok || response.status == 503) {
    // The documents list only 200, but ASP.NET health checks answer an
    // unhealthy report with 503: take the report when the body is one.
    Result<Health> health = ReadHealth(Body(response));
    if (health.ok()) return health;
    if (ok) {
      if (observer_ != nullptr) observer_->OnParseError("health");
      return Error(ErrorCode::kMalformed,
                   "health: malformed response: " +
                       http::Sanitize(health.error().message(), 200));
    }
  }
  return Error(ResponseErrorCode(response),
               "health: " + (response.status == 0
                                 ? response.error
                                 : "HTTP " + std::to_string(response.status)));
}

}  // namespace vb365
