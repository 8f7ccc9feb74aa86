// Test doubles for the api module: a scripted Transport and a small in-memory
// VB365 server that speaks just enough of the API (tokens, versions, paging,
// faults) to drive TokenManager and Client without sockets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/client.h"
#include "api/transport.h"
#include "parse/padded_body.h"

namespace vb365::testing {

inline HttpResponse MakeResponse(int status, std::string body,
                                 double retry_after = -1) {
  HttpResponse r;
  r.status = status;
  r.body = PaddedBody(body);
  r.retry_after_seconds = retry_after;
  r.elapsed_seconds = 0.001;
  return r;
}

inline std::string FormValue(const std::string& body, const std::string& key) {
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    if (eq != std::string::npos && pair.substr(0, eq) == key) {
      return pair.substr(eq + 1);
    }
    pos = amp + 1;
  }
  return "";
}

inline std::string QueryValue(const std::string& url, const std::string& key) {
  size_t q = url.find('?');
  if (q == std::string::npos) return "";
  return FormValue(url.substr(q + 1), key);
}

inline std::string PathOf(const std::string& url) {
  // "https://host:1/v8/Jobs?x" -> "/v8/Jobs"
  size_t scheme = url.find("://");
  size_t start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (start == std::string::npos) return "/";
  size_t q = url.find('?', start);
  return url.substr(start,
                    q == std::string::npos ? std::string::npos : q - start);
}

inline std::string HeaderValue(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// Records every request and answers with a handler the test sets.
class FakeTransport : public Transport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit FakeTransport(Handler handler = nullptr)
      : handler_(std::move(handler)) {}
  void SetHandler(Handler handler) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(handler);
  }
  HttpResponse Send(const HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    if (!handler) return MakeResponse(500, "");
    return handler(request);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

// Counts what the client reports.
class RecordingObserver : public ApiObserver {
 public:
  struct Request {
    std::string endpoint;
    int code;
    size_t bytes;
  };
  void OnRequest(std::string_view endpoint, int code, double,
                 size_t bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back({std::string(endpoint), code, bytes});
  }
  void OnAuth(std::string_view grant, bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    auths.emplace_back(std::string(grant), ok);
  }
  void OnParseError(std::string_view endpoint) override {
    std::lock_guard<std::mutex> lock(mu_);
    parse_errors.emplace_back(endpoint);
  }
  int CountRequests(const std::string& endpoint) const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& r : requests) n += r.endpoint == endpoint;
    return n;
  }

  mutable std::mutex mu_;
  std::vector<Request> requests;
  std::vector<std::pair<std::string, bool>> auths;
  std::vector<std::string> parse_errors;
};

inline std::string JobId(int i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%08x-1111-4222-8333-%012x", 0xabc00000u + i,
                static_cast<unsigned>(i));
  return buf;
}

inline std::string SessionId(int job, int i) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%08x-2222-4333-8444-%012x",
                static_cast<unsigned>(job), static_cast<unsigned>(i));
  return buf;
}

// An in-memory VB365 server: serves the versions it is given, issues tokens
// ("access-N"/"refresh-N") with a lifetime, pages like v5+ (limit capped at
// max_limit, default 30), and has switches for the faults the tests need.
// Thread-safe.
class FakeVb365 : public Transport {
 public:
  std::set<int> versions = {8};
  std::string username = "EXAMPLE\\monitor";
  std::string password = "p@ss w0rd&=%";
  int64_t token_lifetime = 3600;
  int jobs = 3;
  int sessions_per_job = 2;
  int max_limit = 10000;
  bool ignore_job_id = false;  // v7/v8: answer all jobs' sessions
  bool send_next_links = true;
  int token_429_left = 0;       // answer /Token with 429 this many times
  double retry_after = -1;      // Retry-After on those 429s
  bool reject_refresh = false;  // refresh grant -> 400 invalid_grant
  bool always_401 = false;      // every data request -> 401
  std::set<std::string> deleted_jobs;
  std::map<std::string, int> fail_path;         // path -> status
  std::map<std::string, std::string> body_for;  // path -> raw body (200)
  std::function<void()> on_token;               // called inside /Token

  int logins() const { return logins_.load(); }
  int refreshes() const { return refreshes_.load(); }
  int token_requests() const { return token_requests_.load(); }
  void ExpireAllTokens() {
    std::lock_guard<std::mutex> lock(mu_);
    valid_.clear();
    refresh_valid_.clear();
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<std::string> paths() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_) {
      std::string p = PathOf(r.url);
      size_t q = r.url.find('?');
      if (q != std::string::npos) p += r.url.substr(q);
      out.push_back(p);
    }
    return out;
  }

  HttpResponse Send(const HttpRequest& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    std::string path = PathOf(request.url);
    int v = 0;
    std::string rest;
    if (path.size() > 3 && path[0] == '/' && path[1] == 'v') {
      size_t slash = path.find('/', 1);
      v = std::atoi(path.substr(2, slash - 2).c_str());
      rest = slash == std::string::npos ? "" : path.substr(slash);
    }
    if (versions.count(v) == 0) return MakeResponse(404, "");
    if (rest == "/Token") return Token(request, v);
    if (auto it = fail_path.find(path); it != fail_path.end()) {
      return MakeResponse(it->second, R"({"message":"injected failure"})");
    }
    std::string auth = HeaderValue(request, "Authorization");
    bool authorized = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      authorized = auth.rfind("Bearer ", 0) == 0 &&
                   valid_.count(auth.substr(7)) > 0 && !always_401;
    }
    if (!authorized) return MakeResponse(401, "");
    if (auto it = body_for.find(path); it != body_for.end()) {
      return MakeResponse(200, it->second);
    }
    if (rest == "/ServiceInstance") {
      return MakeResponse(200,
                          R"({"version":"8.1.0.305","installationId":"x"})");
    }
    if (rest == "/Jobs") return Jobs(request, v);
    if (rest.rfind("/Jobs/", 0) == 0 && v <= 6) {
      std::string id = rest.substr(6, rest.find('/', 6) - 6);
      return Sessions(request, v, id);
    }
    if (rest == "/JobSessions" && v >= 7) {
      return Sessions(request, v, QueryValue(request.url, "jobId"));
    }
    return MakeResponse(404, R"({"message":"no such resource"})");
  }

 private:
  HttpResponse Token(const HttpRequest& r, int v) {
    ++token_requests_;
    if (on_token) on_token();
    if (token_429_left > 0) {
      --token_429_left;
      return MakeResponse(429, R"({"message":"Quota Exceeded"})", retry_after);
    }
    std::string grant = FormValue(r.body, "grant_type");
    std::lock_guard<std::mutex> lock(mu_);
    if (grant == "password") {
      ++logins_;
      if (FormValue(r.body, "username") != Encode(username) ||
          FormValue(r.body, "password") != Encode(password)) {
        return MakeResponse(
            400,
            R"({"error":"invalid_grant","error_description":"The user name or password is incorrect."})");
      }
    } else if (grant == "refresh_token") {
      ++refreshes_;
      if (reject_refresh ||
          refresh_valid_.count(FormValue(r.body, "refresh_token")) == 0) {
        return MakeResponse(400, R"({"error":"invalid_grant"})");
      }
    } else {
      return MakeResponse(400, R"({"error":"unsupported_grant_type"})");
    }
    (void)v;
    int n = ++issued_;
    std::string access = "access-" + std::to_string(n);
    std::string refresh = "refresh-" + std::to_string(n);
    valid_.insert(access);
    refresh_valid_.insert(refresh);
    return MakeResponse(
        200, "{\"access_token\":\"" + access +
                 "\",\"token_type\":\"bearer\",\"expires_in\":" +
                 std::to_string(token_lifetime) + ",\"refresh_token\":\"" +
                 refresh + "\"}");
  }

  static std::string Encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back('%');
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
      }
    }
    return out;
  }

  // Wraps elements [offset, offset+limit) as an array (v3/v4; Jobs up to v7)
  // or a page.
  HttpResponse Collection(const HttpRequest& r, bool paged,
                          const std::vector<std::string>& items,
                          const std::string& path) {
    if (!paged) {
      std::string body = "[";
      for (size_t i = 0; i < items.size(); ++i) {
        body += (i ? "," : "") + items[i];
      }
      return MakeResponse(200, body + "]");
    }
    std::string ls = QueryValue(r.url, "limit");
    std::string os = QueryValue(r.url, "offset");
    int64_t limit = ls.empty() ? 30 : std::atoll(ls.c_str());
    int64_t offset = os.empty() ? 0 : std::atoll(os.c_str());
    if (limit > max_limit) limit = max_limit;
    std::string body = "{\"offset\":" + std::to_string(offset) +
                       ",\"limit\":" + std::to_string(limit) + ",\"results\":[";
    int64_t end = std::min<int64_t>(offset + limit, items.size());
    for (int64_t i = offset; i < end; ++i) {
      body += (i > offset ? "," : "") + items[i];
    }
    body += "],\"_links\":{\"self\":{\"href\":\"" + path + "\"}";
    if (send_next_links && end < static_cast<int64_t>(items.size())) {
      body += ",\"next\":{\"href\":\"" + path +
              "?offset=" + std::to_string(end) +
              "&limit=" + std::to_string(limit) + "\"}";
    }
    return MakeResponse(200, body + "}}");
  }

  HttpResponse Jobs(const HttpRequest& r, int v) {
    std::vector<std::string> items;
    for (int i = 0; i < jobs; ++i) {
      items.push_back("{\"id\":\"" + JobId(i) + "\",\"name\":\"Job " +
                      std::to_string(i) +
                      "\",\"backupType\":\"EntireOrganization\","
                      "\"isEnabled\":true,\"lastStatus\":\"Success\"}");
    }
    return Collection(r, v >= 8, items, "/v" + std::to_string(v) + "/Jobs");
  }

  HttpResponse Sessions(const HttpRequest& r, int v, const std::string& job) {
    if (deleted_jobs.count(job)) {
      return MakeResponse(404, R"({"message":"Job not found"})");
    }
    std::vector<std::string> items;
    for (int j = 0; j < jobs; ++j) {
      // No job asked for (v7+ /JobSessions without jobId): every job's.
      if (!job.empty() && JobId(j) != job && !(v >= 7 && ignore_job_id))
        continue;
      for (int i = 0; i < sessions_per_job; ++i) {
        std::string s = "{\"id\":\"" + SessionId(j, i) +
                        "\",\"creationTime\":\"2026-11-29T10:00:0" +
                        std::to_string(i % 10) +
                        "Z\",\"endTime\":\"2026-11-29T10:05:00Z\","
                        "\"progress\":1,\"status\":\"Success\"";
        if (v >= 8) s += ",\"jobId\":\"" + JobId(j) + "\"";
        s += ",\"_links\":{\"job\":{\"href\":\"/v" + std::to_string(v) +
             "/Jobs/" + JobId(j) + "\"}}}";
        items.push_back(s);
      }
    }
    return Collection(r, v >= 5, items, PathOf(r.url));
  }

  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;
  std::set<std::string> valid_;
  std::set<std::string> refresh_valid_;
  std::atomic<int> logins_{0}, refreshes_{0}, token_requests_{0};
  int issued_ = 0;
};

// A server entry for `server` (name "east", its credentials) at the version
// given (kAuto: the client probes).
inline ServerConfig ConfigFor(const FakeVb365& server,
                              ApiVersion v = ApiVersion::kAuto) {
  ServerConfig c;
  c.name = "east";
  c.url = "https://vb365.test:4443";
  c.api_version = v;
  c.username = server.username;
  c.password = Secret(server.password);
  return c;
}

// Job i as the client lists it: the id JobId(i), the name "Job i".
inline Job NumberedJob(int i) {
  Job job;
  job.id = JobId(i);
  job.key = ParseId(job.id);
  job.name = "Job " + std::to_string(i);
  return job;
}

}  // namespace vb365::testing
