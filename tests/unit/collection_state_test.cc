// The state file: its format (round trip, every truncation, a corrupt
// checksum, a foreign version), the store on disk (atomic writes, removed
// servers and jobs, a changed URL) and a Refresher that restarts from it and
// counts each session that finished while it was down exactly once.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "collection/refresher.h"
#include "collection/state_file.h"
#include "collection/state_store.h"
#include "common/log.h"

namespace vb365 {
namespace {

constexpr Timestamp kNow = 1'800'000'000LL * kTicksPerSecond;
Timestamp Minute(int m) { return kNow + m * 60LL * kTicksPerSecond; }

SavedState Sample() {
  SavedState st;
  SavedServer a{"east dc", "https://vb365.example.test:4443", {}, {}};
  SavedJob j1;
  j1.job_id = "b20cedd4-66b2-49b1-86de-a575dc67e83b";
  j1.last_read = Minute(0);
  j1.tracker.watermark = Minute(-5);
  j1.tracker.at_watermark = {Id{1, 2}, Id{3, 4}};
  j1.tracker.pending = {{Id{5, 6}, 0}, {Id{7, 8}, 2}};
  j1.tracker.sessions_total[0] = 3;
  j1.tracker.sessions_total[8] = 18446744073709551615ULL;
  j1.tracker.transferred_bytes_total = 123456789012345ULL;
  j1.tracker.processed_objects_total = 77;
  SavedJob j2;  // a job never finished: kNoTime watermark, no ids
  j2.job_id = "odd id with spaces % and\nnewline";
  a.jobs = {j1, j2};
  SavedRestores restores;
  restores.last_read = Minute(-1);
  restores.tracker.finished[0][2] = 4;  // Vex Failed
  restores.tracker.finished[4][3] = 18446744073709551615ULL;
  restores.tracker.seen = {{Id{1, 9}, Minute(-3), Minute(-9)},
                           {Id{2, 1}, Minute(-2), Minute(-4)}};
  a.restores = restores;
  SavedServer b{"west", "https://10.0.0.1", {}, {}};
  st.servers = {a, b};
  return st;
}

TEST(StateFile, RoundTripKeepsEveryField) {
  const SavedState st = Sample();
  const std::string text = EncodeState(st);
  EXPECT_EQ(text.compare(0, kStateFileMagic.size(), kStateFileMagic), 0);
  Result<SavedState> back = DecodeState(text);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(*back == st);
  EXPECT_EQ(EncodeState(*back), text);  // stable
}

TEST(StateFile, EmptyStateRoundTrips) {
  Result<SavedState> back = DecodeState(EncodeState(SavedState{}));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back->servers.empty());
}

TEST(StateFile, EveryTruncationIsRefused) {
  const std::string text = EncodeState(Sample());
  for (size_t n = 0; n < text.size(); ++n) {
    Result<SavedState> r = DecodeState(std::string_view(text).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted a file cut at byte " << n;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  }
}

TEST(StateFile, AnyFlippedByteIsRefused) {
  const std::string text = EncodeState(Sample());
  for (size_t i = 0; i < text.size(); ++i) {
    std::string bad = text;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(DecodeState(bad).ok()) << "accepted a flip at byte " << i;
  }
}

TEST(StateFile, CorruptChecksumSaysSo) {
  std::string text = EncodeState(Sample());
  const size_t at = text.find("job ");
  text[at + 4] = text[at + 4] == 'b' ? 'c' : 'b';
  Result<SavedState> r = DecodeState(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("checksum mismatch"), std::string::npos)
      << r.error();
}

TEST(StateFile, ForeignVersionOrFileIsRefusedAsForeign) {
  std::string v2 = EncodeState(Sample());
  v2.replace(0, kStateFileMagic.size(), "vb365_exporter state v3");
  for (const std::string& text : {v2, std::string("{\"json\": true}\n"),
                                  std::string("\x7f"
                                              "ELF\x02")}) {
    Result<SavedState> r = DecodeState(text);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("foreign"), std::string::npos)
        << r.error();
  }
}

TEST(StateFile, WellFormedButInvalidLinesAreRefused) {
  // Valid checksums over bad content (the encoder signs what it is given).
  SavedState st = Sample();
  st.servers[0].jobs[0].tracker.pending = {{Id{1, 1}, 99}};
  EXPECT_FALSE(DecodeState(EncodeState(st)).ok()) << "miss count 99";
  st = Sample();
  st.servers[0].jobs[1].job_id = st.servers[0].jobs[0].job_id;
  EXPECT_FALSE(DecodeState(EncodeState(st)).ok()) << "duplicate job";
  st = Sample();
  st.servers[1] = st.servers[0];
  EXPECT_FALSE(DecodeState(EncodeState(st)).ok()) << "duplicate server";
  st = Sample();
  st.servers[0].jobs[0].tracker.at_watermark = {Id{}};
  EXPECT_FALSE(DecodeState(EncodeState(st)).ok()) << "empty id";
  st = Sample();
  st.servers[0].restores->tracker.seen.push_back(
      st.servers[0].restores->tracker.seen[0]);
  EXPECT_FALSE(DecodeState(EncodeState(st)).ok()) << "duplicate restore id";
}

// A v1 file (before the restore counters) is read; it has no restore lines
// (a v1 file with one is refused), and the next write is v2.
TEST(StateFile, VersionOneFilesAreReadWithoutRestores) {
  auto as_v1 = [](const SavedState& st) {
    std::string text = EncodeState(st);
    text.replace(0, kStateFileMagic.size(), kStateFileMagicV1);
    // Signs the v1 text as the encoder would (FNV-1a 64 before "checksum").
    const size_t sum_at = text.rfind("checksum ");
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < sum_at; ++i) {
      h ^= static_cast<unsigned char>(text[i]);
      h *= 0x100000001b3ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(h));
    return text.substr(0, sum_at) + "checksum " + hex + "\n";
  };
  SavedState st = Sample();
  st.servers[0].restores.reset();
  Result<SavedState> back = DecodeState(as_v1(st));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(*back == st);
  EXPECT_EQ(EncodeState(*back).rfind("vb365_exporter state v2\n", 0), 0u);
  Result<SavedState> with_restores = DecodeState(as_v1(Sample()));
  ASSERT_FALSE(with_restores.ok());
  EXPECT_NE(with_restores.error().message().find("bad line"), std::string::npos)
      << with_restores.error();
}

TEST(StateFile, TheFixtureInTheDocumentedFormatDecodes) {
  std::ifstream f(std::string(VB365_FIXTURES_DIR) + "/state/two_servers.state",
                  std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  Result<SavedState> st = DecodeState(ss.str());
  ASSERT_TRUE(st.ok()) << st.error();
  ASSERT_EQ(st->servers.size(), 2u);
  EXPECT_EQ(st->servers[1].name, "west dc");
  const SavedJob& j = st->servers[0].jobs[0];
  EXPECT_EQ(j.tracker.sessions_total[0], 12u);
  EXPECT_EQ(j.tracker.transferred_bytes_total, 1234567890u);
  EXPECT_EQ(j.tracker.at_watermark, (std::vector<Id>{Id{7, 42}}));
  ASSERT_EQ(j.tracker.pending.size(), 2u);
  EXPECT_EQ(j.tracker.pending[1], (std::pair<Id, int>{Id{7, 59}, 2}));
  EXPECT_EQ(st->servers[0].jobs[1].tracker.watermark, kNoTime);
  EXPECT_FALSE(st->servers[0].restores.has_value());
  // The fixture is a v1 file (written before the restore counters): the
  // same lines come back under the v2 magic line.
  const std::string text = ss.str();
  ASSERT_EQ(text.rfind("vb365_exporter state v1\n", 0), 0u);
  const std::string again = EncodeState(*st);
  ASSERT_EQ(again.rfind("vb365_exporter state v2\n", 0), 0u);
  EXPECT_EQ(again.substr(0, again.rfind("checksum ")).substr(24),
            text.substr(0, text.rfind("checksum ")).substr(24));
}

// A fresh directory under /tmp, removed afterwards; logs captured.
class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vb365_state_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/state";
    SetLogSinkForTesting(&log_);
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    std::filesystem::remove_all(dir_);
  }
  static ServerConfig Server(const std::string& name, const std::string& url) {
    ServerConfig s;
    s.name = name;
    s.url = url;
    return s;
  }
  void Write(const std::string& text) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  std::string Read() {
    std::ifstream f(path_, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  size_t Count(const std::string& needle) const {
    size_t n = 0;
    for (size_t p = log_.find(needle); p != std::string::npos;
         p = log_.find(needle, p + 1)) {
      ++n;
    }
    return n;
  }

  std::string dir_, path_, log_;
};

TEST_F(StateStoreTest, MissingFileStartsEmptyAndIsCreatedOnUpdate) {
  StateStore store({path_},
                   {Server("east dc", "https://vb365.example.test:4443")});
  EXPECT_TRUE(
      store.Restored("east dc", "https://vb365.example.test:4443").empty());
  EXPECT_EQ(Count("no state file yet"), 1u) << log_;
  store.Update("east dc", "https://vb365.example.test:4443",
               Sample().servers[0].jobs);
  Result<SavedState> back = DecodeState(Read());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->servers.size(), 1u);
  EXPECT_EQ(back->servers[0].jobs.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StateStoreTest, RemovedServerAndChangedUrlAreDropped) {
  Write(EncodeState(Sample()));
  // "west" moved to another URL; "east dc" unchanged; a new server.
  StateStore store(
      {path_},
      {Server("east dc", "https://vb365.example.test:4443"),
       Server("west", "https://10.0.0.2"), Server("new", "https://n")});
  EXPECT_EQ(store.Restored("east dc", "https://vb365.example.test:4443").size(),
            2u);
  EXPECT_TRUE(store.Restored("west", "https://10.0.0.1").empty());
  EXPECT_TRUE(store.Restored("west", "https://10.0.0.2").empty());
  store.Update("new", "https://n", {});
  Result<SavedState> back = DecodeState(Read());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->servers.size(), 2u);
  EXPECT_EQ(back->servers[0].name, "east dc");  // kept until it reports
  EXPECT_EQ(back->servers[1].name, "new");
}

TEST_F(StateStoreTest, BadFilesAreLoggedOnceAndIgnored) {
  const std::string good = EncodeState(Sample());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good.substr(0, good.size() / 2), "truncated"},
      {"", "empty file"},
      {"vb365_exporter state v0\n", "foreign"},
      {good.substr(0, good.size() - 3) + "00\n", "checksum mismatch"},
  };
  for (const auto& [text, reason] : cases) {
    log_.clear();
    Write(text);
    StateStore store({path_},
                     {Server("east dc", "https://vb365.example.test:4443")});
    EXPECT_TRUE(
        store.Restored("east dc", "https://vb365.example.test:4443").empty());
    EXPECT_EQ(Count("state file ignored"), 1u) << log_;
    EXPECT_NE(log_.find(reason), std::string::npos) << log_;
  }
}

TEST_F(StateStoreTest, ADirectoryOrAnEndlessFileIsIgnoredNotRead) {
  std::filesystem::create_directory(path_);
  {
    StateStore store({path_}, {Server("s", "https://s")});
    EXPECT_TRUE(store.Restored("s", "https://s").empty());
  }
  EXPECT_EQ(Count("state file ignored"), 1u) << log_;
  log_.clear();
  StateStore zero({"/dev/zero"}, {Server("s", "https://s")});
  EXPECT_EQ(Count("state file ignored"), 1u) << log_;
  EXPECT_NE(log_.find("not a state file"), std::string::npos) << log_;
}

TEST_F(StateStoreTest, UnwritableDirectoryIsLoggedOnceNotFatal) {
  StateStore store({dir_ + "/no/such/dir/state"}, {Server("s", "https://s")});
  store.Update("s", "https://s", Sample().servers[0].jobs);
  SavedJob changed = Sample().servers[0].jobs[0];
  changed.last_read += 1;
  store.Update("s", "https://s", {changed});
  EXPECT_EQ(Count("cannot write the state file"), 1u) << log_;
  EXPECT_FALSE(store.Flush().ok());
}

TEST_F(StateStoreTest, UnchangedStateIsNotRewritten) {
  StateStore store({path_}, {Server("s", "https://s")});
  store.Update("s", "https://s", Sample().servers[0].jobs);
  struct stat first;
  ASSERT_EQ(stat(path_.c_str(), &first), 0);
  std::filesystem::remove(path_);
  store.Update("s", "https://s", Sample().servers[0].jobs);
  EXPECT_FALSE(std::filesystem::exists(path_)) << "rewritten without change";
}

// --- a Refresher restarted from the store ---------------------------------

class Source : public JobSource {
 public:
  Result<ApiVersion> Version() override { return version; }
  Result<ServiceInstance> GetServiceInstance() override {
    return ServiceInstance{"8.1"};
  }
  Result<std::vector<Job>> ListJobs() override { return jobs; }
  Result<SessionsFetch> ListSessions(const Job& job,
                                     Timestamp lower_bound) override {
    std::lock_guard<std::mutex> l(mu);
    bounds[job.id].push_back(lower_bound);
    SessionsFetch f;
    for (const JobSession& s : sessions[job.id]) {
      if (lower_bound == kNoTime || s.end_time == kNoTime ||
          s.end_time >= lower_bound) {
        f.sessions.push_back(s);
      }
    }
    return f;
  }
  void ResetVersion() override {}

  void Add(const std::string& job, uint64_t id, Timestamp created,
           bool finished, SessionStatus st = SessionStatus::kSuccess) {
    JobSession s;
    s.id = Id{9, id};
    s.creation_time = created;
    s.end_time = finished ? created + 60 * kTicksPerSecond : kNoTime;
    s.status = finished ? st : SessionStatus::kRunning;
    s.has_statistics = true;
    s.statistics.transferred_data_bytes = 100;
    auto& v = sessions[job];
    for (JobSession& old : v) {
      if (old.id == s.id) {
        old = s;
        return;
      }
    }
    v.push_back(s);
  }

  std::mutex mu;
  ApiVersion version = ApiVersion::kV8;
  std::vector<Job> jobs;
  std::map<std::string, std::vector<JobSession>> sessions;
  std::map<std::string, std::vector<Timestamp>> bounds;
};

class NullSink : public SnapshotSink {
 public:
  void Publish(std::shared_ptr<const ServerSnapshot> s) override { last = s; }
  std::shared_ptr<const ServerSnapshot> last;
};

Job MakeJob(const std::string& id) {
  Job j;
  j.id = id;
  j.key = ParseId(id);
  j.name = "job " + id;
  return j;
}

uint64_t Successes(const ServerSnapshot& snap, const std::string& job) {
  for (const JobSummary& j : snap.jobs) {
    if (j.job.id == job) {
      return j.sessions_total[static_cast<size_t>(SessionStatus::kSuccess)];
    }
  }
  return ~uint64_t{0};
}

// On v8 the reads are incremental (endTimeLowerBound), on v3 the whole
// history every time: the same sessions are counted either way.
void RestartScenario(const std::string& path, ApiVersion version) {
  SCOPED_TRACE(std::string(ApiVersionName(version)));
  std::filesystem::remove(path);
  ServerConfig server;
  server.name = "s";
  server.url = "https://s";
  Source source;
  source.version = version;
  source.jobs = {MakeJob("a"), MakeJob("b")};
  source.Add("a", 1, Minute(-30), true);   // history: the baseline
  source.Add("a", 2, Minute(-20), false);  // running at the "crash"
  source.Add("b", 3, Minute(-25), true);
  Timestamp now = Minute(0);
  RefresherOptions options;
  options.now = [&] { return now; };
  NullSink sink;
  {
    StateStore store({path}, {server});
    options.state = &store;
    Refresher r(server, options, &source, &sink, nullptr);
    r.RefreshOnce();                        // baseline
    source.Add("a", 4, Minute(-10), true);  // counted while up
    now = Minute(1);
    EXPECT_EQ(Successes(*r.RefreshOnce(), "a"), 1u);
  }  // "killed": only the file survives
  // While down (an hour): the running one finishes, two more finish (one
  // long before the overlap window of the last read), b gets one.
  source.Add("a", 2, Minute(-20), true);
  source.Add("a", 5, Minute(5), true);
  source.Add("a", 6, Minute(50), true, SessionStatus::kFailed);
  source.Add("b", 7, Minute(40), true);
  now = Minute(61);
  StateStore store({path}, {server});
  options.state = &store;
  Refresher r(server, options, &source, &sink, nullptr);
  auto snap = r.RefreshOnce();
  EXPECT_EQ(Successes(*snap, "a"), 3u);  // 4 (before), then 2 and 5
  EXPECT_EQ(Successes(*snap, "b"), 1u);
  // The first read after the restart reached back past the last read.
  if (version == ApiVersion::kV8) {
    EXPECT_LE(source.bounds["a"].back(), Minute(1) - 10 * 60 * kTicksPerSecond);
  }
  for (int i = 0; i < 3; ++i) snap = r.RefreshOnce();  // read again: no change
  EXPECT_EQ(Successes(*snap, "a"), 3u);
  EXPECT_EQ(Successes(*snap, "b"), 1u);
  for (const JobSummary& j : snap->jobs) {
    if (j.job.id == "a") {
      EXPECT_EQ(j.sessions_total[static_cast<size_t>(SessionStatus::kFailed)],
                1u);
      EXPECT_EQ(j.transferred_bytes_total, 400u);
    }
  }
}

TEST_F(StateStoreTest, RestartCountsSessionsFinishedWhileDownExactlyOnce) {
  RestartScenario(path_, ApiVersion::kV8);
  RestartScenario(path_, ApiVersion::kV3);
}

// Only restore sessions (every other resource is "not served": skipped).
class RestoreSource : public ResourceSource {
 public:
  Result<License> GetLicense() override { return None(); }
  Result<std::vector<Repository>> ListRepositories() override { return None(); }
  Result<std::vector<Proxy>> ListProxies() override { return None(); }
  Result<std::vector<Organization>> ListOrganizations() override {
    return None();
  }
  Result<std::vector<OrganizationSync>> ListSyncStates(
      const std::vector<Organization>&) override {
    return None();
  }
  Result<std::map<std::string, UserCounts>> CountLicensedUsers() override {
    return None();
  }
  Result<Health> GetHealth() override { return None(); }
  Result<std::vector<RestoreSession>> ListRestoreSessions(
      Timestamp started_from, Timestamp ended_from) override {
    ended_froms.push_back(ended_from);
    std::vector<RestoreSession> out;
    for (const RestoreSession& s : restores) {
      if (s.creation_time >= started_from ||
          (ended_from != kNoTime && s.end_time >= ended_from)) {
        out.push_back(s);
      }
    }
    return out;
  }
  void Add(uint64_t id, RestoreType type, Timestamp created,
           RestoreResult result) {
    RestoreSession s;
    s.id = Id{5, id};
    s.type = type;
    s.creation_time = created;
    s.end_time = created + 60 * kTicksPerSecond;
    s.result = result;
    restores.push_back(s);
  }
  std::vector<RestoreSession> restores;
  std::vector<Timestamp> ended_froms;

 private:
  static Error None() { return Error{ErrorCode::kNotFound, "HTTP 404"}; }
};

class RestoreJobSource : public Source {
 public:
  ResourceSource* Resources() override { return &resources; }
  RestoreSource resources;
};

uint64_t Restores(const ServerSnapshot& snap, RestoreType type,
                  RestoreResult result) {
  if (!snap.resources.restores) return ~uint64_t{0};
  return (*snap.resources.restores)[static_cast<size_t>(type)]
      .finished[static_cast<size_t>(result)];
}

// vb365_restore_sessions_total goes on from the state file: the restores
// that finished while the exporter was down are counted once, the ones
// counted before are not counted again, and v8's first read reaches back
// to the last read before the restart.
TEST_F(StateStoreTest, RestartCountsRestoresFinishedWhileDownExactlyOnce) {
  ServerConfig server = Server("s", "https://s");
  server.session_history = std::chrono::hours(24);
  RestoreJobSource source;
  source.jobs = {MakeJob("a")};
  auto& restores = source.resources;
  restores.Add(1, RestoreType::kVex, Minute(-30), RestoreResult::kFailed);
  Timestamp now = Minute(0);
  RefresherOptions options;
  options.now = [&] { return now; };
  NullSink sink;
  {
    StateStore store({path_}, {server});
    options.state = &store;
    Refresher r(server, options, &source, &sink, nullptr);
    r.RefreshOnce();  // baseline: restore 1 is not counted
    restores.Add(2, RestoreType::kVex, Minute(1), RestoreResult::kSuccess);
    now = Minute(3);
    auto snap = r.RefreshOnce();
    EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kSuccess), 1u);
    EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kFailed), 0u);
  }  // "killed": only the file survives
  EXPECT_NE(Read().find("\nrestores "), std::string::npos) << Read();
  // While down for two days: a restore created long before the history
  // window ends (v8 finds it by its end time), two more finish.
  restores.Add(3, RestoreType::kVex, Minute(-3000), RestoreResult::kFailed);
  restores.restores.back().end_time = Minute(600);
  restores.Add(4, RestoreType::kVesp, Minute(2000), RestoreResult::kSuccess);
  restores.Add(5, RestoreType::kVex, Minute(2800), RestoreResult::kFailed);
  now = Minute(2880);
  StateStore store({path_}, {server});
  options.state = &store;
  Refresher r(server, options, &source, &sink, nullptr);
  auto snap = r.RefreshOnce();
  EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kSuccess), 1u);
  EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kFailed), 2u);
  EXPECT_EQ(Restores(*snap, RestoreType::kVesp, RestoreResult::kSuccess), 1u);
  EXPECT_LE(restores.ended_froms.back(), Minute(3));
  for (int i = 0; i < 3; ++i) {
    now += 60 * kTicksPerSecond;
    snap = r.RefreshOnce();  // read again: no change
  }
  EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kSuccess), 1u);
  EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kFailed), 2u);
  EXPECT_EQ(Restores(*snap, RestoreType::kVesp, RestoreResult::kSuccess), 1u);
  // Without the file the restart is a baseline: nothing counted.
  std::filesystem::remove(path_);
  StateStore empty({path_}, {server});
  options.state = &empty;
  Refresher fresh(server, options, &source, &sink, nullptr);
  snap = fresh.RefreshOnce();
  EXPECT_EQ(Restores(*snap, RestoreType::kVex, RestoreResult::kFailed), 0u);
}

TEST_F(StateStoreTest, JobsRemovedFromTheConfigAreDroppedFromTheFile) {
  ServerConfig server = Server("s", "https://s");
  Source source;
  source.jobs = {MakeJob("a"), MakeJob("b")};
  source.Add("a", 1, Minute(-30), true);
  source.Add("b", 2, Minute(-30), true);
  RefresherOptions options;
  options.now = [] { return kNow; };
  NullSink sink;
  {
    StateStore store({path_}, {server});
    options.state = &store;
    Refresher r(server, options, &source, &sink, nullptr);
    r.RefreshOnce();
  }
  // The restarted exporter's config excludes b by name (the job still
  // exists on the server).
  Result<JobNameRegex> exclude = JobNameRegex::Compile("job b");
  ASSERT_TRUE(exclude.ok()) << exclude.error();
  server.jobs.exclude = {*exclude};
  StateStore store({path_}, {server});
  options.state = &store;
  Refresher r(server, options, &source, &sink, nullptr);
  r.RefreshOnce();
  Result<SavedState> back = DecodeState(Read());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->servers.size(), 1u);
  ASSERT_EQ(back->servers[0].jobs.size(), 1u);
  EXPECT_EQ(back->servers[0].jobs[0].job_id, "a");
  source.jobs = {};  // a deleted on the server
  r.RefreshOnce();
  back = DecodeState(Read());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->servers.size(), 1u);
  EXPECT_TRUE(back->servers[0].jobs.empty());
}

}  // namespace
}  // namespace vb365
