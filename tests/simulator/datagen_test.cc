// The data generator on its own: determinism, the special jobs, the awkward
// data it promises, and that its JSON says what ExpectedFor says.
#include "datagen.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace vb365::sim {
namespace {

using json = nlohmann::json;

TEST(DatagenTime, FormatsAndParsesTheSeedTimestampsExactly) {
  auto t = ParseTicks("2019-02-04T16:49:22.8529769Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatTicks(*t, 7), "2019-02-04T16:49:22.8529769Z");
  auto end = ParseTicks("2019-02-04T16:50:21.3024288Z");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end - *t, 584494519);  // 58.4494519 s in ticks
  EXPECT_EQ(FormatTicks(*ParseTicks("2022-01-31T16:39:24.008771Z"), 6),
            "2022-01-31T16:39:24.008771Z");
  EXPECT_EQ(FormatTicks(*ParseTicks("2017-06-13T15:00:00Z"), 0),
            "2017-06-13T15:00:00Z");
  EXPECT_EQ(*ParseTicks("2017-04-04T00:07:21.3994255-07:00"),
            *ParseTicks("2017-04-04T07:07:21.3994255Z"));
  EXPECT_EQ(*ParseTicks("1970-01-01T00:00:00Z"), 0);
  EXPECT_TRUE(ParseTicks("0001-01-01T00:00:00").has_value());
}

TEST(DatagenTime, RejectsMalformedTimestamps) {
  for (const char* bad : {"", "2019-02-04", "2019-02-04T16:49:22.12345678Z",
                          "2019-13-04T16:49:22Z", "2019-02-04T16:49:22.Z",
                          "yesterday", "2019-02-04T16:49:22Zjunk"}) {
    EXPECT_FALSE(ParseTicks(bad).has_value()) << bad;
  }
}

GenOptions Small() {
  GenOptions o;
  o.seed = 42;
  o.jobs = 8;
  o.sessions_per_job = 40;
  return o;
}

std::string AllBodies(const DataSet& d, int version) {
  WriteOptions w;
  w.version.number = version;
  std::string out;
  for (const Job& j : d.jobs) {
    AppendJobJson(j, w, &out);
    out += SessionsBody(j, w);
  }
  return out;
}

TEST(Datagen, SameSeedGivesSameBytesAndAnotherSeedDifferentOnes) {
  const std::string a = AllBodies(Generate(Small()), 8);
  const std::string b = AllBodies(Generate(Small()), 8);
  EXPECT_EQ(a, b);
  GenOptions other = Small();
  other.seed = 43;
  EXPECT_NE(a, AllBodies(Generate(other), 8));
}

TEST(Datagen, JobIdsDependOnlyOnSeedAndIndex) {
  GenOptions a = Small();
  GenOptions b = Small();
  b.jobs = 3;
  b.sessions_per_job = 5;
  const DataSet da = Generate(a), db = Generate(b);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(da.jobs[i].id, db.jobs[i].id);
}

TEST(Datagen, SpecialJobsHaveTheirPromisedState) {
  const DataSet d = Generate(Small());
  ASSERT_EQ(d.jobs.size(), 8u);
  EXPECT_EQ(ExpectedFor(d.jobs[0].sessions).last_finished_status, "Success");
  EXPECT_EQ(ExpectedFor(d.jobs[1].sessions).last_finished_status, "Failed");
  EXPECT_EQ(ExpectedFor(d.jobs[2].sessions).last_finished_status, "Warning");
  const Expected e3 = ExpectedFor(d.jobs[3].sessions);
  EXPECT_EQ(e3.running, 1);
  EXPECT_EQ(e3.last_finished_status, "Success");
  EXPECT_EQ(Summarize(d.jobs[3]).last_status, "Running");
  EXPECT_FALSE(d.jobs[4].is_enabled);
  for (int i = 0; i < 8; ++i) {
    if (i != 4) {
      EXPECT_TRUE(d.jobs[i].is_enabled) << i;
    }
    if (i != 3) {
      EXPECT_EQ(ExpectedFor(d.jobs[i].sessions).running, 0) << i;
    }
    EXPECT_EQ(d.jobs[i].sessions.size(), 40u);
  }
}

TEST(Datagen, DataCarriesTheAwkwardCases) {
  const DataSet d = Generate(Small());
  std::set<int> digits;
  std::set<std::string> statuses;
  bool retry = false, shuffled = false, quote = false, backslash = false,
       non_ascii = false;
  for (const Job& j : d.jobs) {
    quote |= j.name.find('"') != std::string::npos;
    backslash |= j.name.find('\\') != std::string::npos;
    for (unsigned char c : j.name) non_ascii |= c >= 0x80;
    for (size_t i = 0; i < j.sessions.size(); ++i) {
      const Session& s = j.sessions[i];
      digits.insert(s.fraction_digits);
      statuses.insert(s.status);
      if (s.retry_count > 0) {
        retry = true;
        EXPECT_FALSE(s.main_session_id.empty());
      }
      if (i > 0 && s.creation_time < j.sessions[i - 1].creation_time)
        shuffled = true;
      if (s.end_time != kNotFinished) {
        EXPECT_GT(s.end_time, s.creation_time);
      }
    }
  }
  EXPECT_EQ(digits, (std::set<int>{0, 6, 7}));
  for (const char* s :
       {"Success", "Warning", "Failed", "Stopped", "Running", "Updating"}) {
    EXPECT_TRUE(statuses.count(s)) << s;
  }
  EXPECT_TRUE(retry);
  EXPECT_TRUE(shuffled);
  EXPECT_TRUE(quote && backslash && non_ascii);
}

TEST(Datagen, JsonParsesAndMatchesExpectedAggregatesInEveryVersion) {
  for (int v : {3, 4, 5, 6, 7, 8}) {
    GeneratedBody g = GenerateSessionsBody(7, 500, v);
    json j = json::parse(g.body);
    const json& arr = v >= 5 ? j["results"] : j;
    ASSERT_TRUE(arr.is_array()) << v;
    ASSERT_EQ(static_cast<int64_t>(arr.size()), g.expected.sessions);
    int64_t bytes = 0;
    std::map<std::string, int64_t> by_status;
    int64_t running = 0;
    for (const json& s : arr) {
      bytes += s["statistics"]["transferredDataBytes"].get<int64_t>();
      ++by_status[s["status"].get<std::string>()];
      if (s["endTime"].is_null() || s["endTime"] == "0001-01-01T00:00:00")
        ++running;
      EXPECT_EQ(s.contains("jobId"), v >= 8);
      EXPECT_EQ(s.contains("details"), v >= 6);
      EXPECT_EQ(s.contains("jobType"), v >= 7);
    }
    EXPECT_EQ(bytes, g.expected.transferred_data_bytes) << v;
    EXPECT_EQ(by_status, g.expected.count_by_status) << v;
    EXPECT_EQ(running, 1) << v;
    EXPECT_EQ(g.expected.running, 1);
    if (v <= 6) {
      EXPECT_NE(g.body.find("\"endTime\":\"0001-01-01T00:00:00\""),
                std::string::npos);
    } else {
      EXPECT_NE(g.body.find("\"endTime\":null"), std::string::npos);
    }
  }
}

TEST(Datagen, SessionsAreAboutSevenHundredBytes) {
  GeneratedBody g = GenerateSessionsBody(1, 2000, 8);
  const double per = static_cast<double>(g.body.size()) / 2000;
  EXPECT_GT(per, 500);
  EXPECT_LT(per, 1100);
}

TEST(Datagen, JobNamesRoundTripThroughJson) {
  const DataSet d = Generate(Small());
  WriteOptions w;
  for (const Job& job : d.jobs) {
    std::string s;
    AppendJobJson(job, w, &s);
    json j = json::parse(s);
    EXPECT_EQ(j["name"].get<std::string>(), job.name);
  }
}

TEST(Datagen, MutationsDistortSessionsAsNamed) {
  json a = json::parse(
      GenerateSessionsBody(3, 10, 8, Mutation::kNumbersAsStrings).body);
  for (const json& s : a["results"]) {
    EXPECT_TRUE(s["statistics"]["transferredDataBytes"].is_string());
    EXPECT_TRUE(s["progress"].is_string());
  }
  json b = json::parse(GenerateSessionsBody(3, 10, 8, Mutation::kNulls).body);
  for (const json& s : b["results"]) {
    EXPECT_TRUE(s["status"].is_null());
    EXPECT_TRUE(s["creationTime"].is_null());
    EXPECT_TRUE(s["statistics"]["transferredDataBytes"].is_null());
  }
  json c = json::parse(
      GenerateSessionsBody(3, 10, 8, Mutation::kMissingFields).body);
  for (const json& s : c["results"]) {
    EXPECT_FALSE(s.contains("status"));
    EXPECT_FALSE(s.contains("creationTime"));
    EXPECT_FALSE(s.contains("statistics"));
    EXPECT_TRUE(s.contains("id"));
  }
}

TEST(Datagen, PageJsonHasNextLinkOnlyWhenAsked) {
  json with = json::parse(PageJson(30, 30, "s", "", true, "/v8/Jobs?"));
  EXPECT_EQ(with["_links"]["next"]["href"], "/v8/Jobs?offset=60&limit=30");
  json without = json::parse(PageJson(30, 30, "s", "", false, "/v8/Jobs?"));
  EXPECT_FALSE(without["_links"].contains("next"));
  EXPECT_EQ(without["offset"], 30);
  EXPECT_EQ(without["limit"], 30);
}

}  // namespace
}  // namespace vb365::sim
