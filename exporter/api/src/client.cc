#include "api/client.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>

#include "api/http_util.h"
#include "common/log.h"
#include "parse/parser.h"
#include "response_error.h"
#include "thread_parser.h"

namespace vb365 {

Parser& ThreadParser() {
  thread_local Parser parser;
  return parser;
}

Parser& ParserFor(const PaddedBody& body) {
  Parser* slot = body.slot_parser();
  return slot != nullptr ? *slot : ThreadParser();
}

namespace {

// Large pages: few round trips, and far below the API's maximum of 10,000
// (the v5/v6 session pages).
constexpr int64_t kPageLimit = 1000;
// The documented maximum (v7/v8 /JobSessions, v8 /Jobs and /CopyJobs): the
// job list of 1,000 jobs and a refresh's bulk session read are one page.
constexpr int64_t kMaxPageLimit = 10000;
// A server whose offsets never advance must not keep us paging forever.
constexpr int kMaxPages = 100000;
// A worker's parser keeps its index (about 4 bytes per input byte) sized for
// the largest document it parsed: above this it is freed after the parse, so
// several workers do not each sit on an index for a whole-history (v3/v4)
// body while they wait on the network. Below it, reuse saves the allocation.
constexpr size_t kKeepParserMemory = 1 << 20;

// Set by ReceiveBufferReuse: the thread keeps its parser's index.
thread_local bool keep_parser_memory = false;

void ReleaseLargeParserMemory() {
  if (keep_parser_memory) return;
  Parser& parser = ThreadParser();
  if (parser.MemoryUsage() > kKeepParserMemory) parser.ReleaseMemory();
}

std::string VersionPath(ApiVersion v) {
  return "/v" + std::to_string(static_cast<int>(v));
}

std::string AppendQuery(const std::string& path, std::string_view params) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") +
         std::string(params);
}

}  // namespace

void SetMaxLargeResponses(int slots) { PaddedBody::SetLargeBodyLimit(slots); }

LargeBodyStats LargeResponseStats() { return PaddedBody::GetLargeBodyStats(); }

ReceiveBufferReuse::ReceiveBufferReuse() {
  keep_parser_memory = true;
  PaddedBody::SetThreadReuse(true);
}

ReceiveBufferReuse::~ReceiveBufferReuse() {
  keep_parser_memory = false;
  PaddedBody::SetThreadReuse(false);
  // The pool's workers outlive the scope: an index kept for small bodies
  // would stay with every worker between refreshes (steady RSS).
  ThreadParser().ReleaseMemory();
}

Client::Client(const ServerConfig& config, Transport* transport,
               ApiObserver* observer, TokenManager::Clock clock)
    : config_(config),
      transport_(transport),
      observer_(observer),
      clock_(std::move(clock)),
      version_(config.api_version) {}

void Client::Observe(std::string_view endpoint, const HttpResponse& response) {
  if (observer_ != nullptr) {
    observer_->OnRequest(endpoint, response.status, response.elapsed_seconds,
                         response.body.size());
  }
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "api request",
        {{"server", config_.name},
         {"endpoint", endpoint},
         {"code", std::to_string(response.status)},
         {"seconds", std::to_string(response.elapsed_seconds)},
         {"bytes", std::to_string(response.body.size())}});
  }
}

Result<ApiVersion> Client::Version() {
  std::lock_guard<std::mutex> lock(mu_);
  if (version_ != ApiVersion::kAuto) return version_;
  for (int n = 8; n >= 3; --n) {
    auto v = static_cast<ApiVersion>(n);
    HttpRequest request;
    request.url = config_.url + VersionPath(v) + "/ServiceInstance";
    HttpResponse response = transport_->Send(request);
    Observe("service_instance", response);
    if (response.status == 404) continue;
    if (response.status == 0) {
      return Error(ResponseErrorCode(response),
                   "version probe " + request.url + ": " + response.error);
    }
    if ((response.status >= 200 && response.status <= 299) ||
        response.status == 401 || response.status == 403) {
      version_ = v;
      Log(LogLevel::kInfo, "API version detected",
          {{"server", config_.name}, {"api_version", ApiVersionName(v)}});
      return v;
    }
    return Error(ResponseErrorCode(response),
                 "version probe " + request.url + ": HTTP " +
                     std::to_string(response.status));
  }
  return Error(ErrorCode::kNotFound,
               "no API version v3..v8 is served at " + config_.url +
                   " (every /vN/ServiceInstance answered 404)");
}

void Client::ResetVersion() {
  std::lock_guard<std::mutex> lock(mu_);
  if (config_.api_version != ApiVersion::kAuto) return;
  version_ = ApiVersion::kAuto;
  // tokens_ stays: dropping it would turn every failed refresh into a new
  // login and forget a running 429 back-off.
}

Result<Client::Target> Client::Prepare() {
  Result<ApiVersion> version = Version();
  if (!version.ok()) return version.error();
  std::lock_guard<std::mutex> lock(mu_);
  Target target;
  target.version = *version;
  target.base_url = config_.url + VersionPath(*version);
  if (tokens_ == nullptr || tokens_version_ != *version) {
    tokens_ = std::make_shared<TokenManager>(
        config_.name, target.base_url, *version, config_.username,
        config_.password, transport_, observer_, clock_);
    tokens_version_ = *version;
  }
  target.tokens = tokens_;
  return target;
}

Result<HttpResponse> Client::Get(const Target& target,
                                 std::string_view endpoint,
                                 const std::string& path_query) {
  HttpResponse response;
  for (int attempt = 0;; ++attempt) {
    Result<std::string> token = target.tokens->Token();
    if (!token.ok()) return token.error();
    HttpRequest request;
    request.url = target.base_url + path_query;
    request.headers.emplace_back("Authorization", "Bearer " + *token);
    response = transport_->Send(request);
    Observe(endpoint, response);
    if (response.status != 401) break;
    if (attempt > 0) {
      return Error(ErrorCode::kUnauthorized,
                   std::string(endpoint) +
                       ": HTTP 401 again after a new login (GET " + path_query +
                       ")");
    }
    // Expired or revoked token (the body may be empty): log in once more.
    Log(LogLevel::kInfo, "token rejected, logging in again",
        {{"server", config_.name}, {"endpoint", endpoint}});
    target.tokens->Invalidate(*token);
  }
  if (response.status == 0) {
    return Error(ResponseErrorCode(response),
                 std::string(endpoint) + ": " + response.error);
  }
  if (response.status == 404) {
    return Error(ErrorCode::kNotFound, "not found: GET " + path_query);
  }
  if (response.status < 200 || response.status > 299) {
    std::string message =
        std::string(endpoint) + ": HTTP " + std::to_string(response.status);
    std::string detail =
        http::ErrorBodyMessage(response.body, 200, {config_.password.Reveal()});
    if (!detail.empty()) message += ": " + detail;
    return Error(ResponseErrorCode(response), std::move(message));
  }
  return response;
}

template <typename T, typename ParseFn, typename FilterFn>
Status Client::ReadAll(const Target& target, std::string_view endpoint,
                       const std::string& path, bool send_paging, int64_t limit,
                       ParseFn parse, FilterFn keep, std::vector<T>* out) {
  int64_t offset = 0;
  // A page byte for byte equal to the one before it (a server that ignores
  // the offset and links the page to itself) would otherwise be read up to
  // kMaxPages times, each copy appended to *out.
  size_t previous_page = 0;
  for (int pages = 0; pages < kMaxPages; ++pages) {
    std::string path_query = path;
    if (send_paging) {
      path_query = AppendQuery(path, "limit=" + std::to_string(limit) +
                                         "&offset=" + std::to_string(offset));
    }
    Result<HttpResponse> response = Get(target, endpoint, path_query);
    if (!response.ok()) return response.error();
    const size_t page_hash =
        std::hash<std::string_view>{}(response->body.view()) ^
        response->body.size();
    if (pages > 0 && page_hash == previous_page) {
      return Error{ErrorCode::kMalformed,
                   std::string(endpoint) + ": the page at offset " +
                       std::to_string(offset) +
                       " repeats the previous page (GET " + path_query + ")"};
    }
    previous_page = page_hash;
    size_t before = out->size();
    Result<PageInfo> info =
        parse(ParserFor(response->body), response->body, out);
    ReleaseLargeParserMemory();
    if (!info.ok()) {
      if (observer_ != nullptr) observer_->OnParseError(endpoint);
      return Error(ErrorCode::kMalformed,
                   std::string(endpoint) + ": malformed response to GET " +
                       path_query + ": " +
                       http::Sanitize(info.error().message(), 200));
    }
    out->erase(std::remove_if(out->begin() + before, out->end(),
                              [&](const T& item) { return !keep(item); }),
               out->end());
    if (!info->is_page) return Ok{};  // a plain array is the whole set
    // Stop at an empty page, or when the page is shorter than the limit the
    // server reports and there is no next link. A server that caps the
    // limit below what we asked reports its own limit, so full pages
    // continue; a next link always continues.
    int64_t count = info->count;
    if (count <= 0) return Ok{};
    bool full = info->limit > 0 && count >= info->limit;
    if (!full && !info->has_next) return Ok{};
    if (!send_paging) {
      // The server pages without being asked (older versions): ask for the
      // rest in large pages.
      send_paging = true;
    }
    offset += count;
  }
  return Error(ErrorCode::kMalformed, std::string(endpoint) + ": more than " +
                                          std::to_string(kMaxPages) +
                                          " pages at GET " + path);
}

Result<ServiceInstance> Client::GetServiceInstance() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  Result<HttpResponse> response =
      Get(*target, "service_instance", "/ServiceInstance");
  if (!response.ok()) return response.error();
  Result<ServiceInstance> parsed =
      ParserFor(response->body).ParseServiceInstance(response->body);
  ReleaseLargeParserMemory();
  if (!parsed.ok()) {
    if (observer_ != nullptr) observer_->OnParseError("service_instance");
    return Error(ErrorCode::kMalformed,
                 "service_instance: malformed response: " +
                     http::Sanitize(parsed.error().message(), 200));
  }
  return parsed;
}

Result<std::vector<Job>> Client::ListJobs() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  std::vector<Job> jobs;
  bool paged = target->version >= ApiVersion::kV8;
  Status read = ReadAll(
      *target, "jobs", "/Jobs", paged, kMaxPageLimit,
      [](Parser& p, const PaddedBody& body, std::vector<Job>* out) {
        return p.ParseJobs(body, out);
      },
      [](const Job&) { return true; }, &jobs);
  if (!read.ok()) return read.error();
  return jobs;
}

Result<std::vector<Job>> Client::ListCopyJobs() {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  if (target->version < ApiVersion::kV6) {
    return Error(ErrorCode::kNotFound, "no copy jobs before API v6");
  }
  std::vector<Job> jobs;
  bool paged = target->version >= ApiVersion::kV8;
  Status read = ReadAll(
      *target, "copy_jobs", "/CopyJobs", paged, kMaxPageLimit,
      [](Parser& p, const PaddedBody& body, std::vector<Job>* out) {
        return p.ParseJobs(body, out);
      },
      [](const Job&) { return true; }, &jobs);
  if (!read.ok()) return read.error();
  for (Job& job : jobs) job.type = JobType::kCopy;
  return jobs;
}

Result<SessionsFetch> Client::ReadJobSessions(const Target& target,
                                              const Job& job,
                                              const std::string& path,
                                              bool paged, bool filter_by_job) {
  const Id job_key = job.key.empty() ? ParseId(job.id) : job.key;
  SessionsFetch fetch;
  const int64_t limit =
      target.version >= ApiVersion::kV7 ? kMaxPageLimit : kPageLimit;
  Status read = ReadAll(
      target, "job_sessions", path, paged, limit,
      [](Parser& p, const PaddedBody& body, std::vector<JobSession>* out) {
        return p.ParseSessions(body, out);
      },
      [&](const JobSession& s) {
        // A session whose job cannot be told is kept.
        return !filter_by_job || s.job_id.empty() || s.job_id == job_key;
      },
      &fetch.sessions);
  if (!read.ok()) return read.error();
  return fetch;
}

Result<SessionsFetch> Client::ListSessions(const Job& job,
                                           Timestamp lower_bound) {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  const ApiVersion v = target->version;
  const bool copy = job.type == JobType::kCopy;

  std::string path;
  bool paged = false;
  bool filter_by_job = false;
  if (copy && v <= ApiVersion::kV6) {
    // v6 has no jobId filter: every copy job's sessions, kept by job.
    path = "/JobSessions?jobType=Copy";
    paged = true;
    filter_by_job = true;
  } else if (v <= ApiVersion::kV4) {
    path = "/Jobs/" + http::UrlEncode(job.id) + "/JobSessions";
  } else if (v <= ApiVersion::kV6) {
    path = "/Jobs/" + http::UrlEncode(job.id) + "/JobSessions";
    paged = true;
  } else {
    path = "/JobSessions?jobId=" + http::UrlEncode(job.id);
    if (copy) path += "&jobType=Copy";
    if (lower_bound != kNoTime) {
      path +=
          "&endTimeLowerBound=" + http::UrlEncode(FormatTimestamp(lower_bound));
    }
    paged = true;
    filter_by_job = true;
  }
  return ReadJobSessions(*target, job, path, paged, filter_by_job);
}

Result<SessionsFetch> Client::ListRecentSessions(JobType type,
                                                 Timestamp lower_bound) {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  if (target->version < ApiVersion::kV7) {
    return Error(ErrorCode::kNotFound,
                 "no bounded read of every job's sessions before API v7");
  }
  std::string path = "/JobSessions";
  std::string query;
  if (type == JobType::kCopy) query = "jobType=Copy";
  if (lower_bound != kNoTime) {
    if (!query.empty()) query += "&";
    query +=
        "endTimeLowerBound=" + http::UrlEncode(FormatTimestamp(lower_bound));
  }
  if (!query.empty()) path += "?" + query;
  SessionsFetch fetch;
  Status read = ReadAll(
      *target, "job_sessions", path, true, kMaxPageLimit,
      [](Parser& p, const PaddedBody& body, std::vector<JobSession>* out) {
        return p.ParseSessions(body, out);
      },
      // Only a session that names its job can be given to one.
      [](const JobSession& s) { return !s.job_id.empty(); }, &fetch.sessions);
  if (!read.ok()) return read.error();
  return fetch;
}

Result<SessionsFetch> Client::ListRunningSessions(const Job& job) {
  Result<Target> target = Prepare();
  if (!target.ok()) return target.error();
  if (target->version < ApiVersion::kV8) return SessionsFetch{};
  std::string path = "/JobSessions?jobId=" + http::UrlEncode(job.id);
  if (job.type == JobType::kCopy) path += "&jobType=Copy";
  path += "&status=Running";
  return ReadJobSessions(*target, job, path, true, true);
}

}  // namespace vb365
