#include "sim_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace vb365::sim {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kHtmlType = "text/html";
constexpr int64_t kDefaultLimit = 30;
constexpr int64_t kMaxLimit = 10000;

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ParseInt64(const std::string& s, int64_t* v) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  int64_t r = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = neg ? -r : r;
  return true;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(
          std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = UrlDecode(pair.substr(0, eq));
      std::string value =
          eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
      out.emplace(std::move(key), std::move(value));
    }
    pos = amp + 1;
  }
  return out;
}

// Query parameters, names matched case-insensitively like ASP.NET does.
std::string Param(const httplib::Request& req, const std::string& name,
                  bool* present = nullptr) {
  for (const auto& [k, v] : req.params) {
    if (Lower(k) == Lower(name)) {
      if (present) *present = true;
      return v;
    }
  }
  if (present) *present = false;
  return "";
}

std::string RandomHex(size_t bytes) {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  std::string out;
  char buf[20];
  for (size_t i = 0; i < bytes; i += 8) {
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(gen()));
    out.append(buf);
  }
  out.resize(bytes * 2);
  return out;
}

Ticks WallTicks() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
             .count() /
         100;
}

// Session bodies of one job in one version, serialized once: the array text
// and where each session starts and ends in it, so pages are slices.
struct SessionCache {
  std::string array;  // "[s0,s1,...]"
  std::vector<size_t> begin;
  std::vector<size_t> end;
  std::vector<Ticks> end_time;  // kNotFinished while unfinished
  std::vector<std::string> status;
};

std::shared_ptr<const SessionCache> BuildSessionCache(const Job& job,
                                                      const WriteOptions& w) {
  auto c = std::make_shared<SessionCache>();
  const size_t n = job.sessions.size();
  c->array.reserve(n * 900 + 2);
  c->array.push_back('[');
  c->begin.reserve(n);
  c->end.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (i) c->array.push_back(',');
    WriteOptions wi = w;
    if (w.mutation != Mutation::kNone &&
        i % static_cast<size_t>(std::max(1, w.mutate_every)) != 0) {
      wi.mutation = Mutation::kNone;
    }
    c->begin.push_back(c->array.size());
    AppendSessionJson(job.sessions[i], wi, &c->array);
    c->end.push_back(c->array.size());
    const Session& s = job.sessions[i];
    c->end_time.push_back(s.finished() ? s.end_time : kNotFinished);
    c->status.push_back(s.status);
  }
  c->array.push_back(']');
  return c;
}

struct JobEntry {
  int index = -1;  // position in the generated set; -1 for fixture jobs
  Job job;
  bool fixture = false;
  bool copy = false;  // a backup copy job (/CopyJobs)
  std::shared_ptr<const std::string> fixture_body;
  std::array<std::shared_ptr<const SessionCache>, 9> cache;
};

// A response body: a view into a shared, immutable string.
struct Body {
  std::shared_ptr<const std::string> holder;
  const char* data = "";
  size_t size = 0;
  static Body Of(std::string s) {
    Body b;
    auto h = std::make_shared<const std::string>(std::move(s));
    b.data = h->data();
    b.size = h->size();
    b.holder = std::move(h);
    return b;
  }
};

struct Reply {
  int status = 200;
  Body body;
  const char* content_type = kJsonType;
  std::vector<std::pair<std::string, std::string>> headers;
};

const char* ProductVersion(int v) {
  switch (v) {
    case 3:
      return "3.0.0.422";
    case 4:
      return "4.0.1.545";
    case 5:
      return "5.0.3.1063";
    case 6:
      return "6.1.0.222";
    case 7:
      return "7.1.0.1301";
    default:
      return "8.1.0.305";
  }
}

// The endpoint name (as faults and stats know it) of a GET of one of issue
// 9's resources on version v, "other" where v does not have it. v3..v5 have
// no published document: they get v6's resources (not copy jobs).
std::string ResourceEndpoint(const std::vector<std::string>& seg, int v) {
  if (seg.size() == 2) {
    const std::string& r = seg[1];
    if (r == "license") return "license";
    if (r == "licensedusers") return "licensed_users";
    if (r == "backuprepositories") return "repositories";
    if (r == "proxies") return "proxies";
    if (r == "organizations") return "organizations";
    if (r == "restoresessions") return "restore_sessions";
    if (r == "copyjobs" && v >= 6) return "copy_jobs";
    if (r == "health" && v >= 8) return "health";
  }
  if (seg.size() == 3 && seg[1] == "organizations" && seg[2] == "syncstate" &&
      v >= 8)
    return "organization_sync";
  if (seg.size() == 4 && seg[1] == "organizations" && seg[3] == "syncstate" &&
      v >= 7)
    return "organization_sync";
  return "other";
}

}  // namespace

// ---------------------------------------------------------------- faults

std::string FaultToJson(const FaultSpec& f) {
  json j{{"id", f.id},
         {"kind", f.kind},
         {"endpoint", f.endpoint},
         {"job_id", f.job_id},
         {"remaining", f.remaining},
         {"ms", f.ms},
         {"bytes", f.bytes},
         {"status", f.status},
         {"every", f.every},
         {"retry_after", f.retry_after},
         {"page_size", f.page_size}};
  return j.dump();
}

namespace {

const char* const kFaultKinds[] = {
    "latency",   "drip",           "http_error",    "error500",
    "reset",     "malformed",      "truncated",     "numbers_as_strings",
    "nulls",     "missing_fields", "huge",          "not_found",
    "down",      "html_error",     "unknown_enums", "page_overlap",
    "page_loop", "delete_job"};
const char* const kEndpoints[] = {"",
                                  "token",
                                  "service_instance",
                                  "jobs",
                                  "job_sessions",
                                  "license",
                                  "licensed_users",
                                  "repositories",
                                  "proxies",
                                  "organizations",
                                  "organization_sync",
                                  "copy_jobs",
                                  "restore_sessions",
                                  "health"};

std::string SetFaultField(FaultSpec* f, const std::string& key,
                          const std::string& value) {
  int64_t n = 0;
  auto need_int = [&]() { return ParseInt64(value, &n); };
  if (key == "kind") {
    f->kind = value;
  } else if (key == "endpoint") {
    f->endpoint = value;
  } else if (key == "job_id" || key == "job") {
    f->job_id = Lower(value);
  } else if (key == "count" || key == "remaining") {
    if (!need_int()) return "fault: " + key + " must be an integer";
    f->remaining = n;
  } else if (key == "ms") {
    if (!need_int() || n < 0) return "fault: ms must be a non-negative integer";
    f->ms = n;
  } else if (key == "bytes") {
    if (!need_int() || n < 0)
      return "fault: bytes must be a non-negative integer";
    f->bytes = n;
  } else if (key == "status") {
    if (!need_int() || n < 100 || n > 599)
      return "fault: status must be 100..599";
    f->status = static_cast<int>(n);
  } else if (key == "retry_after") {
    if (!need_int() || n < 0)
      return "fault: retry_after must be a non-negative integer";
    f->retry_after = n;
  } else if (key == "page_size") {
    if (!need_int() || n < 1) return "fault: page_size must be >= 1";
    f->page_size = n;
  } else if (key == "every") {
    if (!need_int() || n < 1) return "fault: every must be >= 1";
    f->every = static_cast<int>(n);
  } else {
    return "fault: unknown key '" + key + "'";
  }
  return "";
}

std::string Validate(FaultSpec* f) {
  bool ok = false;
  for (const char* k : kFaultKinds) ok = ok || f->kind == k;
  if (!ok) return "fault: unknown kind '" + f->kind + "'";
  if (f->kind == "error500") f->kind = "http_error";
  ok = false;
  for (const char* e : kEndpoints) ok = ok || f->endpoint == e;
  if (!ok) return "fault: unknown endpoint '" + f->endpoint + "'";
  if (f->remaining == 0) return "fault: count 0 would never apply";
  if (f->kind == "delete_job" &&
      (f->endpoint != "job_sessions" || f->job_id.empty())) {
    return "fault: delete_job needs endpoint=job_sessions and a job_id";
  }
  if (f->kind == "drip") {
    if (f->bytes <= 0) f->bytes = 16;
    if (f->ms <= 0) f->ms = 50;
  }
  if (f->kind == "huge" && f->bytes <= 0) f->bytes = 128LL << 20;
  if ((f->kind == "page_overlap" || f->kind == "page_loop") &&
      f->page_size <= 0) {
    f->page_size = 5;
  }
  return "";
}

}  // namespace

std::string ParseFaultFlag(const std::string& text, FaultSpec* out) {
  FaultSpec f;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (f.kind.empty()) {
        f.kind = item;  // "--fault down" is short for kind=down
        continue;
      }
      return "fault: expected key=value, got '" + item + "'";
    }
    std::string err =
        SetFaultField(&f, item.substr(0, eq), item.substr(eq + 1));
    if (!err.empty()) return err;
  }
  std::string err = Validate(&f);
  if (!err.empty()) return err;
  *out = f;
  return "";
}

std::string ParseFaultJson(const std::string& text,
                           std::vector<FaultSpec>* out) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return "fault: body is not JSON";
  std::vector<json> items;
  if (j.is_array()) {
    items.assign(j.begin(), j.end());
  } else if (j.is_object()) {
    items.push_back(j);
  } else {
    return "fault: body must be an object or an array of objects";
  }
  for (const json& item : items) {
    if (!item.is_object()) return "fault: each fault must be an object";
    FaultSpec f;
    for (auto it = item.begin(); it != item.end(); ++it) {
      std::string value;
      if (it.value().is_string()) {
        value = it.value().get<std::string>();
      } else if (it.value().is_number_integer()) {
        value = std::to_string(it.value().get<int64_t>());
      } else {
        return "fault: '" + it.key() + "' must be a string or an integer";
      }
      std::string err = SetFaultField(&f, it.key(), value);
      if (!err.empty()) return err;
    }
    std::string err = Validate(&f);
    if (!err.empty()) return err;
    out->push_back(f);
  }
  return "";
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    return (ntohl(a4.s_addr) >> 24) == 127;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&a6);
  }
  return false;
}

// ---------------------------------------------------------------- server

class SimulatorImpl {
 public:
  explicit SimulatorImpl(SimulatorOptions o) : opt_(std::move(o)) {
    if (opt_.anchor_from_clock) opt_.gen.anchor = WallTicks();
    initial_password_ = opt_.password;
    start_ = Clock::now();
    ResetData();
    faults_ = opt_.faults;
    for (FaultSpec& f : faults_) f.id = ++fault_seq_;
  }

  int Run();
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (httplib::Server* s = live_server_.load()) s->stop();
    std::lock_guard<std::mutex> lock(stop_mu_);
    for (auto& extra : extra_servers_) extra->stop();
  }

 private:
  // ---- state helpers (mu_ held)
  void ResetData() {
    jobs_.clear();
    DataSet d = Generate(opt_.gen);
    for (const auto& [index, name] : opt_.job_names) {
      if (index >= 0 && static_cast<size_t>(index) < d.jobs.size()) {
        d.jobs[index].name = name;
      }
    }
    for (size_t i = 0; i < d.jobs.size(); ++i) {
      JobEntry e;
      e.index = static_cast<int>(i);
      e.job = std::move(d.jobs[i]);
      jobs_.push_back(std::move(e));
    }
    for (size_t i = 0; i < opt_.fixture_bodies.size(); ++i) {
      JobEntry e;
      e.fixture = true;
      e.job.id = opt_.fixture_bodies[i].first;
      e.job.name = "Fixture " + opt_.fixture_names[i];
      e.job.description =
          "Sessions served verbatim from " + opt_.fixture_names[i];
      e.job.repository_id = DeterministicUuid(opt_.gen.seed, 0x2000000ULL);
      e.job.organization_id = DeterministicUuid(opt_.gen.seed, 0x3000000ULL);
      e.fixture_body =
          std::make_shared<const std::string>(opt_.fixture_bodies[i].second);
      jobs_.push_back(std::move(e));
    }
    for (auto& c : jobs_cache_) c.reset();
    made_sessions_ = 0;
    added_jobs_ = 0;
    made_restores_ = 0;
    pending_finish_.clear();
    resources_ = GenerateResources(opt_.gen, opt_.resources);
    copy_jobs_.clear();
    for (size_t i = 0; i < resources_.copy_jobs.size(); ++i) {
      JobEntry e;
      e.index = static_cast<int>(i);
      e.copy = true;
      e.job = std::move(resources_.copy_jobs[i]);
      copy_jobs_.push_back(std::move(e));
    }
    resources_.copy_jobs.clear();  // copy_jobs_ holds them (and their changes)
  }

  // A backup job, or also a copy job when include_copy.
  JobEntry* FindJob(const std::string& id, bool include_copy = true) {
    const std::string want = Lower(id);
    for (JobEntry& e : jobs_) {
      if (Lower(e.job.id) == want) return &e;
    }
    if (include_copy) {
      for (JobEntry& e : copy_jobs_) {
        if (Lower(e.job.id) == want) return &e;
      }
    }
    return nullptr;
  }

  void Invalidate(JobEntry* e) {
    for (auto& c : e->cache) c.reset();
    if (!e->copy) {
      for (auto& c : jobs_cache_) c.reset();
    }
  }

  WriteOptions Writer(int v) const {
    WriteOptions w;
    w.version.number = v;
    w.base_url = base_url_;
    return w;
  }

  std::shared_ptr<const SessionCache> CacheFor(JobEntry* e, int v) {
    if (!e->cache[v]) e->cache[v] = BuildSessionCache(e->job, Writer(v));
    return e->cache[v];
  }

  Ticks Now() const {
    return opt_.gen.anchor +
           std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                                start_)
                   .count() /
               100;
  }

  Ticks NewestCreation(const Job& job) const {
    Ticks t = 0;
    for (const Session& s : job.sessions) t = std::max(t, s.creation_time);
    return t;
  }

  Session* AddSessionLocked(JobEntry* e, const std::string& status,
                            Ticks duration, bool running) {
    const Ticks now = Now();
    Ticks creation = running ? now : now - duration;
    creation = std::max(creation, NewestCreation(e->job) + kTicksPerSecond);
    const Ticks end = running ? kNotFinished : creation + duration;
    e->job.sessions.push_back(MakeSession(
        e->job, opt_.gen.seed, ++made_sessions_, status, creation, end));
    if (e->copy) e->job.sessions.back().job_type = "Copy";
    Invalidate(e);
    return &e->job.sessions.back();
  }

  void FinishSession(Session* s, const std::string& status) {
    Ticks end = std::max(Now(), s->creation_time + kTicksPerSecond);
    s->status = status;
    s->end_time = end;
  }

  // ---- counters
  void Count(const std::string& endpoint, int status, size_t bytes,
             const std::string& line, const std::string& job_id) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_requests_[endpoint]++;
    stats_requests_["total"]++;
    stats_bytes_[endpoint] += static_cast<int64_t>(bytes);
    stats_bytes_["total"] += static_cast<int64_t>(bytes);
    stats_codes_[std::to_string(status)]++;
    if (!job_id.empty()) stats_by_job_[job_id]++;
    // A read of every job's sessions (no job id: v6+ /JobSessions).
    if (endpoint == "job_sessions" && job_id.empty()) {
      counters_["job_sessions_all_jobs"]++;
    }
    recent_.push_back(line);
    if (recent_.size() > 100) recent_.pop_front();
  }
  void Bump(const char* name, int64_t by = 1) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    counters_[name] += by;
  }
  std::string StatsJson();
  void ResetStats() {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_requests_.clear();
    stats_bytes_.clear();
    stats_codes_.clear();
    stats_by_job_.clear();
    counters_.clear();
    logins_by_port_.clear();
    first_login_ms_by_port_.clear();
    max_in_flight_ = in_flight_;
    recent_.clear();
  }

  // ---- request handling
  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleControl(const httplib::Request& req, httplib::Response& res);
  bool HandleResourceControl(const httplib::Request& req,
                             httplib::Response& res);
  Reply HandleToken(const httplib::Request& req, int v);
  Reply HandleJobs(const httplib::Request& req, int v);
  // mutation_job non-empty: the mutation applies to that job's sessions
  // only (a fault scoped to one job on a read of every job's sessions).
  Reply HandleSessions(const httplib::Request& req, int v,
                       const std::string& job_id, bool per_job_path,
                       Mutation mutation, int mutate_every,
                       const std::string& mutation_job,
                       const FaultSpec* paging_fault);
  // The resources of issue 9 (everything but token, ServiceInstance, jobs
  // and sessions); `id` is the organization of a per-organization SyncState.
  Reply HandleResource(const httplib::Request& req, int v,
                       const std::string& endpoint, const std::string& id,
                       Mutation mutation, int mutate_every,
                       const FaultSpec* paging_fault);
  Reply HandleRestoreSessions(const httplib::Request& req, int v,
                              const std::function<WriteOptions(int64_t)>& w,
                              const FaultSpec* paging_fault);
  // n elements as a JSON array, or as a page (limit/offset, the paging
  // faults) whose links start with `prefix` ("/v8/Proxies?").
  Reply Collection(const httplib::Request& req, int v, bool paged, int64_t n,
                   const std::string& prefix, bool total_count,
                   const FaultSpec* paging_fault,
                   const std::function<std::string(int64_t)>& element);
  bool Authorized(const httplib::Request& req);
  Reply Error(int v, int status, const std::string& code,
              const std::string& message);
  void Send(httplib::Response& res, Reply reply,
            const std::vector<FaultSpec>& body_faults, size_t* sent_size);
  // all_jobs_type "backup" / "copy": a read of every job's sessions of that
  // type, which a fault scoped to one such job's sessions also matches.
  std::vector<FaultSpec> MatchFaults(const std::string& endpoint,
                                     const std::string& job_id,
                                     const std::string& all_jobs_type = "");
  void Ticker();

  SimulatorOptions opt_;
  Clock::time_point start_;
  std::string base_url_;
  // A configured server (TLS unless plain_http); null when the certificate
  // does not load.
  std::unique_ptr<httplib::Server> MakeServer();
  std::unique_ptr<httplib::Server> server_;
  std::atomic<httplib::Server*> live_server_{nullptr};
  // --extra-listeners: guarded by stop_mu_ once their threads run.
  std::vector<std::unique_ptr<httplib::Server>> extra_servers_;

  std::mutex mu_;  // guards everything below up to stats_mu_
  std::vector<JobEntry> jobs_;
  std::vector<JobEntry> copy_jobs_;
  Resources resources_;  // copy jobs moved to copy_jobs_
  std::array<std::shared_ptr<const std::vector<std::string>>, 9> jobs_cache_;
  std::unordered_map<std::string, Clock::time_point> access_tokens_;
  std::unordered_map<std::string, Clock::time_point> refresh_tokens_;
  std::deque<Clock::time_point> token_window_;
  // Every access and refresh token issued (the newest kIssuedTokensKept),
  // for GET /_sim/tokens: tests grep logs and /metrics for them.
  static constexpr size_t kIssuedTokensKept = 10000;
  std::deque<std::string> issued_tokens_;
  std::string initial_password_;  // /_sim/reset restores it
  std::vector<FaultSpec> faults_;
  int64_t fault_seq_ = 0;
  uint64_t made_sessions_ = 0;
  int added_jobs_ = 0;  // /_sim/jobs/add
  uint64_t made_restores_ = 0;
  std::vector<std::pair<Clock::time_point, std::pair<std::string, std::string>>>
      pending_finish_;

  std::mutex stats_mu_;
  std::map<std::string, int64_t> stats_requests_, stats_bytes_, stats_codes_,
      stats_by_job_, counters_, logins_by_port_, first_login_ms_by_port_;
  std::deque<std::string> recent_;
  // API requests inside Handle now, on every listener, and the most since
  // the start (or the last stats reset).
  int64_t in_flight_ = 0, max_in_flight_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

std::string SimulatorImpl::StatsJson() {
  json j;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    for (const char* c :
         {"logins", "login_failures", "refreshes", "refresh_failures",
          "throttled", "unauthorized", "faults_applied", "antiforgery_missing",
          "job_sessions_all_jobs"}) {
      auto it = counters_.find(c);
      j[c] = it == counters_.end() ? 0 : it->second;
    }
    json req = json::object(), bytes = json::object();
    for (const char* e :
         {"token", "service_instance", "jobs", "job_sessions", "license",
          "licensed_users", "repositories", "proxies", "organizations",
          "organization_sync", "copy_jobs", "restore_sessions", "health",
          "other", "total"}) {
      auto it = stats_requests_.find(e);
      req[e] = it == stats_requests_.end() ? 0 : it->second;
      auto bt = stats_bytes_.find(e);
      bytes[e] = bt == stats_bytes_.end() ? 0 : bt->second;
    }
    j["requests"] = req;
    j["response_bytes"] = bytes;
    j["status_codes"] = stats_codes_;
    j["job_sessions_by_job"] = stats_by_job_;
    j["logins_by_port"] = logins_by_port_;
    j["first_login_ms_by_port"] = first_login_ms_by_port_;
    j["in_flight"] = in_flight_;
    j["max_in_flight"] = max_in_flight_;
    j["recent_requests"] =
        json(std::vector<std::string>(recent_.begin(), recent_.end()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  j["active_access_tokens"] = access_tokens_.size();
  j["jobs"] = jobs_.size();
  int64_t sessions = 0, running = 0;
  for (const JobEntry& e : jobs_) {
    sessions += static_cast<int64_t>(e.job.sessions.size());
    for (const Session& s : e.job.sessions)
      running += s.end_time == kNotFinished;
  }
  j["sessions"] = sessions;
  j["running_sessions"] = running;
  j["now"] = FormatTicks(Now(), 7);
  return j.dump();
}

Reply SimulatorImpl::Error(int v, int status, const std::string& code,
                           const std::string& message) {
  json j{{"message", message}};
  // v7 documents only "ProxyOffline" as an errorCode; v8 knows the rest.
  if (v >= 7)
    j["errorCode"] = code.empty() || v < 8 ? json(nullptr) : json(code);
  if (v >= 8) j["stackTrace"] = nullptr;
  Reply r;
  r.status = status;
  r.body = Body::Of(j.dump());
  return r;
}

bool SimulatorImpl::Authorized(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  if (h.size() < 8 || Lower(h.substr(0, 7)) != "bearer ") return false;
  const std::string token = h.substr(7);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = access_tokens_.find(token);
  if (it == access_tokens_.end()) return false;
  if (Clock::now() >= it->second) {
    access_tokens_.erase(it);
    return false;
  }
  return true;
}

std::vector<FaultSpec> SimulatorImpl::MatchFaults(
    const std::string& endpoint, const std::string& job_id,
    const std::string& all_jobs_type) {
  std::vector<FaultSpec> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end();) {
    bool job_match = it->job_id.empty() || it->job_id == Lower(job_id);
    if (!job_match && !all_jobs_type.empty()) {
      const JobEntry* e = FindJob(it->job_id);
      job_match = e != nullptr && e->copy == (all_jobs_type == "copy");
    }
    bool match =
        (it->endpoint.empty() || it->endpoint == endpoint) && job_match;
    if (match) {
      out.push_back(*it);
      if (it->remaining > 0 && --it->remaining == 0) {
        it = faults_.erase(it);
        continue;
      }
    }
    ++it;
  }
  return out;
}

Reply SimulatorImpl::HandleToken(const httplib::Request& req, int v) {
  Reply r;
  auto oauth_error = [&](int status, const char* error,
                         const char* description) {
    Reply e;
    e.status = status;
    e.body = Body::Of(
        json{{"error", error}, {"error_description", description}}.dump());
    return e;
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = Clock::now();
    while (!token_window_.empty() &&
           now - token_window_.front() >= std::chrono::seconds(60)) {
      token_window_.pop_front();
    }
    if (opt_.token_rate_limit > 0 &&
        static_cast<int>(token_window_.size()) >= opt_.token_rate_limit) {
      const double wait =
          60.0 -
          std::chrono::duration<double>(now - token_window_.front()).count();
      Reply t;
      t.status = 429;
      t.body = Body::Of(
          json{{"message", "Quota exceeded. Try again later."}}.dump());
      t.headers.emplace_back("Retry-After",
                             std::to_string(std::max<int64_t>(
                                 1, static_cast<int64_t>(std::ceil(wait)))));
      Bump("throttled");
      return t;
    }
    token_window_.push_back(now);
  }
  const std::string ctype = Lower(req.get_header_value("Content-Type"));
  if (ctype.find("application/x-www-form-urlencoded") == std::string::npos) {
    return oauth_error(
        400, "invalid_request",
        "The request body must be application/x-www-form-urlencoded.");
  }
  std::map<std::string, std::string> form = ParseForm(req.body);
  if (v >= 7 && Lower(form["disable_antiforgery_token"]) != "true")
    Bump("antiforgery_missing");
  const std::string grant = form["grant_type"];
  const std::string lifetime_s = std::to_string(opt_.token_lifetime_seconds);
  if (grant == "password") {
    std::string password;
    {
      std::lock_guard<std::mutex> lock(mu_);  // POST /_sim/password changes it
      password = opt_.password;
    }
    const bool ok = Lower(form["username"]) == Lower(opt_.username) &&
                    !password.empty() && form["password"] == password;
    if (!ok) {
      Bump("login_failures");
      return oauth_error(400, "invalid_grant",
                         "The user name or password is incorrect.");
    }
    Bump("logins");
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++logins_by_port_[std::to_string(req.local_port)];
      // Wall-clock milliseconds of the first login on each port (the
      // exporter's start-up stagger is checked from these).
      first_login_ms_by_port_.emplace(
          std::to_string(req.local_port),
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
    }
  } else if (grant == "refresh_token") {
    bool ok = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = refresh_tokens_.find(form["refresh_token"]);
      if (it != refresh_tokens_.end()) {
        ok = Clock::now() < it->second;
        refresh_tokens_.erase(it);  // one use, like the real server
      }
    }
    if (!ok) {
      Bump("refresh_failures");
      return oauth_error(400, "invalid_grant",
                         "The refresh token is invalid or expired.");
    }
    Bump("refreshes");
  } else if (grant.empty()) {
    return oauth_error(400, "invalid_request", "grant_type is missing.");
  } else {
    return oauth_error(400, "unsupported_grant_type",
                       "The grant type is not supported.");
  }
  const std::string access = RandomHex(32);
  const std::string refresh = RandomHex(32);
  const auto now = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    access_tokens_[access] =
        now + std::chrono::seconds(opt_.token_lifetime_seconds);
    issued_tokens_.push_back(access);
    issued_tokens_.push_back(refresh);
    while (issued_tokens_.size() > kIssuedTokensKept)
      issued_tokens_.pop_front();
    refresh_tokens_[refresh] =
        now + std::chrono::seconds(opt_.refresh_lifetime_seconds);
  }
  const Ticks issued = WallTicks();
  json j{
      {"access_token", access},
      {"refresh_token", refresh},
      {"token_type", "bearer"},
      {"expires_in", opt_.token_lifetime_seconds},
      {"userName", opt_.username},
      {".issued", FormatTicks(issued, 0)},
      {".expires",
       FormatTicks(issued + opt_.token_lifetime_seconds * kTicksPerSecond, 0)}};
  r.body = Body::Of(j.dump());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

namespace {

// Reads limit and offset like the v5+ API; an error text when invalid.
std::string PagingParams(const httplib::Request& req, int64_t* offset,
                         int64_t* limit) {
  bool has = false;
  std::string s = Param(req, "limit", &has);
  *limit = kDefaultLimit;
  if (has) {
    if (!ParseInt64(s, limit) || *limit <= 0)
      return "Parameter 'limit' must be a positive integer.";
    *limit = std::min(*limit, kMaxLimit);
  }
  s = Param(req, "offset", &has);
  *offset = 0;
  if (has && (!ParseInt64(s, offset) || *offset < 0)) {
    return "Parameter 'offset' must be a non-negative integer.";
  }
  return "";
}

}  // namespace

Reply SimulatorImpl::HandleJobs(const httplib::Request& req, int v) {
  int64_t offset = 0, limit = 0;
  if (v >= 8) {
    std::string err = PagingParams(req, &offset, &limit);
    if (!err.empty()) return Error(v, 400, "ParameterValidationFailure", err);
  }
  std::shared_ptr<const std::vector<std::string>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!jobs_cache_[v]) {
      auto list = std::make_shared<std::vector<std::string>>();
      for (const JobEntry& e : jobs_) {
        std::string s;
        AppendJobJson(e.job, Writer(v), &s);
        list->push_back(std::move(s));
      }
      jobs_cache_[v] = list;
    }
    jobs = jobs_cache_[v];
  }
  std::string results;
  const int64_t n = static_cast<int64_t>(jobs->size());
  const int64_t first = v >= 8 ? std::min(offset, n) : 0;
  const int64_t last = v >= 8 ? std::min(n, offset + limit) : n;
  for (int64_t i = first; i < last; ++i) {
    if (i > first) results.push_back(',');
    results += (*jobs)[i];
  }
  Reply r;
  if (v < 8) {
    r.body = Body::Of("[" + results + "]");
  } else {
    r.body = Body::Of(PageJson(offset, limit,
                               DeterministicUuid(opt_.gen.seed, 0xB0B), results,
                               offset + limit < n, "/v8/Jobs?"));
  }
  return r;
}

Reply SimulatorImpl::HandleSessions(const httplib::Request& req, int v,
                                    const std::string& job_id,
                                    bool per_job_path, Mutation mutation,
                                    int mutate_every,
                                    const std::string& mutation_job,
                                    const FaultSpec* paging_fault) {
  const bool paged = v >= 5;
  int64_t offset = 0, limit = 0;
  if (paged) {
    std::string err = PagingParams(req, &offset, &limit);
    if (!err.empty()) return Error(v, 400, "ParameterValidationFailure", err);
  }
  // page_overlap: small pages, each after the first starting one element
  // early (the last session of the previous page again, as when a session is
  // inserted while a client pages). page_loop: the offset is ignored, every
  // request gets the first page, and its next link is its own self link.
  const bool overlap =
      paged && paging_fault != nullptr && paging_fault->kind == "page_overlap";
  const bool loop =
      paged && paging_fault != nullptr && paging_fault->kind == "page_loop";
  const int64_t asked_offset = offset;
  if (overlap || loop) limit = std::min(limit, paging_fault->page_size);
  if (loop) offset = 0;
  if (overlap && offset > 0) offset -= 1;
  // Filters: /JobSessions of v6+ knows endTimeLowerBound, v7+ also
  // endTimeUpperBound, v8 also status.
  Ticks lower = kNotFinished, upper = kNotFinished;
  std::string status_filter;
  std::string link_extra;
  std::string job_type;  // "" none, "backup", "copy" (v6+ jobType)
  if (!per_job_path && v >= 6) {
    bool has = false;
    std::string s = Param(req, "jobType", &has);
    if (has) {
      job_type = Lower(s);
      if (job_type != "backup" && job_type != "copy")
        return Error(v, 400, "ParameterValidationFailure",
                     "Parameter 'jobType' is not valid.");
      link_extra += "jobType=" + UrlEncode(s) + "&";
    }
    s = Param(req, "endTimeLowerBound", &has);
    if (has) {
      auto t = ParseTicks(s);
      if (!t)
        return Error(v, 400, "ParameterValidationFailure",
                     "Parameter 'endTimeLowerBound' is not a valid date.");
      lower = *t;
      link_extra += "endTimeLowerBound=" + UrlEncode(s) + "&";
    }
    if (v >= 7) {
      s = Param(req, "endTimeUpperBound", &has);
      if (has) {
        auto t = ParseTicks(s);
        if (!t)
          return Error(v, 400, "ParameterValidationFailure",
                       "Parameter 'endTimeUpperBound' is not a valid date.");
        upper = *t;
        link_extra += "endTimeUpperBound=" + UrlEncode(s) + "&";
      }
    }
    if (v >= 8) {
      s = Param(req, "status", &has);
      if (has) {
        static const char* const kFilter[] = {"Stopped", "Running", "Succeeded",
                                              "Failed", "Warning"};
        bool ok = false;
        for (const char* f : kFilter) ok = ok || Lower(s) == Lower(f);
        if (!ok)
          return Error(v, 400, "ParameterValidationFailure",
                       "Parameter 'status' is not valid.");
        status_filter = Lower(s) == "succeeded" ? "success" : Lower(s);
        link_extra += "status=" + UrlEncode(s) + "&";
      }
    }
  }

  // Which jobs: one (per-job path, or jobId on v7+) or all.
  std::vector<std::shared_ptr<const SessionCache>> caches;
  std::string the_job_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<JobEntry*> selected;
    if (!job_id.empty()) {
      // The per-job path of v3..v6 is /Jobs/{id}: backup jobs only.
      JobEntry* e = FindJob(job_id, /*include_copy=*/!per_job_path);
      if (!e) {
        return Error(v, 404, "ResourceNotFound",
                     "Job with ID '" + job_id + "' was not found.");
      }
      if (e->fixture) {
        Reply r;
        r.body.holder = e->fixture_body;
        r.body.data = e->fixture_body->data();
        r.body.size = e->fixture_body->size();
        return r;
      }
      the_job_id = e->job.id;
      // jobType that is not the job's: no sessions.
      if (job_type.empty() || (job_type == "copy") == e->copy)
        selected.push_back(e);
    } else if (job_type == "copy") {
      for (JobEntry& e : copy_jobs_) selected.push_back(&e);
    } else {
      // Without jobType: backup sessions only (the documents do not say).
      for (JobEntry& e : jobs_) {
        if (!e.fixture) selected.push_back(&e);
      }
    }
    for (JobEntry* e : selected) {
      if (mutation == Mutation::kNone ||
          (!mutation_job.empty() && Lower(e->job.id) != mutation_job)) {
        caches.push_back(CacheFor(e, v));
      } else {
        WriteOptions w = Writer(v);
        w.mutation = mutation;
        w.mutate_every = mutate_every;
        caches.push_back(BuildSessionCache(e->job, w));
      }
    }
  }

  Reply r;
  if (!paged) {
    if (caches.size() == 1) {
      r.body.holder =
          std::shared_ptr<const std::string>(caches[0], &caches[0]->array);
      r.body.data = caches[0]->array.data();
      r.body.size = caches[0]->array.size();
      return r;
    }
    std::string all = "[";
    for (const auto& c : caches) {
      if (c->array.size() <= 2) continue;
      if (all.size() > 1) all.push_back(',');
      all.append(c->array, 1, c->array.size() - 2);
    }
    all.push_back(']');
    r.body = Body::Of(std::move(all));
    return r;
  }

  // Select (cache, index) pairs in serving order, then slice the page.
  std::vector<std::pair<uint32_t, uint32_t>> sel;
  for (uint32_t c = 0; c < caches.size(); ++c) {
    const SessionCache& sc = *caches[c];
    for (uint32_t i = 0; i < sc.begin.size(); ++i) {
      const Ticks end = sc.end_time[i];
      if (lower != kNotFinished && end != kNotFinished && end < lower) continue;
      if (lower != kNotFinished && end == kNotFinished &&
          !opt_.running_sessions_in_bounded_reads)
        continue;
      if (upper != kNotFinished && (end == kNotFinished || end > upper))
        continue;
      if (!status_filter.empty() && Lower(sc.status[i]) != status_filter)
        continue;
      sel.emplace_back(c, i);
    }
  }
  const int64_t total = static_cast<int64_t>(sel.size());
  const int64_t first = std::min(offset, total);
  const int64_t last = std::min(total, offset + limit);
  std::string results;
  int64_t run_start = -1;
  auto flush = [&](int64_t from, int64_t to) {  // inclusive range of sel
    const SessionCache& sc = *caches[sel[from].first];
    if (!results.empty()) results.push_back(',');
    results.append(sc.array, sc.begin[sel[from].second],
                   sc.end[sel[to].second] - sc.begin[sel[from].second]);
  };
  for (int64_t k = first; k < last; ++k) {
    if (run_start < 0) {
      run_start = k;
    } else if (sel[k].first != sel[k - 1].first ||
               sel[k].second != sel[k - 1].second + 1) {
      flush(run_start, k - 1);
      run_start = k;
    }
  }
  if (run_start >= 0) flush(run_start, last - 1);

  std::string prefix = "/v" + std::to_string(v);
  if (per_job_path) {
    prefix += "/Jobs/" + the_job_id + "/JobSessions?";
  } else {
    prefix += "/JobSessions?";
    if (!the_job_id.empty()) prefix += "jobId=" + the_job_id + "&";
    prefix += link_extra;
  }
  const std::string set_id =
      DeterministicUuid(opt_.gen.seed, std::hash<std::string>{}(prefix));
  if (loop) {
    // The next link is the self link: a client that follows it never ends.
    std::string page = PageJson(offset, limit, set_id, results, true, prefix);
    const std::string self = prefix + "offset=" + std::to_string(offset) +
                             "&limit=" + std::to_string(limit);
    const std::string next = prefix +
                             "offset=" + std::to_string(offset + limit) +
                             "&limit=" + std::to_string(limit);
    const size_t at = page.rfind(next);
    if (at != std::string::npos) page.replace(at, next.size(), self);
    r.body = Body::Of(std::move(page));
    return r;
  }
  // page_overlap reports the offset it was asked for, so the client's
  // arithmetic looks right while the pages share one session.
  r.body = Body::Of(PageJson(overlap ? asked_offset : offset, limit, set_id,
                             results, last < total, prefix));
  return r;
}

Reply SimulatorImpl::Collection(
    const httplib::Request& req, int v, bool paged, int64_t n,
    const std::string& prefix, bool total_count, const FaultSpec* paging_fault,
    const std::function<std::string(int64_t)>& element) {
  Reply r;
  std::string results;
  if (!paged) {
    for (int64_t i = 0; i < n; ++i) {
      if (i) results.push_back(',');
      results += element(i);
    }
    r.body = Body::Of("[" + results + "]");
    return r;
  }
  int64_t offset = 0, limit = 0;
  std::string err = PagingParams(req, &offset, &limit);
  if (!err.empty()) return Error(v, 400, "ParameterValidationFailure", err);
  // The paging faults as on sessions (HandleSessions).
  const bool overlap =
      paging_fault != nullptr && paging_fault->kind == "page_overlap";
  const bool loop =
      paging_fault != nullptr && paging_fault->kind == "page_loop";
  const int64_t asked_offset = offset;
  if (overlap || loop) limit = std::min(limit, paging_fault->page_size);
  if (loop) offset = 0;
  if (overlap && offset > 0) offset -= 1;
  const int64_t first = std::min(offset, n);
  const int64_t last = std::min(n, offset + limit);
  for (int64_t i = first; i < last; ++i) {
    if (i > first) results.push_back(',');
    results += element(i);
  }
  const std::string set_id =
      DeterministicUuid(opt_.gen.seed, std::hash<std::string>{}(prefix));
  const int64_t total = total_count ? n : -1;
  if (loop) {
    std::string page =
        PageJson(offset, limit, set_id, results, true, prefix, total);
    const std::string self = prefix + "offset=" + std::to_string(offset) +
                             "&limit=" + std::to_string(limit);
    const std::string next = prefix +
                             "offset=" + std::to_string(offset + limit) +
                             "&limit=" + std::to_string(limit);
    const size_t at = page.rfind(next);
    if (at != std::string::npos) page.replace(at, next.size(), self);
    r.body = Body::Of(std::move(page));
    return r;
  }
  r.body = Body::Of(PageJson(overlap ? asked_offset : offset, limit, set_id,
                             results, last < n, prefix, total));
  return r;
}

// Long function: one branch per resource, each a few lines; splitting it
// would only move the dispatch elsewhere.
Reply SimulatorImpl::HandleResource(const httplib::Request& req, int v,
                                    const std::string& endpoint,
                                    const std::string& id, Mutation mutation,
                                    int mutate_every,
                                    const FaultSpec* paging_fault) {
  // Every mutate_every-th element is mutated, as on sessions.
  auto writer = [&](int64_t i) {
    WriteOptions w = Writer(v);
    if (mutation != Mutation::kNone &&
        i % std::max<int64_t>(1, mutate_every) == 0)
      w.mutation = mutation;
    return w;
  };
  const std::string p = "/v" + std::to_string(v);
  std::unique_lock<std::mutex> lock(mu_);
  const Resources& res = resources_;
  Reply r;
  if (endpoint == "license") {
    r.body = Body::Of(LicenseJson(res.license, writer(0)));
    return r;
  }
  if (endpoint == "health") {
    r.body = Body::Of(HealthJson(res.health, writer(0)));
    return r;
  }
  if (endpoint == "repositories") {
    // proxyId filters (all versions).
    bool has = false;
    const std::string proxy = Lower(Param(req, "proxyId", &has));
    std::vector<const Repository*> list;
    for (const Repository& x : res.repositories) {
      if (!has || Lower(x.proxy_id) == proxy) list.push_back(&x);
    }
    return Collection(req, v, v >= 8, static_cast<int64_t>(list.size()),
                      p + "/BackupRepositories?" +
                          (has ? "proxyId=" + UrlEncode(proxy) + "&" : ""),
                      false, paging_fault, [&](int64_t i) {
                        return RepositoryJson(*list[i], writer(i));
                      });
  }
  if (endpoint == "proxies") {
    return Collection(req, v, v >= 8, static_cast<int64_t>(res.proxies.size()),
                      p + "/Proxies?", false, paging_fault, [&](int64_t i) {
                        return ProxyJson(res.proxies[i], writer(i));
                      });
  }
  if (endpoint == "organizations") {
    return Collection(
        req, v, v >= 8, static_cast<int64_t>(res.organizations.size()),
        p + "/Organizations?", false, paging_fault, [&](int64_t i) {
          return OrganizationJson(res.organizations[i], writer(i));
        });
  }
  if (endpoint == "organization_sync") {
    if (id.empty()) {  // v8: every organization's, an array
      return Collection(req, v, false,
                        static_cast<int64_t>(res.sync_states.size()), "", false,
                        nullptr, [&](int64_t i) {
                          return SyncStateJson(res.sync_states[i], writer(i));
                        });
    }
    for (const SyncState& st : res.sync_states) {
      if (Lower(st.organization_id) == Lower(id)) {
        r.body = Body::Of(SyncStateJson(st, writer(0)));
        return r;
      }
    }
    return Error(v, 404, "ResourceNotFound",
                 "Organization with ID '" + id + "' was not found.");
  }
  if (endpoint == "copy_jobs") {
    return Collection(req, v, v >= 8, static_cast<int64_t>(copy_jobs_.size()),
                      p + "/CopyJobs?", false, paging_fault, [&](int64_t i) {
                        return CopyJobJson(copy_jobs_[i].job, writer(i));
                      });
  }
  if (endpoint == "licensed_users") {
    // organizationId filters; users are made per page, never all at once,
    // from a copy of the (small) resources, so a 10,000-user page does not
    // hold up other requests.
    const Resources snapshot = resources_;
    lock.unlock();
    const Resources& res = snapshot;
    bool has = false;
    const std::string org = Lower(Param(req, "organizationId", &has));
    int64_t n = res.licensed_users;
    size_t k = 0;
    const size_t orgs = res.organizations.size();
    if (has) {
      while (k < orgs && Lower(res.organizations[k].id) != org) ++k;
      n = k < orgs ? LicensedUsersOf(res, k) : 0;
    }
    return Collection(
        req, v, true, n,
        p + "/LicensedUsers?" +
            (has ? "organizationId=" + UrlEncode(org) + "&" : ""),
        v < 8, paging_fault, [&](int64_t i) {
          const int64_t index =
              has ? static_cast<int64_t>(k) + i * static_cast<int64_t>(orgs)
                  : i;
          return LicensedUserJson(LicensedUserAt(res, index), writer(i));
        });
  }
  return HandleRestoreSessions(req, v, writer, paging_fault);
}

Reply SimulatorImpl::HandleRestoreSessions(
    const httplib::Request& req, int v,
    const std::function<WriteOptions(int64_t)>& writer,
    const FaultSpec* paging_fault) {
  // mu_ is held. Filters: startTimeFrom/startTimeTo (creation) on every
  // version, v8 also endTimeFrom/endTimeTo, orderBy, orderAsc. Default order:
  // newest creation first.
  std::string link = "/v" + std::to_string(v) + "/RestoreSessions?";
  struct Bound {
    const char* name;
    int min_version;
    Ticks value = kNotFinished;
  };
  Bound bounds[] = {{"startTimeFrom", 6},
                    {"startTimeTo", 6},
                    {"endTimeFrom", 8},
                    {"endTimeTo", 8}};
  for (Bound& b : bounds) {
    bool has = false;
    const std::string s = Param(req, b.name, &has);
    if (!has || v < b.min_version) continue;
    auto t = ParseTicks(s);
    if (!t)
      return Error(
          v, 400, "ParameterValidationFailure",
          std::string("Parameter '") + b.name + "' is not a valid date.");
    b.value = *t;
    link += std::string(b.name) + "=" + UrlEncode(s) + "&";
  }
  bool by_end = false, asc = false;
  if (v >= 8) {
    bool has = false;
    std::string s = Param(req, "orderBy", &has);
    if (has) {
      if (Lower(s) != "creationtime" && Lower(s) != "endtime")
        return Error(v, 400, "ParameterValidationFailure",
                     "Parameter 'orderBy' is not valid.");
      by_end = Lower(s) == "endtime";
      link += "orderBy=" + UrlEncode(s) + "&";
    }
    s = Param(req, "orderAsc", &has);
    if (has) {
      if (Lower(s) != "true" && Lower(s) != "false")
        return Error(v, 400, "ParameterValidationFailure",
                     "Parameter 'orderAsc' is not valid.");
      asc = Lower(s) == "true";
      link += "orderAsc=" + UrlEncode(s) + "&";
    }
  }
  std::vector<const RestoreSession*> list;
  for (const RestoreSession& s : resources_.restore_sessions) {
    const bool running = s.end_time == kNotFinished;
    if (bounds[0].value != kNotFinished && s.creation_time < bounds[0].value)
      continue;
    if (bounds[1].value != kNotFinished && s.creation_time > bounds[1].value)
      continue;
    if (bounds[2].value != kNotFinished &&
        (running ? !opt_.running_sessions_in_bounded_reads
                 : s.end_time < bounds[2].value))
      continue;
    if (bounds[3].value != kNotFinished &&
        (running || s.end_time > bounds[3].value))
      continue;
    list.push_back(&s);
  }
  // Running sessions have no end: they sort as the newest.
  auto key = [by_end](const RestoreSession* s) {
    if (!by_end) return s->creation_time;
    return s->end_time == kNotFinished ? INT64_MAX : s->end_time;
  };
  std::stable_sort(list.begin(), list.end(),
                   [&](const RestoreSession* a, const RestoreSession* b) {
                     return asc ? key(a) < key(b) : key(a) > key(b);
                   });
  return Collection(req, v, true, static_cast<int64_t>(list.size()), link,
                    v < 8, paging_fault, [&](int64_t i) {
                      return RestoreSessionJson(*list[i], writer(i));
                    });
}

void SimulatorImpl::Send(httplib::Response& res, Reply reply,
                         const std::vector<FaultSpec>& body_faults,
                         size_t* sent_size) {
  res.status = reply.status;
  for (auto& [k, v] : reply.headers) res.set_header(k, v);
  Body body = reply.body;
  bool drip = false, reset = false, huge = false;
  int64_t drip_bytes = 16, drip_ms = 50, huge_bytes = 0;
  for (const FaultSpec& f : body_faults) {
    if (f.kind == "malformed") {
      std::string s(body.data, body.size);
      s.insert(s.size() / 2, "}]\x01 not-json {{\"");
      body = Body::Of(std::move(s));
    } else if (f.kind == "truncated") {
      std::string s(body.data, body.size / 2);
      body = Body::Of(std::move(s));
    } else if (f.kind == "drip") {
      drip = true;
      drip_bytes = f.bytes;
      drip_ms = f.ms;
    } else if (f.kind == "reset") {
      reset = true;
    } else if (f.kind == "huge") {
      huge = true;
      huge_bytes = f.bytes;
    }
  }
  if (body.size == 0 && !huge) {
    *sent_size = 0;
    return;  // 401 and friends: no body, Content-Length 0
  }
  // Virtual body: data[0..head) + `pad` spaces + data[head..size). Padding
  // after the first character keeps a huge body valid JSON without
  // allocating it.
  std::string empty_json;
  if (body.size == 0) body = Body::Of("[]");
  const size_t head = 1;
  const size_t pad = huge && static_cast<size_t>(huge_bytes) > body.size
                         ? static_cast<size_t>(huge_bytes) - body.size
                         : 0;
  const size_t total = body.size + pad;
  const size_t stop_at = reset ? total / 2 : total;  // reset: close mid-body
  *sent_size = total;
  auto holder = body.holder;
  const char* data = body.data;
  const size_t size = body.size;
  res.set_content_provider(
      total, reply.content_type,
      [holder, data, size, head, pad, stop_at, drip, drip_bytes, drip_ms](
          size_t offset, size_t length, httplib::DataSink& sink) {
        if (offset >= stop_at) return false;
        size_t want = std::min(length, stop_at - offset);
        want = std::min<size_t>(
            want, drip ? static_cast<size_t>(drip_bytes) : (1u << 20));
        if (drip && offset > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(drip_ms));
        size_t done = 0;
        static const std::string kSpaces(64 * 1024, ' ');
        while (done < want) {
          const size_t pos = offset + done;
          const char* p;
          size_t n;
          if (pos < head) {
            p = data + pos;
            n = head - pos;
          } else if (pos < head + pad) {
            p = kSpaces.data();
            n = std::min(kSpaces.size(), head + pad - pos);
          } else {
            p = data + (pos - pad);
            n = size - (pos - pad);
          }
          n = std::min(n, want - done);
          if (!sink.write(p, n)) return false;
          done += n;
        }
        return true;
      });
}

void SimulatorImpl::Handle(const httplib::Request& req,
                           httplib::Response& res) {
  const std::string line = req.method + " " + req.target;
  if (req.path.rfind("/_sim/", 0) == 0) {
    HandleControl(req, res);
    return;
  }
  // Counts this request as in flight until Handle returns (the latency and
  // fault delays are inside it; a dripped body is written after it).
  struct InFlight {
    SimulatorImpl* sim;
    explicit InFlight(SimulatorImpl* s) : sim(s) {
      std::lock_guard<std::mutex> lock(sim->stats_mu_);
      sim->max_in_flight_ = std::max(sim->max_in_flight_, ++sim->in_flight_);
    }
    ~InFlight() {
      std::lock_guard<std::mutex> lock(sim->stats_mu_);
      --sim->in_flight_;
    }
  } in_flight(this);
  std::vector<std::string> seg, seg_orig;
  {
    std::stringstream ss(req.path);
    std::string s;
    while (std::getline(ss, s, '/')) {
      if (s.empty()) continue;
      seg_orig.push_back(s);
      seg.push_back(Lower(s));
    }
  }
  int v = 0;
  if (!seg.empty() && seg[0].size() == 2 && seg[0][0] == 'v' &&
      seg[0][1] >= '1' && seg[0][1] <= '9') {
    v = seg[0][1] - '0';
  }
  const bool served = std::find(opt_.versions.begin(), opt_.versions.end(),
                                v) != opt_.versions.end();
  if (!served) {
    res.status = 404;
    Count("other", 404, 0, line, "");
    return;
  }
  std::string endpoint = "other";
  std::string job_id;
  std::string resource_id;  // the organization of a per-organization SyncState
  bool per_job = false;
  if (seg.size() == 2 && seg[1] == "token" && req.method == "POST") {
    endpoint = "token";
  } else if (seg.size() == 2 && seg[1] == "serviceinstance" &&
             req.method == "GET") {
    endpoint = "service_instance";
  } else if (seg.size() == 2 && seg[1] == "jobs" && req.method == "GET") {
    endpoint = "jobs";
  } else if (seg.size() == 4 && seg[1] == "jobs" && seg[3] == "jobsessions" &&
             req.method == "GET" && v <= 6) {
    endpoint = "job_sessions";
    job_id = seg_orig[2];
    per_job = true;
  } else if (seg.size() == 2 && seg[1] == "jobsessions" &&
             req.method == "GET") {
    endpoint = "job_sessions";
    if (v >= 7) job_id = Param(req, "jobId");
  } else if (req.method == "GET") {
    endpoint = ResourceEndpoint(seg, v);
    if (endpoint == "organization_sync" && seg.size() == 4)
      resource_id = seg_orig[2];
  }

  size_t sent = 0;
  auto finish = [&](Reply r, const std::vector<FaultSpec>& body_faults) {
    const int status = r.status;
    Send(res, std::move(r), body_faults, &sent);
    Count(endpoint, status, sent, line,
          endpoint == "job_sessions" ? Lower(job_id) : "");
  };
  if (endpoint == "other") {
    finish(Error(v, 404, "ResourceNotFound",
                 "The requested resource was not found."),
           {});
    return;
  }

  // A read of every job's sessions (/JobSessions without jobId) carries each
  // job's sessions: a fault scoped to one job's sessions applies to it too
  // (when the job is of the read's type), its mutation to that job's only.
  std::string all_jobs_type;  // "" not such a read, else "backup" / "copy"
  if (endpoint == "job_sessions" && job_id.empty() && !per_job) {
    all_jobs_type = Lower(Param(req, "jobType")) == "copy" ? "copy" : "backup";
  }
  std::vector<FaultSpec> faults = MatchFaults(endpoint, job_id, all_jobs_type);
  if (!faults.empty())
    Bump("faults_applied", static_cast<int64_t>(faults.size()));
  std::vector<FaultSpec> body_faults;
  std::optional<FaultSpec> paging_fault;
  Mutation mutation = Mutation::kNone;
  int mutate_every = 1;
  std::string mutation_job;  // an all-jobs read: mutate this job's only
  int64_t delay_ms = opt_.latency_ms;
  for (const FaultSpec& f : faults) {
    if (f.kind == "down") {
      Reply r;
      r.status = 503;
      r.headers.emplace_back("Retry-After", "5");
      finish(std::move(r), {});
      return;
    }
    if (f.kind == "latency") delay_ms += f.ms;
    if (f.kind == "delete_job") {
      // The job is deleted at the moment its sessions are first read: the
      // client has listed it and this read (and every later one) answers
      // 404, exactly "deleted between the listing and the read".
      std::lock_guard<std::mutex> lock(mu_);
      auto it = std::find_if(
          jobs_.begin(), jobs_.end(),
          [&](const JobEntry& e) { return Lower(e.job.id) == f.job_id; });
      if (it != jobs_.end()) {
        jobs_.erase(it);
        for (auto& c : jobs_cache_) c.reset();
      }
    }
  }
  if (delay_ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  for (const FaultSpec& f : faults) {
    if (f.kind == "http_error") {
      Reply r = Error(v, f.status, "", "Simulated server error.");
      if (f.retry_after >= 0)
        r.headers.emplace_back("Retry-After", std::to_string(f.retry_after));
      finish(std::move(r), {});
      return;
    }
    if (f.kind == "html_error") {
      // What a reverse proxy in front of the server sends (IIS, nginx).
      Reply r;
      r.status = f.status;
      r.content_type = kHtmlType;
      r.body = Body::Of(
          "<html>\r\n<head><title>" + std::to_string(f.status) +
          " Bad Gateway</title></head>\r\n<body>\r\n<center><h1>" +
          std::to_string(f.status) +
          " Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
          "</body>\r\n</html>\r\n");
      if (f.retry_after >= 0)
        r.headers.emplace_back("Retry-After", std::to_string(f.retry_after));
      finish(std::move(r), {});
      return;
    }
    if (f.kind == "not_found") {
      finish(
          Error(v, 404, "ResourceNotFound",
                job_id.empty() ? "The requested resource was not found."
                               : "Job with ID '" + job_id + "' was not found."),
          {});
      return;
    }
    const Mutation before = mutation;
    if (f.kind == "numbers_as_strings") mutation = Mutation::kNumbersAsStrings;
    if (f.kind == "nulls") mutation = Mutation::kNulls;
    if (f.kind == "missing_fields") mutation = Mutation::kMissingFields;
    if (f.kind == "unknown_enums") mutation = Mutation::kUnknownEnums;
    if (mutation != before && !all_jobs_type.empty()) mutation_job = f.job_id;
    if (f.kind == "page_overlap" || f.kind == "page_loop") paging_fault = f;
    if (mutation != Mutation::kNone) mutate_every = f.every;
    if (f.kind == "malformed" || f.kind == "truncated" || f.kind == "drip" ||
        f.kind == "reset" || f.kind == "huge") {
      body_faults.push_back(f);
    }
  }

  if (endpoint == "token") {
    finish(HandleToken(req, v), body_faults);
    return;
  }
  // /Health is anonymous (x-anonymous in the v8 document).
  if (endpoint != "health" && !Authorized(req)) {
    Bump("unauthorized");
    Reply r;
    r.status = 401;
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    finish(std::move(r), {});
    return;
  }
  if (endpoint == "service_instance") {
    Reply r;
    r.body = Body::Of(
        json{{"installationId", DeterministicUuid(opt_.gen.seed, 0x1CE)},
             {"version", ProductVersion(v)}}
            .dump());
    finish(std::move(r), body_faults);
  } else if (endpoint == "jobs") {
    finish(HandleJobs(req, v), body_faults);
  } else if (endpoint != "job_sessions") {
    finish(HandleResource(req, v, endpoint, resource_id, mutation, mutate_every,
                          paging_fault ? &*paging_fault : nullptr),
           body_faults);
  } else {
    finish(
        HandleSessions(req, v, job_id, per_job, mutation, mutate_every,
                       mutation_job, paging_fault ? &*paging_fault : nullptr),
        body_faults);
  }
}

void SimulatorImpl::HandleControl(const httplib::Request& req,
                                  httplib::Response& res) {
  auto reply = [&](int status, const std::string& body) {
    res.status = status;
    res.set_content(body, kJsonType);
  };
  auto bad = [&](const std::string& message) {
    reply(400, json{{"error", message}}.dump());
  };
  if (!IsLoopbackHost(req.remote_addr)) {
    reply(403, json{{"error", "control endpoint is loopback only"}}.dump());
    return;
  }
  if (HandleResourceControl(req, res)) return;
  const std::string& p = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (get && p == "/_sim/health") {
    reply(200, "{\"status\":\"ok\"}");
  } else if (get && p == "/_sim/stats") {
    reply(200, StatsJson());
  } else if (post && p == "/_sim/stats/reset") {
    ResetStats();
    reply(200, "{}");
  } else if (get && p == "/_sim/faults") {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out = "[";
    for (size_t i = 0; i < faults_.size(); ++i)
      out += (i ? "," : "") + FaultToJson(faults_[i]);
    reply(200, out + "]");
  } else if (post && p == "/_sim/faults") {
    std::vector<FaultSpec> add;
    std::string err = ParseFaultJson(req.body, &add);
    if (!err.empty()) return bad(err);
    std::lock_guard<std::mutex> lock(mu_);
    json ids = json::array();
    for (FaultSpec& f : add) {
      f.id = ++fault_seq_;
      ids.push_back(f.id);
      faults_.push_back(f);
    }
    reply(200, json{{"ids", ids}}.dump());
  } else if (post && p == "/_sim/faults/clear") {
    std::lock_guard<std::mutex> lock(mu_);
    faults_.clear();
    reply(200, "{}");
  } else if (get && p == "/_sim/jobs") {
    std::lock_guard<std::mutex> lock(mu_);
    json out = json::array();
    for (const JobEntry& e : jobs_) {
      Expected ex = ExpectedFor(e.job.sessions);
      out.push_back({{"index", e.index},
                     {"id", e.job.id},
                     {"name", e.job.name},
                     {"enabled", e.job.is_enabled},
                     {"fixture", e.fixture},
                     {"sessions", e.job.sessions.size()},
                     {"running", ex.running},
                     {"last_finished_status", ex.last_finished_status},
                     {"transferred_data_bytes", ex.transferred_data_bytes},
                     {"count_by_status", ex.count_by_status}});
    }
    reply(200, out.dump());
  } else if (get && p == "/_sim/copy-jobs") {
    std::lock_guard<std::mutex> lock(mu_);
    json out = json::array();
    for (const JobEntry& e : copy_jobs_) {
      Expected ex = ExpectedFor(e.job.sessions);
      out.push_back({{"index", e.index},
                     {"id", e.job.id},
                     {"name", e.job.name},
                     {"backup_job_id", e.job.backup_job_id},
                     {"sessions", e.job.sessions.size()},
                     {"running", ex.running},
                     {"last_finished_status", ex.last_finished_status},
                     {"count_by_status", ex.count_by_status}});
    }
    reply(200, out.dump());
  } else if (post && p == "/_sim/jobs/add") {
    // The next generated backup job (index = jobs at start + jobs added so
    // far), with its generated history; listed from now on.
    std::lock_guard<std::mutex> lock(mu_);
    GenOptions g = opt_.gen;
    g.jobs = opt_.gen.jobs + added_jobs_ + 1;
    DataSet d = Generate(g);
    JobEntry e;
    e.index = g.jobs - 1;
    e.job = std::move(d.jobs.back());
    ++added_jobs_;
    json out{{"index", e.index},
             {"id", e.job.id},
             {"name", e.job.name},
             {"sessions", e.job.sessions.size()}};
    jobs_.push_back(std::move(e));
    for (auto& c : jobs_cache_) c.reset();
    reply(200, out.dump());
  } else if (post && p == "/_sim/jobs/delete") {
    const std::string id = Param(req, "id");
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const JobEntry& e) {
      return Lower(e.job.id) == Lower(id);
    });
    if (it == jobs_.end()) {
      reply(404, json{{"error", "no such job"}}.dump());
      return;
    }
    jobs_.erase(it);
    for (auto& c : jobs_cache_) c.reset();
    reply(200, "{}");
  } else if (post &&
             (p == "/_sim/sessions/add" || p == "/_sim/sessions/start")) {
    const bool running = p == "/_sim/sessions/start";
    std::string status = running ? "Running" : Param(req, "status");
    if (status.empty()) status = "Success";
    int64_t duration = 60;
    bool has = false;
    std::string d = Param(req, "duration_seconds", &has);
    if (has && (!ParseInt64(d, &duration) || duration < 1)) {
      return bad("duration_seconds must be a positive integer");
    }
    std::lock_guard<std::mutex> lock(mu_);
    JobEntry* e = nullptr;
    std::string id = Param(req, "job_id", &has);
    if (has) {
      e = FindJob(id);
    } else {
      int64_t index = -1;
      if (!ParseInt64(Param(req, "job_index"), &index))
        return bad("job_id or job_index required");
      for (JobEntry& j : jobs_) {
        if (j.index == index) e = &j;
      }
    }
    if (!e || e->fixture) {
      reply(404, json{{"error", "no such generated job"}}.dump());
      return;
    }
    Session* s =
        AddSessionLocked(e, status, duration * kTicksPerSecond, running);
    std::string out;
    AppendSessionJson(*s, Writer(8), &out);
    reply(200, out);
  } else if (post && p == "/_sim/sessions/finish-running") {
    std::string status = Param(req, "status");
    if (status.empty()) status = "Success";
    bool has = false;
    const std::string id = Param(req, "job_id", &has);
    std::lock_guard<std::mutex> lock(mu_);
    int64_t finished = 0;
    // Copy jobs only when named: without job_id, backup jobs only.
    std::vector<JobEntry*> entries;
    for (JobEntry& e : jobs_) entries.push_back(&e);
    if (has) {
      for (JobEntry& e : copy_jobs_) entries.push_back(&e);
    }
    for (JobEntry* ep : entries) {
      JobEntry& e = *ep;
      if (has && Lower(e.job.id) != Lower(id)) continue;
      bool changed = false;
      for (Session& s : e.job.sessions) {
        if (s.end_time == kNotFinished) {
          FinishSession(&s, status);
          changed = true;
          ++finished;
        }
      }
      if (changed) Invalidate(&e);
    }
    reply(200, json{{"finished", finished}}.dump());
  } else if (post && p == "/_sim/tokens/expire-all") {
    const bool refresh = Lower(Param(req, "refresh")) == "true";
    std::lock_guard<std::mutex> lock(mu_);
    const size_t n = access_tokens_.size();
    access_tokens_.clear();
    if (refresh) refresh_tokens_.clear();
    reply(200, json{{"expired", n}}.dump());
  } else if (get && p == "/_sim/tokens") {
    std::lock_guard<std::mutex> lock(mu_);
    reply(200,
          json{{"issued", json(std::vector<std::string>(issued_tokens_.begin(),
                                                        issued_tokens_.end()))}}
              .dump());
  } else if (post && p == "/_sim/password") {
    // The body is the new password (a changed account password); an empty
    // body is refused. Issued tokens keep working until they expire.
    if (req.body.empty()) return bad("the body must be the new password");
    std::lock_guard<std::mutex> lock(mu_);
    opt_.password = req.body;
    reply(200, "{}");
  } else if (post && p == "/_sim/reset") {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ResetData();
      opt_.password = initial_password_;
      access_tokens_.clear();
      refresh_tokens_.clear();
      token_window_.clear();
      faults_ = opt_.faults;
      for (FaultSpec& f : faults_) f.id = ++fault_seq_;
    }
    ResetStats();
    reply(200, "{}");
  } else {
    reply(404, json{{"error", "unknown control endpoint"}}.dump());
  }
}

// Changes to the rest of the server while it runs (tests of alerts that fire
// and resolve, counters that count once). Returns false when the path is
// not one of these. mu_ is not held.
// Long function: one short branch per control path.
bool SimulatorImpl::HandleResourceControl(const httplib::Request& req,
                                          httplib::Response& res) {
  const std::string& p = req.path;
  if (req.method != "POST" || p.rfind("/_sim/", 0) != 0) return false;
  auto reply = [&](int status, const std::string& body) {
    res.status = status;
    res.set_content(body, kJsonType);
  };
  auto bad = [&](const std::string& message) {
    reply(400, json{{"error", message}}.dump());
    return true;
  };
  auto index_of = [&](size_t n, int64_t* index) {
    return ParseInt64(Param(req, "index"), index) && *index >= 0 &&
           *index < static_cast<int64_t>(n);
  };
  auto time_param = [&](const char* name, Ticks* out) {
    bool has = false;
    const std::string s = Param(req, name, &has);
    if (!has) return true;
    auto t = ParseTicks(s);
    if (t) *out = *t;
    return t.has_value();
  };
  std::lock_guard<std::mutex> lock(mu_);
  Resources& r = resources_;
  int64_t i = 0;
  bool has = false;
  if (p == "/_sim/proxies/set") {
    if (!index_of(r.proxies.size(), &i)) return bad("index: no such proxy");
    Proxy& x = r.proxies[i];
    const std::string status = Param(req, "status", &has);
    if (has) x.status = status;
    const std::string m = Param(req, "maintenance", &has);
    if (has) x.maintenance = m;
    reply(200, ProxyJson(x, Writer(8)));
  } else if (p == "/_sim/repositories/set") {
    if (!index_of(r.repositories.size(), &i))
      return bad("index: no such repository");
    Repository& x = r.repositories[i];
    int64_t n = 0;
    if (!ParseInt64(Param(req, "free_bytes"), &n) || n < 0)
      return bad("free_bytes must be a non-negative integer");
    if (x.object_storage) {
      if (!x.object_storage->size_limit_enabled)
        return bad("an object storage without a size limit has no free space");
      x.object_storage->free_space_bytes = n;
      x.object_storage->used_space_bytes =
          x.object_storage->size_limit_gb * (1LL << 30) - n;
    } else {
      if (n > *x.capacity_bytes) return bad("free_bytes above the capacity");
      x.free_space_bytes = n;
    }
    reply(200, RepositoryJson(x, Writer(8)));
  } else if (p == "/_sim/license/set") {
    const std::string status = Param(req, "status", &has);
    if (has) r.license.status = status;
    if (!time_param("expires", &r.license.expires))
      return bad("expires must be an ISO 8601 time");
    r.license.support_expires = r.license.expires;
    if (!time_param("grace_period_expires", &r.license.grace_period_expires))
      return bad("grace_period_expires must be an ISO 8601 time");
    for (auto [name, field] : {std::pair{"total", &r.license.total_number},
                               std::pair{"used", &r.license.used_number},
                               std::pair{"new", &r.license.new_number}}) {
      const std::string s = Param(req, name, &has);
      int64_t n = 0;
      if (!has) continue;
      if (!ParseInt64(s, &n) || n < 0 || n > INT32_MAX)
        return bad(std::string(name) + " must be 0..2147483647");
      *field = static_cast<int32_t>(n);
    }
    reply(200, LicenseJson(r.license, Writer(8)));
  } else if (p == "/_sim/health/set") {
    const std::string component = Param(req, "component");
    const std::string status = Param(req, "status");
    if (status.empty()) return bad("status required");
    HealthEntry* e = nullptr;
    for (HealthEntry& h : r.health.entries) {
      if (h.component == component) e = &h;
    }
    if (!e) return bad("component: no such component");
    e->status = status;
    e->description = status == "Healthy" ? "" : e->description;
    bool all = true;
    for (const HealthEntry& h : r.health.entries)
      all = all && h.status == "Healthy";
    r.health.status = all ? "Healthy" : "Unhealthy";
    reply(200, HealthJson(r.health, Writer(8)));
  } else if (p == "/_sim/organizations/set") {
    if (!index_of(r.organizations.size(), &i))
      return bad("index: no such organization");
    Organization& o = r.organizations[i];
    if (!time_param("last_backup", &o.last_backup))
      return bad("last_backup must be an ISO 8601 time");
    if (o.last_backup != kNotFinished) {
      o.backed_up = true;
      if (o.first_backup == kNotFinished) o.first_backup = o.last_backup;
    }
    SyncState& s = r.sync_states[i];
    const std::string result = Param(req, "sync_result", &has);
    if (has) {  // a sync that ended now
      s.has_last = true;
      s.has_current = false;
      s.last_result = result;
      s.last_end = Now();
      s.last_start = s.last_end - 60 * kTicksPerSecond;
      s.last_error = result == "Success" ? "" : "Simulated sync failure.";
    }
    reply(200, OrganizationJson(o, Writer(8)));
  } else if (p == "/_sim/restores/add") {
    RestoreSession s;
    s.id = DeterministicUuid(opt_.gen.seed ^ 0x2E5,
                             0x6100000ULL + ++made_restores_);
    s.type = Param(req, "type");
    if (s.type.empty()) s.type = "Vex";
    s.result = Param(req, "result");
    if (s.result.empty()) s.result = "Success";
    const bool running = Lower(Param(req, "running")) == "true";
    s.state = running ? "Working" : "Stopped";
    s.name = "Added restore session " + std::to_string(made_restores_);
    s.organization = s.scope_name = r.organizations.empty()
                                        ? "contoso.onmicrosoft.com"
                                        : r.organizations[0].name;
    s.initiated_by = "EAST\\admin";
    s.details = running ? "Restoring items" : "Restore finished";
    s.client_host = "ws10.east.local";
    s.creation_time = Now() - (running ? 0 : 60 * kTicksPerSecond);
    s.end_time = running ? kNotFinished : Now();
    r.restore_sessions.insert(r.restore_sessions.begin(), s);
    reply(200, RestoreSessionJson(s, Writer(8)));
  } else if (p == "/_sim/restores/finish-running") {
    std::string result = Param(req, "result");
    if (result.empty()) result = "Success";
    int64_t finished = 0;
    for (RestoreSession& s : r.restore_sessions) {
      if (s.state != "Working") continue;
      s.state = "Stopped";
      s.result = result;
      s.end_time = std::max(Now(), s.creation_time + kTicksPerSecond);
      ++finished;
    }
    reply(200, json{{"finished", finished}}.dump());
  } else {
    return false;
  }
  return true;
}

void SimulatorImpl::Ticker() {
  // Every interval each enabled generated job except job 3 (whose session
  // keeps running) starts a session; half an interval later it finishes:
  // job 0 Success, 1 Failed, 2 Warning, others mostly Success.
  const auto interval =
      std::chrono::duration<double>(opt_.session_interval_seconds);
  auto next_start =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(interval);
  uint64_t tick = 0;
  std::unique_lock<std::mutex> stop_lock(stop_mu_);
  while (!stopping_) {
    Clock::time_point wake = next_start;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& p : pending_finish_) wake = std::min(wake, p.first);
    }
    stop_cv_.wait_until(stop_lock, wake, [&] { return stopping_; });
    if (stopping_) break;
    const auto now = Clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = pending_finish_.begin(); it != pending_finish_.end();) {
      if (it->first > now) {
        ++it;
        continue;
      }
      JobEntry* e = FindJob(it->second.first);
      if (e) {
        for (Session& s : e->job.sessions) {
          if (s.id == it->second.second && s.end_time == kNotFinished) {
            std::string status = "Success";
            const uint64_t r = std::hash<std::string>{}(s.id) % 100;
            if (e->index == 1) {
              status = "Failed";
            } else if (e->index == 2) {
              status = "Warning";
            } else if (e->index >= 5) {
              status = r < 85   ? "Success"
                       : r < 93 ? "Warning"
                       : r < 98 ? "Failed"
                                : "Stopped";
            }
            FinishSession(&s, status);
            s.statistics =
                MakeSession(e->job, opt_.gen.seed, made_sessions_ + 7777,
                            status, s.creation_time, s.end_time)
                    .statistics;
            s.progress = static_cast<int32_t>(s.statistics.processed_objects);
            Invalidate(e);
          }
        }
      }
      it = pending_finish_.erase(it);
    }
    if (now >= next_start) {
      ++tick;
      for (JobEntry& e : jobs_) {
        if (e.fixture || !e.job.is_enabled || e.index == 3) continue;
        Session* s = AddSessionLocked(&e, "Running", 0, true);
        pending_finish_.push_back(
            {now + std::chrono::duration_cast<Clock::duration>(interval / 2),
             {e.job.id, s->id}});
      }
      next_start += std::chrono::duration_cast<Clock::duration>(interval);
    }
  }
}

std::unique_ptr<httplib::Server> SimulatorImpl::MakeServer() {
  std::unique_ptr<httplib::Server> server;
  if (opt_.plain_http) {
    server = std::make_unique<httplib::Server>();
  } else {
    auto ssl = std::make_unique<httplib::SSLServer>(opt_.tls_cert.c_str(),
                                                    opt_.tls_key.c_str());
    if (!ssl->is_valid()) {
      std::fprintf(stderr,
                   "vb365_simulator: cannot load TLS certificate %s / key %s\n",
                   opt_.tls_cert.c_str(), opt_.tls_key.c_str());
      return nullptr;
    }
    server = std::move(ssl);
  }
  // Without TCP_NODELAY the last segment of a response waits for the
  // client's delayed ACK (40 ms on Linux): every request would look 40 ms
  // slower than the latency the simulator was asked for.
  server->set_tcp_nodelay(true);
  const int threads = opt_.threads;
  server->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server->set_keep_alive_max_count(10000);
  server->set_read_timeout(30, 0);
  server->set_write_timeout(60, 0);
  server->set_payload_max_length(1 << 20);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res);
  };
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Delete(".*", handler);
  return server;
}

int SimulatorImpl::Run() {
  if (!IsLoopbackHost(opt_.host)) {
    std::fprintf(stderr,
                 "vb365_simulator: refusing to listen on %s: loopback only "
                 "(127.0.0.0/8, ::1)\n",
                 opt_.host.c_str());
    return 2;
  }
  const std::string host = opt_.host == "localhost" ? "127.0.0.1" : opt_.host;
  server_ = MakeServer();
  if (!server_) return 2;
  int port = opt_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(host);
    if (port <= 0) {
      std::fprintf(stderr, "vb365_simulator: cannot bind %s:0\n", host.c_str());
      return 1;
    }
  } else if (!server_->bind_to_port(host, port)) {
    std::fprintf(stderr, "vb365_simulator: cannot bind %s:%d\n", host.c_str(),
                 port);
    return 1;
  }
  std::vector<int> extra_ports;
  for (int i = 0; i < opt_.extra_listeners; ++i) {
    std::unique_ptr<httplib::Server> extra = MakeServer();
    const int extra_port = extra ? extra->bind_to_any_port(host) : -1;
    if (extra_port <= 0) {
      std::fprintf(stderr, "vb365_simulator: cannot bind extra listener %s:0\n",
                   host.c_str());
      return 1;
    }
    extra_ports.push_back(extra_port);
    extra_servers_.push_back(std::move(extra));
  }
  // Before any listener runs: handlers read it (TSan saw an extra
  // listener's first request race with this write).
  const std::string host_in_url =
      host.find(':') != std::string::npos ? "[" + host + "]" : host;
  base_url_ = std::string(opt_.plain_http ? "http" : "https") + "://" +
              host_in_url + ":" + std::to_string(port);
  std::vector<std::thread> extra_threads;
  // One flag per listener: its loop has run (or ended), so stop() takes.
  auto extra_started = std::make_unique<std::atomic<bool>[]>(
      std::max<size_t>(1, extra_servers_.size()));
  for (size_t i = 0; i < extra_servers_.size(); ++i) {
    httplib::Server* x = extra_servers_[i].get();
    std::atomic<bool>* started = &extra_started[i];
    extra_threads.emplace_back([x, started] {
      x->listen_after_bind();
      *started = true;
    });
  }
  if (!opt_.ready_file.empty()) {
    const std::string tmp = opt_.ready_file + ".tmp";
    {
      std::ofstream f(tmp);
      f << port << "\n";
      for (int p : extra_ports) f << p << "\n";  // one per line after it
      if (!f) {
        std::fprintf(stderr, "vb365_simulator: cannot write %s\n", tmp.c_str());
        return 1;
      }
    }
    if (std::rename(tmp.c_str(), opt_.ready_file.c_str()) != 0) {
      std::fprintf(stderr, "vb365_simulator: cannot write %s\n",
                   opt_.ready_file.c_str());
      return 1;
    }
  }
  if (!opt_.quiet) {
    std::string versions;
    for (int v : opt_.versions)
      versions += (versions.empty() ? "v" : ",v") + std::to_string(v);
    std::fprintf(stderr,
                 "vb365_simulator: listening on %s (versions %s, %d jobs x %d "
                 "sessions, seed %llu)\n",
                 base_url_.c_str(), versions.c_str(), opt_.gen.jobs,
                 opt_.gen.sessions_per_job,
                 static_cast<unsigned long long>(opt_.gen.seed));
  }
  std::thread ticker;
  if (opt_.session_interval_seconds > 0)
    ticker = std::thread([this] { Ticker(); });
  std::thread limiter;
  if (opt_.exit_after_seconds > 0) {
    limiter = std::thread([this] {
      std::unique_lock<std::mutex> lock(stop_mu_);
      if (!stop_cv_.wait_for(
              lock, std::chrono::duration<double>(opt_.exit_after_seconds),
              [&] { return stopping_; })) {
        lock.unlock();
        std::fprintf(stderr,
                     "vb365_simulator: --exit-after reached, stopping\n");
        Stop();
      }
    });
  }
  live_server_ = server_.get();
  bool ok = true;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopping_) ok = false;  // a signal came before we were listening
  }
  if (ok) ok = server_->listen_after_bind();
  if (!ok) {
    std::lock_guard<std::mutex> lock(stop_mu_);
    ok = stopping_;  // stopped on request: a clean exit
  }
  Stop();
  // httplib's stop() does nothing before its loop runs: wait for each loop
  // (at most 5 s) and stop it again before joining.
  for (size_t i = 0; i < extra_servers_.size(); ++i) {
    for (int k = 0;
         k < 5000 && !extra_servers_[i]->is_running() && !extra_started[i];
         ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    extra_servers_[i]->stop();
  }
  for (std::thread& t : extra_threads) t.join();
  if (ticker.joinable()) ticker.join();
  if (limiter.joinable()) limiter.join();
  return ok ? 0 : 1;
}

Simulator::Simulator(SimulatorOptions options)
    : impl_(std::make_unique<SimulatorImpl>(std::move(options))) {}
Simulator::~Simulator() = default;
int Simulator::Run() { return impl_->Run(); }
void Simulator::Stop() { impl_->Stop(); }

}  // namespace vb365::sim
