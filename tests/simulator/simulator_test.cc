// vb365_simulator over real HTTPS sockets (through the harness): version
// probing, the token flow, paging, filters, faults, the control endpoint,
// determinism and the special jobs.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "datagen.h"
#include "harness.h"

namespace vb365::sim {
namespace {

using json = nlohmann::json;
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kAnchor = "2026-11-01T00:00:00Z";

std::string Encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

Fault MakeFault(const std::string& kind, const std::string& endpoint = "",
                const std::string& job_id = "", int64_t count = -1,
                int64_t ms = 0) {
  Fault f;
  f.kind = kind;
  f.endpoint = endpoint;
  f.job_id = job_id;
  f.count = count;
  f.ms = ms;
  return f;
}

std::string PasswordForm(const SimulatorProcess& sim,
                         const std::string& password) {
  return "grant_type=password&username=" + Encode(sim.username()) +
         "&password=" + Encode(password) + "&disable_antiforgery_token=true";
}

SimulatorConfig Base() {
  SimulatorConfig c;
  c.versions = {"v3", "v6", "v7", "v8"};
  c.jobs = 6;
  c.sessions_per_job = 20;
  c.anchor_time = kAnchor;
  return c;
}

// All sessions of a job through v8 paging with the given limit.
std::vector<json> AllPages(const SimulatorProcess& sim,
                           const std::string& token, const std::string& job_id,
                           int limit, int* pages = nullptr) {
  std::vector<json> out;
  int offset = 0, n = 0;
  while (true) {
    HttpResult r = sim.Get("/v8/JobSessions?jobId=" + job_id +
                               "&limit=" + std::to_string(limit) +
                               "&offset=" + std::to_string(offset),
                           token);
    EXPECT_EQ(r.status, 200);
    if (r.status != 200) break;
    json page = json::parse(r.body);
    ++n;
    for (const json& s : page["results"]) out.push_back(s);
    if (!page["_links"].contains("next")) break;
    offset += page["limit"].get<int>();
    if (n > 1000) break;
  }
  if (pages) *pages = n;
  return out;
}

// ------------------------------------------------------------ versions

TEST(SimulatorVersions,
     ServiceInstanceIs401WithoutTokenForServedAnd404ForOthers) {
  SimulatorConfig c = Base();
  c.versions = {"v3", "v8"};
  SimulatorProcess sim(c);
  for (int v = 1; v <= 9; ++v) {
    HttpResult r = sim.Get("/v" + std::to_string(v) + "/ServiceInstance");
    EXPECT_EQ(r.status, (v == 3 || v == 8) ? 401 : 404) << "v" << v;
    if (r.status == 401) {
      EXPECT_EQ(r.body, "");
    }
  }
  HttpResult ok = sim.Get("/v8/ServiceInstance", sim.Login(8));
  ASSERT_EQ(ok.status, 200);
  EXPECT_FALSE(json::parse(ok.body)["version"].get<std::string>().empty());
}

TEST(SimulatorVersions, ResourcePathsAreCaseInsensitive) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  EXPECT_EQ(sim.Get("/V8/JOBS", token).status, 200);
  EXPECT_EQ(sim.Get("/v8/jobsessions?jobid=" + sim.JobId(0), token).status,
            200);
  const std::string t3 = sim.Login(3);
  EXPECT_EQ(sim.Get("/v3/jobs/" + sim.JobId(0) + "/jobsessions", t3).status,
            200);
}

TEST(SimulatorVersions, PerJobSessionsPathExistsUpToV6Only) {
  SimulatorProcess sim(Base());
  const std::string id = sim.JobId(0);
  EXPECT_EQ(sim.Get("/v8/Jobs/" + id + "/JobSessions", sim.Login(8)).status,
            404);
  EXPECT_EQ(sim.Get("/v7/Jobs/" + id + "/JobSessions", sim.Login(7)).status,
            404);
  HttpResult v6 = sim.Get("/v6/Jobs/" + id + "/JobSessions", sim.Login(6));
  ASSERT_EQ(v6.status, 200);
  EXPECT_EQ(json::parse(v6.body)["results"].size(), 20u);
  HttpResult v3 = sim.Get("/v3/Jobs/" + id + "/JobSessions", sim.Login(3));
  ASSERT_EQ(v3.status, 200);
  json arr = json::parse(v3.body);
  ASSERT_TRUE(arr.is_array());
  EXPECT_EQ(arr.size(), 20u);
}

TEST(SimulatorVersions, UnknownJobIs404WithErrorBody) {
  SimulatorProcess sim(Base());
  const std::string missing = "11111111-2222-4333-8444-555555555555";
  HttpResult v8 = sim.Get("/v8/JobSessions?jobId=" + missing, sim.Login(8));
  ASSERT_EQ(v8.status, 404);
  json e = json::parse(v8.body);
  EXPECT_EQ(e["errorCode"], "ResourceNotFound");
  EXPECT_NE(e["message"].get<std::string>().find(missing), std::string::npos);
  HttpResult v6 = sim.Get("/v6/Jobs/" + missing + "/JobSessions", sim.Login(6));
  ASSERT_EQ(v6.status, 404);
  EXPECT_TRUE(json::parse(v6.body).contains("message"));
  EXPECT_FALSE(json::parse(v6.body).contains("errorCode"));
}

// ------------------------------------------------------------ tokens

TEST(SimulatorToken, PasswordGrantReturnsOAuthFieldsAndCountsTheLogin) {
  SimulatorProcess sim(Base());
  HttpResult r =
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm);
  ASSERT_EQ(r.status, 200) << r.body;
  json t = json::parse(r.body);
  for (const char* k :
       {"access_token", "refresh_token", "token_type", ".issued", ".expires"}) {
    EXPECT_TRUE(t[k].is_string()) << k;
  }
  EXPECT_EQ(t["expires_in"], 3600);
  EXPECT_EQ(t["token_type"], "bearer");
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Get("/v8/Jobs", t["access_token"]).status, 200);
}

TEST(SimulatorToken, BadCredentialsGet400WithOAuthError) {
  SimulatorProcess sim(Base());
  HttpResult r = sim.Post("/v8/Token", PasswordForm(sim, "wrong"), kForm);
  ASSERT_EQ(r.status, 400);
  json e = json::parse(r.body);
  EXPECT_EQ(e["error"], "invalid_grant");
  EXPECT_TRUE(e["error_description"].is_string());
  HttpResult u = sim.Post(
      "/v8/Token",
      "grant_type=password&username=nobody&password=" + Encode(sim.password()),
      kForm);
  EXPECT_EQ(u.status, 400);
  HttpResult g = sim.Post("/v8/Token", "grant_type=client_credentials", kForm);
  EXPECT_EQ(g.status, 400);
  EXPECT_EQ(json::parse(g.body)["error"], "unsupported_grant_type");
  EXPECT_EQ(sim.Stat("logins"), 0);
  EXPECT_EQ(sim.Stat("login_failures"), 2);
}

TEST(SimulatorToken, RefreshGrantIssuesNewPairAndRefreshTokenIsSingleUse) {
  SimulatorProcess sim(Base());
  json t = json::parse(
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm).body);
  const std::string form = "grant_type=refresh_token&refresh_token=" +
                           t["refresh_token"].get<std::string>() +
                           "&disable_antiforgery_token=true";
  HttpResult r = sim.Post("/v8/Token", form, kForm);
  ASSERT_EQ(r.status, 200);
  json t2 = json::parse(r.body);
  EXPECT_NE(t2["access_token"], t["access_token"]);
  EXPECT_EQ(sim.Get("/v8/Jobs", t2["access_token"]).status, 200);
  HttpResult again = sim.Post("/v8/Token", form, kForm);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(sim.Stat("logins"), 1);
  EXPECT_EQ(sim.Stat("refreshes"), 1);
  EXPECT_EQ(sim.Stat("refresh_failures"), 1);
}

TEST(SimulatorToken, UnknownOrMissingTokenGets401WithEmptyBody) {
  SimulatorProcess sim(Base());
  for (const std::string& token : {std::string(), std::string("not-a-token")}) {
    HttpResult r = sim.Get("/v8/Jobs", token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.Header("Content-Length"), "0");
  }
  EXPECT_EQ(sim.Stat("unauthorized"), 2);
}

TEST(SimulatorToken, ExpiredTokenGets401AndRefreshStillWorks) {
  SimulatorConfig c = Base();
  c.token_lifetime_seconds = 1;
  SimulatorProcess sim(c);
  json t = json::parse(
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm).body);
  EXPECT_EQ(t["expires_in"], 1);
  EXPECT_EQ(sim.Get("/v8/Jobs", t["access_token"]).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  HttpResult r = sim.Get("/v8/Jobs", t["access_token"]);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "");
  HttpResult ref = sim.Post("/v8/Token",
                            "grant_type=refresh_token&refresh_token=" +
                                t["refresh_token"].get<std::string>(),
                            kForm);
  ASSERT_EQ(ref.status, 200);
  EXPECT_EQ(sim.Get("/v8/Jobs", json::parse(ref.body)["access_token"]).status,
            200);
}

TEST(SimulatorToken, ExpireAllInvalidatesIssuedTokens) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 200);
  sim.ExpireAllTokens();
  HttpResult r = sim.Get("/v8/Jobs", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "");
}

TEST(SimulatorToken, ThrottleAnswers429WithRetryAfterBeyondTheRate) {
  SimulatorConfig c = Base();
  c.token_rate_limit = 3;
  SimulatorProcess sim(c);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm).status,
        200);
  }
  HttpResult r =
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm);
  ASSERT_EQ(r.status, 429);
  const int retry_after = std::atoi(r.Header("Retry-After").c_str());
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(sim.Stat("throttled"), 1);
  EXPECT_EQ(sim.Stat("logins"), 3);
}

TEST(SimulatorToken, V7WithoutAntiforgeryFlagIsCounted) {
  SimulatorProcess sim(Base());
  HttpResult r =
      sim.Post("/v7/Token",
               "grant_type=password&username=" + Encode(sim.username()) +
                   "&password=" + Encode(sim.password()),
               kForm);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(sim.Stat("antiforgery_missing"), 1);
  sim.Login(7);
  EXPECT_EQ(sim.Stat("antiforgery_missing"), 1);
}

// ------------------------------------------------------------ paging

TEST(SimulatorPaging, V8SessionsDefaultLimitShortLastPageAndMaximum) {
  SimulatorConfig c = Base();
  c.sessions_per_job = 75;
  SimulatorProcess sim(c);
  const std::string token = sim.Login(8);
  const std::string id = sim.JobId(0);
  json first = json::parse(sim.Get("/v8/JobSessions?jobId=" + id, token).body);
  EXPECT_EQ(first["limit"], 30);
  EXPECT_EQ(first["offset"], 0);
  EXPECT_EQ(first["results"].size(), 30u);
  EXPECT_TRUE(first["setId"].is_string());
  ASSERT_TRUE(first["_links"].contains("next"));
  const std::string next = first["_links"]["next"]["href"];
  EXPECT_EQ(next.rfind("/v8/JobSessions?", 0), 0u);
  EXPECT_NE(next.find("offset=30"), std::string::npos);
  json by_link = json::parse(sim.Get(next, token).body);
  EXPECT_EQ(by_link["offset"], 30);

  json last = json::parse(
      sim.Get("/v8/JobSessions?jobId=" + id + "&offset=60", token).body);
  EXPECT_EQ(last["results"].size(), 15u);
  EXPECT_FALSE(last["_links"].contains("next"));

  json beyond = json::parse(
      sim.Get("/v8/JobSessions?jobId=" + id + "&offset=500", token).body);
  EXPECT_EQ(beyond["results"].size(), 0u);

  json max = json::parse(
      sim.Get("/v8/JobSessions?jobId=" + id + "&limit=20000", token).body);
  EXPECT_EQ(max["limit"], 10000);
  EXPECT_EQ(max["results"].size(), 75u);
  EXPECT_FALSE(max["_links"].contains("next"));

  for (const char* bad : {"limit=0", "limit=-1", "limit=abc", "offset=-5"}) {
    HttpResult r = sim.Get("/v8/JobSessions?jobId=" + id + "&" + bad, token);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(json::parse(r.body)["errorCode"], "ParameterValidationFailure");
  }

  int pages = 0;
  std::vector<json> all = AllPages(sim, token, id, 7, &pages);
  EXPECT_EQ(pages, 11);
  std::set<std::string> ids;
  for (const json& s : all) ids.insert(s["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 75u);
}

TEST(SimulatorPaging, V8JobsArePagedAndOlderVersionsReturnArrays) {
  SimulatorConfig c = Base();
  c.jobs = 35;
  c.sessions_per_job = 2;
  SimulatorProcess sim(c);
  const std::string token = sim.Login(8);
  json p1 = json::parse(sim.Get("/v8/Jobs", token).body);
  EXPECT_EQ(p1["results"].size(), 30u);
  ASSERT_TRUE(p1["_links"].contains("next"));
  json p2 = json::parse(sim.Get(p1["_links"]["next"]["href"], token).body);
  EXPECT_EQ(p2["results"].size(), 5u);
  EXPECT_FALSE(p2["_links"].contains("next"));
  json v7 = json::parse(sim.Get("/v7/Jobs", sim.Login(7)).body);
  ASSERT_TRUE(v7.is_array());
  EXPECT_EQ(v7.size(), 35u);
}

TEST(SimulatorPaging, EndTimeLowerBoundKeepsLaterEndsAndAllUnfinished) {
  SimulatorConfig c = Base();
  c.sessions_per_job = 50;
  SimulatorProcess sim(c);
  const std::string token = sim.Login(8);
  const std::string id = sim.JobId(3);  // has a running session
  std::vector<json> all = AllPages(sim, token, id, 10000);
  ASSERT_EQ(all.size(), 50u);
  std::vector<Ticks> ends;
  for (const json& s : all) {
    if (!s["endTime"].is_null())
      ends.push_back(*ParseTicks(s["endTime"].get<std::string>()));
  }
  std::sort(ends.begin(), ends.end());
  const Ticks bound = ends[ends.size() / 2];
  size_t expected = 1;  // the running one
  for (Ticks e : ends) expected += e >= bound;
  const std::string b = FormatTicks(bound, 7);
  HttpResult r = sim.Get(
      "/v8/JobSessions?jobId=" + id + "&limit=10000&endTimeLowerBound=" + b,
      token);
  ASSERT_EQ(r.status, 200);
  json page = json::parse(r.body);
  EXPECT_EQ(page["results"].size(), expected);
  bool running_seen = false;
  for (const json& s : page["results"]) {
    if (s["endTime"].is_null()) {
      running_seen = true;
    } else {
      EXPECT_GE(*ParseTicks(s["endTime"].get<std::string>()), bound);
    }
  }
  EXPECT_TRUE(running_seen);
  EXPECT_EQ(
      sim.Get("/v8/JobSessions?jobId=" + id + "&endTimeLowerBound=garbage",
              token)
          .status,
      400);
}

TEST(SimulatorPaging, JobSessionsWithoutJobIdListsEveryJob) {
  SimulatorProcess sim(Base());
  json page =
      json::parse(sim.Get("/v8/JobSessions?limit=10000", sim.Login(8)).body);
  EXPECT_EQ(page["results"].size(), 6u * 20u);
  json v3 = json::parse(sim.Get("/v3/JobSessions", sim.Login(3)).body);
  EXPECT_EQ(v3.size(), 6u * 20u);
}

TEST(SimulatorConcurrency, ParallelClientsShareOneTokenAndAreAllCounted) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  const std::string path = "/v8/JobSessions?jobId=" + sim.JobId(1);
  const std::string expected = sim.Get(path, token).body;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        HttpResult r = sim.Get(path, token);
        if (r.status == 200 && r.body == expected) ++ok;
        sim.Get("/v8/Jobs", token);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(sim.Stat("requests.job_sessions"), 81);
  EXPECT_EQ(sim.Stat("requests.jobs"), 80);
  EXPECT_EQ(sim.Stat("logins"), 1);
}

// ------------------------------------------------------------ data

TEST(SimulatorData, SpecialJobsAreWhatTheDocsPromise) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  json jobs = json::parse(sim.Get("/v8/Jobs", token).body)["results"];
  ASSERT_EQ(jobs.size(), 6u);
  auto last_finished = [&](const std::string& id, int* running) {
    std::vector<json> all = AllPages(sim, token, id, 1000);
    std::string status;
    Ticks newest = 0;
    *running = 0;
    for (const json& s : all) {
      if (s["endTime"].is_null()) {
        ++*running;
        EXPECT_EQ(s["status"], "Running");
        continue;
      }
      Ticks c = *ParseTicks(s["creationTime"].get<std::string>());
      if (c > newest) {
        newest = c;
        status = s["status"];
      }
    }
    return status;
  };
  int running = 0;
  EXPECT_EQ(last_finished(jobs[0]["id"], &running), "Success");
  EXPECT_EQ(running, 0);
  EXPECT_EQ(last_finished(jobs[1]["id"], &running), "Failed");
  EXPECT_EQ(last_finished(jobs[2]["id"], &running), "Warning");
  EXPECT_EQ(last_finished(jobs[3]["id"], &running), "Success");
  EXPECT_EQ(running, 1);
  EXPECT_EQ(jobs[3]["lastStatus"], "Running");
  EXPECT_EQ(jobs[4]["isEnabled"], false);
  EXPECT_TRUE(jobs[4]["nextRun"].is_null());
  for (int i : {0, 1, 2, 3, 5}) EXPECT_EQ(jobs[i]["isEnabled"], true) << i;
  // The same through the control endpoint.
  std::vector<SimJob> sj = sim.Jobs();
  EXPECT_EQ(sj[1].last_finished_status, "Failed");
  EXPECT_EQ(sj[3].running, 1);
  EXPECT_FALSE(sj[4].enabled);
}

TEST(SimulatorData, V3RunningSessionUsesTheYearOnePlaceholder) {
  SimulatorProcess sim(Base());
  HttpResult r =
      sim.Get("/v3/Jobs/" + sim.JobId(3) + "/JobSessions", sim.Login(3));
  ASSERT_EQ(r.status, 200);
  int placeholders = 0;
  for (const json& s : json::parse(r.body)) {
    if (s["endTime"] == "0001-01-01T00:00:00") {
      ++placeholders;
      EXPECT_EQ(s["status"], "Running");
    }
  }
  EXPECT_EQ(placeholders, 1);
}

TEST(SimulatorData, SameSeedAndAnchorGiveTheSameBytes) {
  SimulatorProcess a(Base());
  SimulatorProcess b(Base());
  SimulatorConfig other = Base();
  other.seed = 2;
  SimulatorProcess c(other);
  const std::string ta = a.Login(8), tb = b.Login(8), tc = c.Login(8);
  const std::string jobs_a = a.Get("/v8/Jobs", ta).body;
  EXPECT_EQ(jobs_a, b.Get("/v8/Jobs", tb).body);
  EXPECT_NE(jobs_a, c.Get("/v8/Jobs", tc).body);
  const std::string path = "/v8/JobSessions?jobId=" + a.JobId(2) + "&limit=100";
  EXPECT_EQ(a.Get(path, ta).body, b.Get(path, tb).body);
  // v3 links carry the port; apart from that the bytes agree too.
  std::string v3a =
      a.Get("/v3/Jobs/" + a.JobId(1) + "/JobSessions", a.Login(3)).body;
  std::string v3b =
      b.Get("/v3/Jobs/" + b.JobId(1) + "/JobSessions", b.Login(3)).body;
  auto strip = [](std::string s, const std::string& base) {
    for (size_t p; (p = s.find(base)) != std::string::npos;)
      s.erase(p, base.size());
    return s;
  };
  EXPECT_EQ(strip(v3a, a.base_url()), strip(v3b, b.base_url()));
}

TEST(SimulatorData, FixtureSessionsAreServedVerbatimAndTheJobIsListed) {
  const std::string file =
      std::string(VB365_FIXTURES_DIR) + "/seed_v3_jobsessions.json";
  std::ifstream f(file);
  if (!f) GTEST_SKIP() << "fixture missing: " << file;
  std::stringstream ss;
  ss << f.rdbuf();
  SimulatorConfig c = Base();
  c.versions = {"v3"};
  c.jobs = 1;
  const std::string id = "b20cedd4-66b2-49b1-86de-a575dc67e83b";
  c.fixture_sessions = {{id, file}};
  SimulatorProcess sim(c);
  const std::string token = sim.Login(3);
  json jobs = json::parse(sim.Get("/v3/Jobs", token).body);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1]["id"], id);
  HttpResult r = sim.Get("/v3/Jobs/" + id + "/JobSessions", token);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, ss.str());
}

TEST(SimulatorData, JobNameOptionRenamesOnlyThatJob) {
  SimulatorConfig c = Base();
  c.versions = {"v8"};
  c.jobs = 3;
  SimulatorProcess plain(c);
  const json before =
      json::parse(plain.Get("/v8/Jobs", plain.Login(8)).body)["results"];
  const std::string markup = "<img src=x onerror=\"document.title='pwned'\">";
  c.extra_args = {"--job-name=1=" + markup};
  SimulatorProcess sim(c);
  const json after =
      json::parse(sim.Get("/v8/Jobs", sim.Login(8)).body)["results"];
  ASSERT_EQ(after.size(), 3u);
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(after[1]["name"], markup);
  EXPECT_NE(before[1]["name"], markup);
  EXPECT_EQ(after[1]["id"], before[1]["id"]);
  EXPECT_EQ(after[0]["name"], before[0]["name"]);
  EXPECT_EQ(after[2]["name"], before[2]["name"]);
}

TEST(SimulatorData, TimeMovesWhenASessionIntervalIsGiven) {
  SimulatorConfig c = Base();
  c.session_interval_seconds = 0.3;
  SimulatorProcess sim(c);
  const int64_t before = sim.Jobs()[0].sessions;
  std::string status_of_job1;
  // Poll (bounded) until job 0 gained a finished session and job 1 one too.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool moved = false;
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<SimJob> jobs = sim.Jobs();
    if (jobs[0].sessions > before && jobs[0].running == 0 &&
        jobs[1].sessions > before && jobs[1].running == 0) {
      moved = true;
      EXPECT_EQ(jobs[0].last_finished_status, "Success");
      EXPECT_EQ(jobs[1].last_finished_status, "Failed");
      EXPECT_EQ(jobs[2].last_finished_status, "Warning");
      EXPECT_EQ(jobs[4].sessions, before);  // disabled
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(moved);
}

// ------------------------------------------------------------ control

TEST(SimulatorControl, AddedSessionBecomesTheNewestAndCachesAreInvalidated) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(3);
  const std::string id = sim.JobId(0);
  const std::string path = "/v3/Jobs/" + id + "/JobSessions";
  json before = json::parse(sim.Get(path, token).body);
  json added = json::parse(sim.AddSession(id, "Failed", 120));
  EXPECT_EQ(added["status"], "Failed");
  json after = json::parse(sim.Get(path, token).body);
  EXPECT_EQ(after.size(), before.size() + 1);
  Ticks newest = 0;
  std::string newest_status;
  for (const json& s : after) {
    Ticks t = *ParseTicks(s["creationTime"].get<std::string>());
    if (t > newest) {
      newest = t;
      newest_status = s["status"];
    }
  }
  EXPECT_EQ(newest_status, "Failed");
  EXPECT_EQ(sim.Jobs()[0].last_finished_status, "Failed");
}

TEST(SimulatorControl, StartAndFinishRunningSessions) {
  SimulatorProcess sim(Base());
  const std::string id = sim.JobId(0);
  sim.StartSession(id);
  EXPECT_EQ(sim.Jobs()[0].running, 1);
  EXPECT_EQ(sim.FinishRunning(id, "Warning"), 1);
  EXPECT_EQ(sim.Jobs()[0].running, 0);
  EXPECT_EQ(sim.Jobs()[0].last_finished_status, "Warning");
  EXPECT_EQ(sim.FinishRunning(), 1);  // job 3's
  EXPECT_EQ(sim.Jobs()[3].running, 0);
}

TEST(SimulatorControl, DeletedJobDisappearsAndResetRestoresIt) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  const std::string id = sim.JobId(2);
  sim.DeleteJob(id);
  json jobs = json::parse(sim.Get("/v8/Jobs", token).body)["results"];
  EXPECT_EQ(jobs.size(), 5u);
  EXPECT_EQ(sim.Get("/v8/JobSessions?jobId=" + id, token).status, 404);
  sim.Reset();
  const std::string t2 = sim.Login(8);
  EXPECT_EQ(json::parse(sim.Get("/v8/Jobs", t2).body)["results"].size(), 6u);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 401);  // reset drops tokens
  EXPECT_EQ(sim.Stat("logins"), 1);                   // and counters
}

TEST(SimulatorControl, StatsCountRequestsBytesAndPerJobReads) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  const std::string id = sim.JobId(1);
  HttpResult r1 = sim.Get("/v8/JobSessions?jobId=" + id, token);
  HttpResult r2 = sim.Get("/v8/Jobs", token);
  EXPECT_EQ(sim.Stat("requests.job_sessions"), 1);
  EXPECT_EQ(sim.Stat("requests.jobs"), 1);
  EXPECT_EQ(sim.Stat("requests.token"), 1);
  EXPECT_EQ(sim.Stat("response_bytes.job_sessions"),
            static_cast<int64_t>(r1.body.size()));
  EXPECT_EQ(sim.Stat("job_sessions_by_job." + id), 1);
  sim.ResetStats();
  EXPECT_EQ(sim.Stat("requests.total"), 0);
}

TEST(SimulatorControl, BadFaultSpecIsRejected) {
  SimulatorProcess sim(Base());
  EXPECT_EQ(
      sim.Control("POST", "/_sim/faults", "{\"kind\":\"explode\"}").status,
      400);
  EXPECT_EQ(sim.Control("POST", "/_sim/faults", "not json").status, 400);
  EXPECT_EQ(sim.Control("POST", "/_sim/faults",
                        "{\"kind\":\"latency\",\"endpoint\":\"x\"}")
                .status,
            400);
  EXPECT_EQ(sim.Control("GET", "/_sim/nothing").status, 404);
}

// ------------------------------------------------------------ faults

class SimulatorFault : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<SimulatorProcess>(Base());
    token_ = sim_->Login(8);
    job_ = sim_->JobId(0);
    path_ = "/v8/JobSessions?jobId=" + job_ + "&limit=100";
    normal_ = sim_->Get(path_, token_).body;
    ASSERT_FALSE(normal_.empty());
  }
  HttpResult Sessions() { return sim_->Get(path_, token_); }
  static bool ParsesAsJson(const std::string& s) {
    return !json::parse(s, nullptr, false).is_discarded();
  }
  std::unique_ptr<SimulatorProcess> sim_;
  std::string token_, job_, path_, normal_;
};

TEST_F(SimulatorFault, LatencyDelaysButKeepsTheBody) {
  sim_->AddFault(MakeFault("latency", "job_sessions", "", 1, 300));
  const auto t0 = std::chrono::steady_clock::now();
  HttpResult r = Sessions();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
  EXPECT_EQ(r.body, normal_);
  EXPECT_GE(ms, 300);
  EXPECT_EQ(sim_->Stat("faults_applied"), 1);
}

TEST_F(SimulatorFault, DripSendsTheSameBytesSlowly) {
  Fault f = MakeFault("drip", "job_sessions");
  f.bytes = 4096;
  f.ms = 20;
  f.count = 1;
  sim_->AddFault(f);
  HttpResult r = Sessions();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, normal_);
}

TEST_F(SimulatorFault, HttpErrorForAGivenNumberOfRequests) {
  Fault f = MakeFault("http_error", "job_sessions");
  f.count = 2;
  f.status = 500;
  sim_->AddFault(f);
  EXPECT_EQ(Sessions().status, 500);
  EXPECT_EQ(Sessions().status, 500);
  EXPECT_EQ(Sessions().status, 200);
}

TEST_F(SimulatorFault, ResetClosesTheConnectionMidBody) {
  sim_->AddFault(MakeFault("reset", "job_sessions", "", 1));
  HttpResult r = Sessions();
  EXPECT_TRUE(r.status == 0 || r.body.size() < normal_.size()) << r.status;
  EXPECT_EQ(Sessions().body, normal_);
}

TEST_F(SimulatorFault, MalformedAndTruncatedBodiesDoNotParse) {
  sim_->AddFault(MakeFault("malformed", "job_sessions", "", 1));
  HttpResult m = Sessions();
  EXPECT_EQ(m.status, 200);
  EXPECT_FALSE(ParsesAsJson(m.body));
  sim_->AddFault(MakeFault("truncated", "job_sessions", "", 1));
  HttpResult t = Sessions();
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.body.size(), normal_.size() / 2);
  EXPECT_EQ(normal_.compare(0, t.body.size(), t.body), 0);
  EXPECT_FALSE(ParsesAsJson(t.body));
}

TEST_F(SimulatorFault, MutationsChangeTheSessions) {
  sim_->AddFault(MakeFault("numbers_as_strings", "job_sessions", "", 1));
  json a = json::parse(Sessions().body);
  EXPECT_TRUE(
      a["results"][0]["statistics"]["transferredDataBytes"].is_string());
  sim_->AddFault(MakeFault("nulls", "job_sessions", "", 1));
  json b = json::parse(Sessions().body);
  EXPECT_TRUE(b["results"][0]["status"].is_null());
  Fault every = MakeFault("missing_fields", "job_sessions", "", 1);
  every.every = 2;
  sim_->AddFault(every);
  json c = json::parse(Sessions().body);
  EXPECT_FALSE(c["results"][0].contains("status"));
  EXPECT_TRUE(c["results"][1].contains("status"));
  EXPECT_EQ(Sessions().body, normal_);
}

TEST_F(SimulatorFault, HugeBodyIsStillValidJsonWithTheSameContent) {
  Fault f = MakeFault("huge", "job_sessions", "", 1);
  f.bytes = 8 << 20;
  sim_->AddFault(f);
  HttpResult r = Sessions();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), static_cast<size_t>(8 << 20));
  EXPECT_EQ(json::parse(r.body), json::parse(normal_));
}

TEST_F(SimulatorFault, NotFoundScopedToOneJobLeavesOthersAndTheListing) {
  sim_->AddFault(MakeFault("not_found", "job_sessions", job_));
  HttpResult r = Sessions();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["errorCode"], "ResourceNotFound");
  EXPECT_EQ(sim_->Get("/v8/JobSessions?jobId=" + sim_->JobId(1), token_).status,
            200);
  json jobs = json::parse(sim_->Get("/v8/Jobs", token_).body)["results"];
  EXPECT_EQ(jobs.size(), 6u);
  sim_->ClearFaults();
  EXPECT_EQ(Sessions().status, 200);
}

TEST_F(SimulatorFault, DeleteJobDeletesTheJobAtItsFirstSessionsRead) {
  auto listed = [&] {
    std::vector<std::string> ids;
    const json page = json::parse(sim_->Get("/v8/Jobs", token_).body);
    for (const json& j : page["results"]) ids.push_back(j["id"]);
    return ids;
  };
  const std::vector<std::string> before = listed();
  ASSERT_EQ(before.size(), 6u);
  sim_->AddFault(MakeFault("delete_job", "job_sessions", job_));
  // Until the job's sessions are read it is listed; another job's read
  // does not delete it.
  EXPECT_EQ(listed(), before);
  EXPECT_EQ(sim_->Get("/v8/JobSessions?jobId=" + sim_->JobId(1), token_).status,
            200);
  EXPECT_EQ(listed(), before);
  HttpResult r = Sessions();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["errorCode"], "ResourceNotFound");
  const std::vector<std::string> after = listed();
  EXPECT_EQ(after.size(), 5u);
  EXPECT_EQ(std::count(after.begin(), after.end(), job_), 0);
  sim_->ClearFaults();
  EXPECT_EQ(Sessions().status, 404);  // deleted for good
}

TEST_F(SimulatorFault, DeleteJobNeedsOneJobsSessions) {
  HttpResult no_job =
      sim_->Control("POST", "/_sim/faults",
                    R"({"kind":"delete_job","endpoint":"job_sessions"})");
  EXPECT_EQ(no_job.status, 400);
  HttpResult other = sim_->Control(
      "POST", "/_sim/faults",
      R"({"kind":"delete_job","endpoint":"jobs","job_id":")" + job_ + "\"}");
  EXPECT_EQ(other.status, 400);
}

TEST_F(SimulatorFault, DownTakesTheWholeApiButNotTheControlEndpoint) {
  sim_->AddFault(MakeFault("down"));
  EXPECT_EQ(Sessions().status, 503);
  EXPECT_EQ(sim_->Get("/v8/Jobs", token_).status, 503);
  EXPECT_EQ(
      sim_->Post("/v8/Token", PasswordForm(*sim_, sim_->password()), kForm)
          .status,
      503);
  EXPECT_EQ(sim_->Get("/v8/ServiceInstance").status, 503);
  EXPECT_GT(sim_->Stat("requests.total"), 0);
  sim_->ClearFaults();
  EXPECT_EQ(Sessions().body, normal_);
}

TEST_F(SimulatorFault, EndpointScopeLeavesOtherEndpointsAlone) {
  sim_->AddFault(MakeFault("http_error", "jobs"));
  EXPECT_EQ(sim_->Get("/v8/Jobs", token_).status, 500);
  EXPECT_EQ(Sessions().status, 200);
}

TEST_F(SimulatorFault, HtmlErrorAndRetryAfter) {
  sim_->Control("POST", "/_sim/faults",
                R"({"kind":"html_error","endpoint":"job_sessions",)"
                R"("status":502,"retry_after":7,"count":1})");
  HttpResult h = Sessions();
  EXPECT_EQ(h.status, 502);
  EXPECT_EQ(h.Header("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_NE(h.body.find("<title>502 Bad Gateway</title>"), std::string::npos);
  EXPECT_FALSE(ParsesAsJson(h.body));
  EXPECT_EQ(h.Header("Retry-After"), "7");
  sim_->Control("POST", "/_sim/faults",
                R"({"kind":"http_error","endpoint":"job_sessions",)"
                R"("status":429,"count":1})");
  HttpResult e = Sessions();
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.Header("Retry-After"), "");
  EXPECT_EQ(Sessions().body, normal_);
}

TEST_F(SimulatorFault, UnknownEnumsAreValuesNoEnumHas) {
  sim_->Control("POST", "/_sim/faults",
                R"({"kind":"unknown_enums","endpoint":"job_sessions",)"
                R"("count":1})");
  json page = json::parse(Sessions().body);
  ASSERT_FALSE(page["results"].empty());
  for (const json& s : page["results"]) {
    EXPECT_EQ(s["statistics"]["bottleneck"], "Network");
    if (!s["endTime"].is_null()) EXPECT_EQ(s["status"], "Postponed");
  }
  EXPECT_EQ(Sessions().body, normal_);
}

TEST_F(SimulatorFault, PageOverlapRepeatsThePreviousPagesLastSession) {
  sim_->Control("POST", "/_sim/faults",
                R"({"kind":"page_overlap","endpoint":"job_sessions",)"
                R"("page_size":3})");
  const std::string base = "/v8/JobSessions?jobId=" + job_ + "&limit=100";
  json first = json::parse(sim_->Get(base + "&offset=0", token_).body);
  json second = json::parse(sim_->Get(base + "&offset=3", token_).body);
  ASSERT_EQ(first["results"].size(), 3u);
  ASSERT_EQ(second["results"].size(), 3u);
  EXPECT_EQ(second["offset"], 3);
  EXPECT_EQ(second["limit"], 3);
  EXPECT_EQ(second["results"][0]["id"], first["results"][2]["id"]);
  EXPECT_TRUE(first["_links"].contains("next"));
}

TEST_F(SimulatorFault, AOneJobFaultAlsoHitsTheReadOfEveryJobOfItsType) {
  const std::string all = "/v8/JobSessions?limit=10000";
  const std::string copies = all + "&jobType=Copy";
  const json before = json::parse(sim_->Get(all, token_).body)["results"];
  sim_->AddFault(MakeFault("unknown_enums", "job_sessions", job_));
  const json mutated = json::parse(sim_->Get(all, token_).body)["results"];
  ASSERT_EQ(mutated.size(), before.size());
  size_t changed = 0;
  for (size_t i = 0; i < mutated.size(); ++i) {
    if (mutated[i] == before[i]) continue;
    ++changed;  // only the faulted job's sessions
    EXPECT_EQ(mutated[i]["jobId"], job_) << i;
  }
  EXPECT_GT(changed, 0u);
  sim_->ClearFaults();
  sim_->AddFault(MakeFault("not_found", "job_sessions", job_));
  EXPECT_EQ(sim_->Get(all, token_).status, 404);
  EXPECT_EQ(sim_->Get(copies, token_).status, 200);  // a backup job's fault
  EXPECT_EQ(sim_->Get("/v8/JobSessions?jobId=" + sim_->JobId(1), token_).status,
            200);
  EXPECT_EQ(sim_->Stat("job_sessions_all_jobs"), 4);
}

TEST(SimulatorControl, AnAddedJobIsListedWithItsGeneratedHistory) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  const std::string id = sim.AddJob();
  GenOptions next = GenOptionsFor(sim.config());
  next.jobs = 7;
  EXPECT_EQ(id, Generate(next).jobs[6].id);  // the next generated job
  json jobs = json::parse(sim.Get("/v8/Jobs?limit=100", token).body);
  ASSERT_EQ(jobs["results"].size(), 7u);
  EXPECT_EQ(jobs["results"][6]["id"], id);
  json sessions =
      json::parse(sim.Get("/v8/JobSessions?limit=100&jobId=" + id, token).body);
  EXPECT_EQ(sessions["results"].size(), 20u);
}

TEST_F(SimulatorFault, PageLoopIgnoresTheOffsetAndLinksToItself) {
  sim_->Control("POST", "/_sim/faults",
                R"({"kind":"page_loop","endpoint":"job_sessions",)"
                R"("page_size":2})");
  const std::string base = "/v8/JobSessions?jobId=" + job_ + "&limit=100";
  const std::string a = sim_->Get(base + "&offset=0", token_).body;
  const std::string b = sim_->Get(base + "&offset=6", token_).body;
  EXPECT_EQ(a, b);
  json page = json::parse(a);
  EXPECT_EQ(page["results"].size(), 2u);
  EXPECT_EQ(page["_links"]["next"]["href"], page["_links"]["self"]["href"]);
}

TEST(SimulatorControl, TokensAreListedAndThePasswordCanChange) {
  SimulatorProcess sim(Base());
  const std::string token = sim.Login(8);
  json issued = json::parse(sim.Control("GET", "/_sim/tokens").body)["issued"];
  EXPECT_EQ(issued.size(), 2u);  // the access and the refresh token
  EXPECT_EQ(issued[0], token);
  sim.Control("POST", "/_sim/password", "new password");
  EXPECT_EQ(
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm).status,
      400);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 200);  // issued tokens stay
  EXPECT_EQ(
      sim.Post("/v8/Token", PasswordForm(sim, "new password"), kForm).status,
      200);
  EXPECT_EQ(sim.Control("POST", "/_sim/password", "").status, 400);
  sim.Reset();
  EXPECT_EQ(
      sim.Post("/v8/Token", PasswordForm(sim, sim.password()), kForm).status,
      200);
}

TEST(SimulatorFaultFlag, FaultsGivenOnTheCommandLineApplyFromTheStart) {
  SimulatorConfig c = Base();
  c.faults = {"kind=http_error,endpoint=jobs,count=1,status=502"};
  SimulatorProcess sim(c);
  const std::string token = sim.Login(8);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 502);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 200);
}

// ------------------------------------------------------------ the binary

int RunSimulator(const std::string& args) {
  const std::string cmd =
      "'" + SimulatorBinaryPath() + "' " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(SimulatorBinary, RefusesNonLoopbackAddressesAndMissingSecrets) {
  SimulatorProcess sim(Base());  // for a valid password file and certs
  const std::string pw = "--password-file '" + sim.password_file() + "'";
  const std::string tls =
      "--tls-cert '" + sim.cert_file() + "' --tls-key '" + sim.key_file() + "'";
  EXPECT_EQ(
      RunSimulator("--listen 0.0.0.0:0 " + pw + " " + tls + " --exit-after 1"),
      2);
  EXPECT_EQ(RunSimulator("--listen 192.168.1.1:0 " + pw + " " + tls +
                         " --exit-after 1"),
            2);
  EXPECT_EQ(RunSimulator("--listen 127.0.0.1:0 " + tls + " --exit-after 1"), 2);
  EXPECT_EQ(RunSimulator("--listen 127.0.0.1:0 " + pw + " --exit-after 1"), 2);
  EXPECT_EQ(RunSimulator("--listen 127.0.0.1:0 --password secret " + tls), 2);
  EXPECT_EQ(RunSimulator("--versions v2 " + pw + " " + tls), 2);
  EXPECT_EQ(RunSimulator("--help"), 0);
}

TEST(SimulatorBinary, HelpListsEveryOption) {
  const std::string out_file = std::string(::testing::TempDir()) +
                               "/sim_help_" + std::to_string(::getpid()) +
                               ".txt";
  std::system(
      ("'" + SimulatorBinaryPath() + "' --help > '" + out_file + "'").c_str());
  std::ifstream f(out_file);
  std::stringstream ss;
  ss << f.rdbuf();
  std::remove(out_file.c_str());
  for (const char* opt :
       {"--listen", "--ready-file", "--tls-cert", "--tls-key", "--plain-http",
        "--versions", "--jobs", "--sessions-per-job", "--seed", "--username",
        "--password-file", "--token-lifetime", "--token-rate-limit",
        "--session-interval", "--fixture-sessions", "--latency-ms", "--fault",
        "--anchor-time", "--exit-after"}) {
    EXPECT_NE(ss.str().find(opt), std::string::npos) << opt;
  }
  // The rest of the server (issue 9).
  for (const char* opt :
       {"--repositories", "--proxies", "--organizations", "--licensed-users",
        "--copy-jobs", "--restore-sessions", "--healthy"}) {
    EXPECT_NE(ss.str().find(opt), std::string::npos) << opt;
  }
  EXPECT_NE(ss.str().find("--running-sessions-in-bounded-reads"),
            std::string::npos);
}

TEST(SimulatorBinary, PlainHttpOnlyWhenAskedFor) {
  SimulatorConfig c = Base();
  c.plain_http = true;
  SimulatorProcess sim(c);
  EXPECT_EQ(sim.base_url().rfind("http://", 0), 0u);
  EXPECT_EQ(sim.Get("/v8/Jobs", sim.Login(8)).status, 200);
}

TEST(SimulatorExtraListeners, EveryPortServesTheDataAndCountsItsOwnLogins) {
  SimulatorConfig c;
  c.versions = {"v8"};
  c.jobs = 2;
  c.extra_args = {"--extra-listeners", "2", "--threads", "2"};
  SimulatorProcess sim(c);
  std::ifstream ready(sim.dir() + "/ready");
  std::vector<int> ports;
  for (int p = 0; ready >> p;) ports.push_back(p);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], sim.port());
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 3u);
  // Two logins on the third port, none elsewhere.
  for (int i = 0; i < 2; ++i) {
    httplib::SSLClient client("127.0.0.1", ports[2]);
    client.set_ca_cert_path(sim.ca_file().c_str());
    client.enable_server_certificate_verification(true);
    std::string form = "grant_type=password&disable_antiforgery_token=true";
    form += "&username=EAST%5Csvc-monitor&password=";
    for (unsigned char ch : sim.password()) {  // percent-encode everything
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", ch);
      form += buf;
    }
    auto res =
        client.Post("/v8/Token", form, "application/x-www-form-urlencoded");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
  const json stats = json::parse(sim.StatsJson());
  EXPECT_EQ(stats["logins"], 2);
  EXPECT_EQ(stats["logins_by_port"], (json{{std::to_string(ports[2]), 2}}));
  // The same data on every port.
  httplib::SSLClient other("127.0.0.1", ports[1]);
  other.set_ca_cert_path(sim.ca_file().c_str());
  other.enable_server_certificate_verification(true);
  auto jobs =
      other.Get("/v8/Jobs", {{"Authorization", "Bearer " + sim.Login(8)}});
  ASSERT_TRUE(jobs);
  EXPECT_EQ(jobs->status, 200);
  EXPECT_EQ(jobs->body, sim.Get("/v8/Jobs", sim.Login(8)).body);
}

}  // namespace
}  // namespace vb365::sim
