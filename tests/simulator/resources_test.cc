// The simulator's endpoints beyond jobs (issue 9) over real HTTPS: paging of
// /LicensedUsers up to 100,000 users, 404 where a version lacks a resource,
// anonymous /Health, the interesting default states, the scale options, the
// running-sessions switch, copy-job sessions, restore filters and the faults
// on the new endpoints. Expected values come from resources.h, not from the
// served JSON.
#include "resources.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "datagen.h"
#include "harness.h"

namespace vb365::sim {
namespace {

using json = nlohmann::json;
constexpr const char* kAnchor = "2026-11-01T00:00:00Z";

SimulatorConfig Config(std::vector<std::string> extra = {}) {
  SimulatorConfig c;
  c.versions = {"v3", "v6", "v7", "v8"};
  c.jobs = 6;
  c.sessions_per_job = 12;
  c.anchor_time = kAnchor;
  c.extra_args = std::move(extra);
  return c;
}

// What the simulator generated for Config() (the same generator, called
// here: the oracle).
Resources Oracle(const ResourceCounts& counts = {}) {
  GenOptions o;
  o.seed = 1;
  o.jobs = 6;
  o.sessions_per_job = 12;
  o.anchor = *ParseTicks(kAnchor);
  return GenerateResources(o, counts);
}

json Get(const SimulatorProcess& sim, const std::string& path,
         const std::string& token, int want = 200) {
  HttpResult r = sim.Get(path, token);
  EXPECT_EQ(r.status, want) << path << ": " << r.body;
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// Every element of a paged collection, following _links.next.
std::vector<json> ReadAllPages(const SimulatorProcess& sim,
                               const std::string& first,
                               const std::string& token, int* pages) {
  std::vector<json> out;
  std::string path = first;
  *pages = 0;
  while (!path.empty() && *pages < 20000) {
    json page = Get(sim, path, token);
    if (!page.is_object()) break;
    ++*pages;
    for (json& x : page["results"]) out.push_back(std::move(x));
    path = page["_links"].contains("next")
               ? page["_links"]["next"]["href"].get<std::string>()
               : "";
  }
  return out;
}

TEST(SimulatorResources, LicensedUsersPageThroughAllOf100000Users) {
  SimulatorProcess sim(Config({"--licensed-users", "100000"}));
  const std::string token = sim.Login(8);
  ResourceCounts counts;
  counts.licensed_users = 100000;
  const Resources want = Oracle(counts);
  const ExpectedLicensedUsers expect = ExpectLicensedUsers(want);

  int pages = 0;
  std::vector<json> users =
      ReadAllPages(sim, "/v8/LicensedUsers?limit=10000", token, &pages);
  ASSERT_EQ(users.size(), 100000u);
  EXPECT_EQ(pages, 10);
  std::set<std::string> ids;
  std::map<std::string, int64_t> by_state;
  int64_t not_backed_up = 0;
  for (const json& u : users) {
    ids.insert(u["id"].get<std::string>());
    ++by_state[u["licenseState"].get<std::string>()];
    not_backed_up += !u["isBackedUp"].get<bool>();
  }
  EXPECT_EQ(ids.size(), 100000u);
  EXPECT_EQ(by_state, expect.all.by_state);
  EXPECT_EQ(not_backed_up, expect.all.not_backed_up);
  EXPECT_GT(by_state["Exceeded"], 0);
  // The license counts what the users say, and is over capacity.
  json lic = Get(sim, "/v8/License", token);
  EXPECT_EQ(lic["usedNumber"].get<int64_t>(), want.license.used_number);
  EXPECT_GT(lic["usedNumber"].get<int64_t>(),
            lic["totalNumber"].get<int64_t>());

  // The default limit is 30: 3,334 pages, the last one short.
  HttpResult first = sim.Get("/v8/LicensedUsers", token);
  json p = json::parse(first.body);
  EXPECT_EQ(p["limit"], 30);
  EXPECT_EQ(p["results"].size(), 30u);
  EXPECT_FALSE(p.contains("totalCount"));  // v8 pages have none
  json last = Get(sim, "/v8/LicensedUsers?offset=99990", token);
  EXPECT_EQ(last["results"].size(), 10u);
  EXPECT_FALSE(last["_links"].contains("next"));
}

TEST(SimulatorResources, LicensedUsersOfOneOrganizationAndV7TotalCount) {
  SimulatorProcess sim(Config({"--licensed-users", "1001"}));
  const std::string token = sim.Login(7);
  ResourceCounts counts;
  counts.licensed_users = 1001;
  const Resources want = Oracle(counts);
  const ExpectedLicensedUsers expect = ExpectLicensedUsers(want);
  int64_t sum = 0;
  for (const Organization& o : want.organizations) {
    int pages = 0;
    std::vector<json> users =
        ReadAllPages(sim, "/v7/LicensedUsers?limit=100&organizationId=" + o.id,
                     token, &pages);
    const LicensedUserCounts& c = expect.by_organization.at(o.id);
    EXPECT_EQ(static_cast<int64_t>(users.size()), c.users) << o.name;
    std::map<std::string, int64_t> by_state;
    for (const json& u : users) {
      EXPECT_EQ(u["organizationId"], o.id);
      ++by_state[u["licenseState"].get<std::string>()];
    }
    for (const auto& [state, n] : c.by_state) {
      EXPECT_EQ(by_state[state], n) << o.name << " " << state;
    }
    sum += static_cast<int64_t>(users.size());
  }
  EXPECT_EQ(sum, 1001);
  json page = Get(sim, "/v7/LicensedUsers?limit=5", token);
  EXPECT_EQ(page["totalCount"], 1001);
  // The organization never backed up has no user backed up.
  const Organization& never = want.organizations[2];
  EXPECT_FALSE(never.backed_up);
  EXPECT_EQ(expect.by_organization.at(never.id).not_backed_up,
            expect.by_organization.at(never.id).users);
}

TEST(SimulatorResources, EachVersionAnswers404ForWhatItDoesNotHave) {
  SimulatorProcess sim(Config());
  const std::string org = Oracle().organizations[0].id;
  struct Case {
    std::string path;
    int since;  // first version that has it (3: every served version)
  };
  const Case cases[] = {{"/License", 3},
                        {"/LicensedUsers", 3},
                        {"/BackupRepositories", 3},
                        {"/Proxies", 3},
                        {"/Organizations", 3},
                        {"/RestoreSessions", 3},
                        {"/CopyJobs", 6},
                        {"/Organizations/" + org + "/SyncState", 7},
                        {"/Organizations/SyncState", 8},
                        {"/Health", 8}};
  for (int v : {3, 6, 7, 8}) {
    const std::string token = sim.Login(v);
    for (const Case& c : cases) {
      const std::string path = "/v" + std::to_string(v) + c.path;
      EXPECT_EQ(sim.Get(path, token).status, v >= c.since ? 200 : 404) << path;
    }
  }
  const std::string token = sim.Login(8);
  EXPECT_EQ(sim.Get("/v8/Organizations/00000000-0000-0000-0000-000000000001/"
                    "SyncState",
                    token)
                .status,
            404);
}

TEST(SimulatorResources, HealthNeedsNoTokenAndEverythingElseDoes) {
  SimulatorProcess sim(Config());
  HttpResult h = sim.Get("/v8/Health");
  ASSERT_EQ(h.status, 200);
  json j = json::parse(h.body);
  EXPECT_EQ(j["status"], "Unhealthy");
  EXPECT_EQ(j["entries"]["PostgreSQL"]["status"], "Unhealthy");
  EXPECT_EQ(j["entries"]["NATS"]["status"], "Healthy");
  EXPECT_EQ(sim.Get("/v8/Health", "not-a-token").status, 200);
  for (const char* p :
       {"/v8/License", "/v8/LicensedUsers", "/v8/BackupRepositories",
        "/v8/Proxies", "/v8/Organizations", "/v8/Organizations/SyncState",
        "/v8/CopyJobs", "/v8/RestoreSessions"}) {
    EXPECT_EQ(sim.Get(p).status, 401) << p;
  }
}

TEST(SimulatorResources, HealthyOptionMakesEveryComponentHealthy) {
  SimulatorProcess sim(Config({"--healthy"}));
  json j = json::parse(sim.Get("/v8/Health").body);
  EXPECT_EQ(j["status"], "Healthy");
  for (const auto& [name, e] : j["entries"].items())
    EXPECT_EQ(e["status"], "Healthy") << name;
}

// Long function: one block per interesting state of the default data.
TEST(SimulatorResources, DefaultDataCarriesEveryInterestingState) {
  SimulatorProcess sim(Config());
  const std::string token = sim.Login(8);
  const Ticks anchor = *ParseTicks(kAnchor);

  json repos = Get(sim, "/v8/BackupRepositories", token)["results"];
  ASSERT_EQ(repos.size(), 4u);
  const double free0 = repos[0]["freeSpaceBytes"].get<double>() /
                       repos[0]["capacityBytes"].get<double>();
  EXPECT_NEAR(free0, 0.04, 0.001);  // 96% full
  EXPECT_TRUE(repos[2]["capacityBytes"].is_null());
  EXPECT_EQ(repos[2]["objectStorage"]["type"], "AmazonS3");
  EXPECT_EQ(repos[2]["objectStorage"]["sizeLimitGB"], 5120);
  EXPECT_EQ(repos[2]["objectStorage"]["immutabilityPeriodDays"], 30);
  EXPECT_TRUE(repos[3]["isOutOfSync"].get<bool>());
  EXPECT_TRUE(repos[3]["isOutOfOrder"].get<bool>());
  // Jobs point at repositories that exist.
  EXPECT_EQ(repos[0]["id"], Oracle().repositories[0].id);

  json proxies = Get(sim, "/v8/Proxies", token)["results"];
  ASSERT_EQ(proxies.size(), 4u);
  EXPECT_EQ(proxies[0]["status"], "Online");
  EXPECT_EQ(proxies[1]["status"], "Offline");
  EXPECT_TRUE(proxies[1]["cpuUsagePercent"].is_null());
  EXPECT_EQ(proxies[2]["maintenanceModeState"], "Enabled");
  EXPECT_EQ(proxies[3]["maintenanceModeState"], "Enabling");

  json lic = Get(sim, "/v8/License", token);
  const Ticks expires = *ParseTicks(lic["licenseExpires"].get<std::string>());
  EXPECT_GT(expires, anchor);
  EXPECT_LT(expires, anchor + 30 * 24 * 3600 * kTicksPerSecond);
  EXPECT_GT(lic["usedNumber"], lic["totalNumber"]);

  json orgs = Get(sim, "/v8/Organizations", token)["results"];
  ASSERT_EQ(orgs.size(), 4u);
  EXPECT_FALSE(orgs[2]["isBackedup"].get<bool>());
  EXPECT_TRUE(orgs[2]["lastBackuptime"].is_null());
  const Ticks stale = *ParseTicks(orgs[3]["lastBackuptime"].get<std::string>());
  EXPECT_LT(stale, anchor - 26 * 3600 * kTicksPerSecond);

  json sync = Get(sim, "/v8/Organizations/SyncState", token);
  ASSERT_EQ(sync.size(), 4u);
  EXPECT_EQ(sync[0]["lastSyncState"]["result"], "Success");
  EXPECT_EQ(sync[1]["lastSyncState"]["result"], "Error");
  EXPECT_TRUE(sync[2]["lastSyncState"].is_null());
  EXPECT_EQ(sync[2]["currentSyncState"]["status"], "Running");
  EXPECT_EQ(sync[3]["currentSyncState"]["status"], "Queued");
  json v7 = Get(
      sim,
      "/v7/Organizations/" + orgs[1]["id"].get<std::string>() + "/SyncState",
      sim.Login(7));
  EXPECT_EQ(v7["status"], "Error");
  EXPECT_FALSE(v7["error"].is_null());

  json copy = Get(sim, "/v8/CopyJobs", token)["results"];
  ASSERT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy[0]["lastStatus"], "Failed");
  EXPECT_EQ(copy[1]["lastStatus"], "Success");
  EXPECT_EQ(copy[2]["lastStatus"], "Running");
  EXPECT_EQ(copy[0]["backupJobId"], sim.JobId(0));

  json restores = Get(sim, "/v8/RestoreSessions", token)["results"];
  std::set<std::string> seen;
  for (const json& r : restores) {
    seen.insert(r["state"].get<std::string>() + "/" +
                r["result"].get<std::string>());
    EXPECT_EQ(r["endTime"].is_null(), r["state"] == "Working");
  }
  EXPECT_TRUE(seen.count("Stopped/Failed"));
  EXPECT_TRUE(seen.count("Working/Success"));
  const ExpectedRestores er = ExpectRestores(Oracle().restore_sessions);
  EXPECT_EQ(er.running_by_type.at("Veod"), 1);
  EXPECT_EQ((er.finished.at({"Vex", "Failed"})), 1);
}

TEST(SimulatorResources, HarnessOracleIsWhatTheSimulatorServes) {
  SimulatorConfig c = Config();
  c.resources.organizations = 7;
  c.resources.licensed_users = 700;
  c.resources.proxies = 2;
  SimulatorProcess sim(c);
  const Resources want = ExpectedResources(c);
  const std::string token = sim.Login(8);
  json orgs = Get(sim, "/v8/Organizations", token)["results"];
  ASSERT_EQ(orgs.size(), want.organizations.size());
  for (size_t i = 0; i < orgs.size(); ++i)
    EXPECT_EQ(orgs[i]["name"], want.organizations[i].name);
  EXPECT_EQ(Get(sim, "/v8/Proxies", token)["results"].size(), 2u);
  EXPECT_EQ(Get(sim, "/v8/License", token)["usedNumber"],
            want.license.used_number);
  SimulatorConfig unpinned = c;
  unpinned.anchor_time.clear();
  EXPECT_THROW(ExpectedResources(unpinned), std::invalid_argument);
}

TEST(SimulatorResources, ScaleOptionsSetTheCountsAndV8PagesThemBy30) {
  SimulatorProcess sim(
      Config({"--repositories", "50", "--proxies", "20", "--organizations",
              "200", "--copy-jobs", "40", "--restore-sessions", "75"}));
  const std::string token = sim.Login(8);
  const std::pair<const char*, size_t> want[] = {{"/v8/BackupRepositories", 50},
                                                 {"/v8/Proxies", 20},
                                                 {"/v8/Organizations", 200},
                                                 {"/v8/CopyJobs", 40},
                                                 {"/v8/RestoreSessions", 75}};
  for (const auto& [path, n] : want) {
    json first = Get(sim, path, token);
    EXPECT_EQ(first["results"].size(), std::min<size_t>(n, 30)) << path;
    int pages = 0;
    EXPECT_EQ(ReadAllPages(sim, path, token, &pages).size(), n) << path;
    EXPECT_EQ(pages, static_cast<int>((n + 29) / 30)) << path;
  }
  EXPECT_EQ(Get(sim, "/v8/Organizations/SyncState", token).size(), 200u);
  EXPECT_EQ(Get(sim, "/v7/Organizations", sim.Login(7)).size(), 200u);
}

// The running session of backup job 3 and of copy job 2 in a bounded read.
int RunningInBoundedRead(const SimulatorProcess& sim, const std::string& token,
                         const std::string& job_id) {
  json page = Get(sim,
                  "/v8/JobSessions?limit=10000&endTimeLowerBound=2026-10-01T00:"
                  "00:00Z&jobId=" +
                      job_id,
                  token);
  int running = 0;
  for (const json& s : page["results"]) running += s["endTime"].is_null();
  return running;
}

TEST(SimulatorResources, RunningSessionsInBoundedReadsCanBeLeftOut) {
  for (bool included : {true, false}) {
    SCOPED_TRACE(included ? "included" : "left out");
    SimulatorConfig c = Config();
    c.running_sessions_in_bounded_reads = included;
    SimulatorProcess sim(c);
    const std::string token = sim.Login(8);
    const std::string copy = Oracle().copy_jobs[2].id;
    EXPECT_EQ(RunningInBoundedRead(sim, token, sim.JobId(3)), included);
    EXPECT_EQ(RunningInBoundedRead(sim, token, copy), included);
    // Unbounded reads and the status filter still show them.
    json all = Get(sim, "/v8/JobSessions?status=Running&jobId=" + copy, token);
    EXPECT_EQ(all["results"].size(), 1u);
    json restores =
        Get(sim, "/v8/RestoreSessions?endTimeFrom=2026-10-01T00:00:00Z", token);
    int working = 0;
    for (const json& r : restores["results"])
      working += r["state"] == "Working";
    EXPECT_EQ(working, included);
  }
}

TEST(SimulatorResources, CopyJobSessionsAreSeparateFromBackupSessions) {
  SimulatorProcess sim(Config());
  const Resources want = Oracle();
  const std::string token = sim.Login(8);
  const Job& failed = want.copy_jobs[0];
  json page =
      Get(sim, "/v8/JobSessions?limit=10000&jobType=Copy&jobId=" + failed.id,
          token);
  ASSERT_EQ(page["results"].size(), failed.sessions.size());
  for (const json& s : page["results"]) EXPECT_EQ(s["jobId"], failed.id);
  EXPECT_EQ(ExpectedFor(failed.sessions).last_finished_status, "Failed");
  EXPECT_EQ(
      Get(sim, "/v8/JobSessions?limit=10000&jobType=Backup&jobId=" + failed.id,
          token)["results"]
          .size(),
      0u);
  // Every copy session with jobType=Copy; none without jobType.
  size_t copies = 0;
  for (const Job& j : want.copy_jobs) copies += j.sessions.size();
  EXPECT_EQ(
      Get(sim, "/v8/JobSessions?limit=10000&jobType=Copy", token)["results"]
          .size(),
      copies);
  EXPECT_EQ(Get(sim, "/v6/JobSessions?limit=10000&jobType=Copy",
                sim.Login(6))["results"]
                .size(),
            copies);
  // The page is kept in a variable: a range-for over a member of a
  // temporary reads freed memory (ASan: heap-use-after-free).
  const json backup = Get(sim, "/v8/JobSessions?limit=10000", token);
  for (const json& s : backup["results"]) EXPECT_EQ(s["jobType"], "Backup");
  EXPECT_EQ(sim.Get("/v8/JobSessions?jobType=Tape", token).status, 400);
  // The v6 per-job path is for backup jobs.
  EXPECT_EQ(
      sim.Get("/v6/Jobs/" + failed.id + "/JobSessions", sim.Login(6)).status,
      404);
  // The control endpoint lists copy jobs and can finish their sessions.
  const HttpResult listed = sim.Control("GET", "/_sim/copy-jobs");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body).size(), 3u);
  EXPECT_EQ(sim.FinishRunning(want.copy_jobs[2].id, "Failed"), 1);
  json copy = Get(sim, "/v8/CopyJobs", token)["results"];
  EXPECT_EQ(copy[2]["lastStatus"], "Failed");
  json added = json::parse(sim.AddSession(want.copy_jobs[1].id, "Warning"));
  EXPECT_EQ(added["jobType"], "Copy");
  EXPECT_EQ(added["jobId"], want.copy_jobs[1].id);
  EXPECT_EQ(Get(sim, "/v8/CopyJobs", token)["results"][1]["lastStatus"],
            "Warning");
}

TEST(SimulatorResources, RestoreSessionFiltersAndOrder) {
  SimulatorProcess sim(Config({"--restore-sessions", "20"}));
  const std::string token = sim.Login(8);
  ResourceCounts counts;
  counts.restore_sessions = 20;
  const Resources want = Oracle(counts);
  const Ticks from = want.restore_sessions[5].creation_time;
  json page =
      Get(sim,
          "/v8/RestoreSessions?limit=100&startTimeFrom=" + FormatTicks(from, 7),
          token);
  int64_t n = 0;
  for (const RestoreSession& s : want.restore_sessions)
    n += s.creation_time >= from;
  EXPECT_EQ(static_cast<int64_t>(page["results"].size()), n);
  Ticks prev = INT64_MAX;
  for (const json& s : page["results"]) {  // newest first by default
    const Ticks t = *ParseTicks(s["creationTime"].get<std::string>());
    EXPECT_LE(t, prev);
    prev = t;
  }
  json asc = Get(sim, "/v8/RestoreSessions?limit=100&orderAsc=true", token);
  EXPECT_EQ(asc["results"][0]["id"], want.restore_sessions.back().id);
  EXPECT_EQ(
      sim.Get("/v8/RestoreSessions?startTimeFrom=yesterday", token).status,
      400);
  // v7 has no endTimeFrom: it is ignored, as unknown parameters are.
  EXPECT_EQ(
      Get(sim, "/v7/RestoreSessions?limit=100&endTimeFrom=2030-01-01T00:00:00Z",
          sim.Login(7))["results"]
          .size(),
      20u);
}

// ------------------------------------------------------------ control

// A POST to the control endpoint that must succeed.
void Set(const SimulatorProcess& sim, const std::string& path) {
  HttpResult r = sim.Control("POST", path);
  EXPECT_EQ(r.status, 200) << path << ": " << r.body;
}

TEST(SimulatorResourceControl, StatesChangeWhileItRuns) {
  SimulatorProcess sim(Config());
  const std::string token = sim.Login(8);
  Set(sim, "/_sim/proxies/set?index=1&status=Online&maintenance=Enabled");
  json proxy = Get(sim, "/v8/Proxies", token)["results"][1];
  EXPECT_EQ(proxy["status"], "Online");
  EXPECT_EQ(proxy["maintenanceModeState"], "Enabled");
  Set(sim, "/_sim/repositories/set?index=0&free_bytes=0");
  EXPECT_EQ(
      Get(sim, "/v8/BackupRepositories", token)["results"][0]["freeSpaceBytes"],
      0);
  Set(sim, "/_sim/repositories/set?index=2&free_bytes=1024");
  EXPECT_EQ(Get(sim, "/v8/BackupRepositories",
                token)["results"][2]["objectStorage"]["freeSpaceBytes"],
            1024);
  Set(sim,
      "/_sim/license/set?status=Expired&expires=2026-10-01T00:00:00Z&used=5");
  json lic = Get(sim, "/v7/License", sim.Login(7));
  EXPECT_EQ(lic["status"], "Expired");
  EXPECT_EQ(lic["licenseExpires"], "2026-10-01T00:00:00Z");
  EXPECT_EQ(lic["usedNumber"], 5);
  Set(sim, "/_sim/health/set?component=PostgreSQL&status=Healthy");
  EXPECT_EQ(json::parse(sim.Get("/v8/Health").body)["status"], "Healthy");
  Set(sim,
      "/_sim/organizations/set?index=2&last_backup=2026-10-31T23:00:00Z&sync_"
      "result=Error");
  json org = Get(sim, "/v8/Organizations", token)["results"][2];
  EXPECT_TRUE(org["isBackedup"].get<bool>());
  EXPECT_EQ(org["lastBackuptime"], "2026-10-31T23:00:00.0000000Z");
  EXPECT_EQ(Get(sim, "/v8/Organizations/SyncState",
                token)[2]["lastSyncState"]["result"],
            "Error");

  const size_t before =
      Get(sim, "/v8/RestoreSessions?limit=100", token)["results"].size();
  Set(sim, "/_sim/restores/add?type=Vet&result=Failed");
  json restores = Get(sim, "/v8/RestoreSessions?limit=100", token)["results"];
  ASSERT_EQ(restores.size(), before + 1);
  EXPECT_EQ(restores[0]["type"], "Vet");  // the newest
  EXPECT_EQ(restores[0]["result"], "Failed");
  HttpResult fin =
      sim.Control("POST", "/_sim/restores/finish-running?result=Warning");
  EXPECT_EQ(json::parse(fin.body)["finished"], 1);
  const json after = Get(sim, "/v8/RestoreSessions?limit=100", token);
  for (const json& r : after["results"]) EXPECT_EQ(r["state"], "Stopped");

  EXPECT_EQ(sim.Control("POST", "/_sim/proxies/set?index=99").status, 400);
  EXPECT_EQ(sim.Control("POST", "/_sim/repositories/set?index=0&free_bytes=-1")
                .status,
            400);
  EXPECT_EQ(
      sim.Control("POST", "/_sim/health/set?component=Nope&status=Healthy")
          .status,
      400);
  // Reset brings the generated states back.
  sim.Reset();
  EXPECT_EQ(Get(sim, "/v8/Proxies", sim.Login(8))["results"][1]["status"],
            "Offline");
}

// ------------------------------------------------------------ generator

TEST(DatagenResources, SameOptionsSameValuesAndUsersMadeOnDemandAgree) {
  const Resources a = Oracle(), b = Oracle();
  ASSERT_EQ(a.repositories.size(), 4u);
  EXPECT_EQ(RepositoryJson(a.repositories[2], WriteOptions{}),
            RepositoryJson(b.repositories[2], WriteOptions{}));
  EXPECT_EQ(LicensedUserJson(LicensedUserAt(a, 123), WriteOptions{}),
            LicensedUserJson(LicensedUserAt(b, 123), WriteOptions{}));
  // User i belongs to organization i % organizations.
  EXPECT_EQ(LicensedUserAt(a, 6).organization_id, a.organizations[2].id);
  int64_t sum = 0;
  for (size_t k = 0; k < a.organizations.size(); ++k)
    sum += LicensedUsersOf(a, k);
  EXPECT_EQ(sum, a.licensed_users);
  // The license's numbers are the users' counts.
  const ExpectedLicensedUsers e = ExpectLicensedUsers(a);
  EXPECT_EQ(a.license.new_number, e.all.by_state.at("New"));
  EXPECT_EQ(a.license.used_number - a.license.total_number,
            e.all.by_state.at("Exceeded"));
}

TEST(DatagenResources, FastLicensedUserWriterWritesWhatTheJsonObjectWould) {
  const Resources r = Oracle();
  for (int v : {3, 6, 8}) {
    WriteOptions w;
    w.version.number = v;
    for (int64_t i : {0, 2, 3, 49, 150, 199}) {
      const LicensedUser u = LicensedUserAt(r, i);
      EXPECT_EQ(LicensedUserJson(u, w), LicensedUserJsonSlow(u, w)) << i;
    }
  }
}

TEST(DatagenResources, IdsMatchWhatJobsAndSessionsReferTo) {
  GenOptions o;
  o.jobs = 6;
  const DataSet d = Generate(o);
  const Resources r = GenerateResources(o, ResourceCounts{});
  std::set<std::string> repos, orgs, proxies;
  for (const Repository& x : r.repositories) repos.insert(x.id);
  for (const Organization& x : r.organizations) orgs.insert(x.id);
  for (const Proxy& x : r.proxies) proxies.insert(x.id);
  for (const Job& j : d.jobs) {
    EXPECT_TRUE(repos.count(j.repository_id)) << j.name;
    EXPECT_TRUE(orgs.count(j.organization_id)) << j.name;
    for (const Session& s : j.sessions) EXPECT_TRUE(proxies.count(s.proxy_id));
  }
  for (const Job& c : r.copy_jobs) {
    EXPECT_TRUE(repos.count(c.repository_id)) << c.name;
    EXPECT_EQ(c.sessions.size(), static_cast<size_t>(o.sessions_per_job));
  }
}

// ------------------------------------------------------------ faults

Fault On(const std::string& kind, const std::string& endpoint) {
  Fault f;
  f.kind = kind;
  f.endpoint = endpoint;
  return f;
}

TEST(SimulatorResourceFaults, EndpointScopedErrorsLeaveTheOthersAlone) {
  SimulatorProcess sim(Config());
  const std::string token = sim.Login(8);
  sim.AddFault(On("http_error", "proxies"));
  EXPECT_EQ(sim.Get("/v8/Proxies", token).status, 500);
  EXPECT_EQ(sim.Get("/v8/BackupRepositories", token).status, 200);
  EXPECT_EQ(sim.Get("/v8/Jobs", token).status, 200);
  sim.ClearFaults();
  // html_error with Retry-After, through the control endpoint's JSON.
  ASSERT_EQ(sim.Control("POST", "/_sim/faults",
                        R"({"kind":"html_error","endpoint":"license",)"
                        R"("status":502,"retry_after":7})")
                .status,
            200);
  HttpResult h = sim.Get("/v8/License", token);
  EXPECT_EQ(h.status, 502);
  EXPECT_EQ(h.Header("Retry-After"), "7");
  EXPECT_NE(h.body.find("<html>"), std::string::npos);
  sim.ClearFaults();
  sim.AddFault(On("down", "health"));
  EXPECT_EQ(sim.Get("/v8/Health").status, 503);
  EXPECT_EQ(sim.Get("/v8/License", token).status, 200);
  sim.ClearFaults();
  sim.AddFault(On("not_found", "organization_sync"));
  EXPECT_EQ(sim.Get("/v8/Organizations/SyncState", token).status, 404);
  sim.ClearFaults();
  sim.AddFault(On("malformed", "licensed_users"));
  EXPECT_TRUE(
      json::parse(sim.Get("/v8/LicensedUsers", token).body, nullptr, false)
          .is_discarded());
  EXPECT_EQ(sim.Stat("requests.licensed_users"), 1);
}

TEST(SimulatorResourceFaults, MutationsReachTheNewResources) {
  SimulatorProcess sim(Config());
  const std::string token = sim.Login(8);
  sim.AddFault(On("unknown_enums", "proxies"));
  const json proxies = Get(sim, "/v8/Proxies", token);
  for (const json& p : proxies["results"]) {
    EXPECT_EQ(p["status"], "Postponed");
    EXPECT_EQ(p["maintenanceModeState"], "Postponed");
  }
  sim.ClearFaults();
  sim.AddFault(On("numbers_as_strings", "repositories"));
  json r = Get(sim, "/v8/BackupRepositories", token)["results"][0];
  EXPECT_TRUE(r["capacityBytes"].is_string());
  sim.ClearFaults();
  sim.AddFault(On("nulls", "license"));
  EXPECT_TRUE(Get(sim, "/v8/License", token)["usedNumber"].is_null());
  sim.ClearFaults();
  sim.AddFault(On("missing_fields", "organizations"));
  json o = Get(sim, "/v8/Organizations", token)["results"][0];
  EXPECT_FALSE(o.contains("isBackedup"));
  EXPECT_TRUE(o.contains("id"));
  sim.ClearFaults();
  sim.AddFault(On("unknown_enums", "licensed_users"));
  EXPECT_EQ(Get(sim, "/v8/LicensedUsers", token)["results"][0]["licenseState"],
            "Postponed");
  sim.ClearFaults();
  sim.AddFault(On("unknown_enums", "health"));
  EXPECT_EQ(
      json::parse(sim.Get("/v8/Health").body)["entries"]["NATS"]["status"],
      "Postponed");
}

TEST(SimulatorResourceFaults, PagingFaultsApplyToPagedResources) {
  SimulatorProcess sim(Config());
  const std::string token = sim.Login(8);
  sim.AddFault(On("page_overlap", "licensed_users"));
  json p1 = Get(sim, "/v8/LicensedUsers?offset=0&limit=30", token);
  json p2 = Get(sim, "/v8/LicensedUsers?offset=5&limit=30", token);
  ASSERT_EQ(p1["results"].size(), 5u);
  EXPECT_EQ(p2["offset"], 5);
  EXPECT_EQ(p2["results"][0]["id"], p1["results"][4]["id"]);
  sim.ClearFaults();
  // page_size through the control endpoint's JSON, on restore sessions.
  ASSERT_EQ(
      sim.Control("POST", "/_sim/faults",
                  R"({"kind":"page_overlap","endpoint":"restore_sessions",)"
                  R"("page_size":3})")
          .status,
      200);
  json r1 = Get(sim, "/v8/RestoreSessions?offset=0", token);
  json r2 = Get(sim, "/v8/RestoreSessions?offset=3", token);
  ASSERT_EQ(r1["results"].size(), 3u);
  EXPECT_EQ(r2["results"][0]["id"], r1["results"][2]["id"]);
  sim.ClearFaults();
  sim.AddFault(On("page_loop", "organizations"));
  json loop = Get(sim, "/v8/Organizations?offset=10", token);
  EXPECT_EQ(loop["_links"]["next"]["href"], loop["_links"]["self"]["href"]);
  EXPECT_EQ(loop["offset"], 0);
}

}  // namespace
}  // namespace vb365::sim
