// parse/Parser on fixture files and on malformed documents.
#include "parse/parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace vb365 {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(VB365_FIXTURES_DIR) + "/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Result<PageInfo> Sessions(Parser& p, std::string_view json,
                          std::vector<JobSession>* out) {
  return p.ParseSessions(PaddedBody(json), out);
}

Result<PageInfo> Jobs(Parser& p, std::string_view json, std::vector<Job>* out) {
  return p.ParseJobs(PaddedBody(json), out);
}

Timestamp T(const char* text) { return ParseTimestamp(text).value(); }

const Id kSeedJob = ParseId("b20cedd4-66b2-49b1-86de-a575dc67e83b");

TEST(ParseSessions, SeedFixtureGivesExactlyItsValues) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(p, ReadFixture("seed_v3_jobsessions.json"), &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->is_page);
  EXPECT_EQ(r->count, 1);
  EXPECT_FALSE(r->has_next);
  ASSERT_EQ(out.size(), 1u);
  const JobSession& s = out[0];
  EXPECT_EQ(s.id, ParseId("a8cf9a63-64c3-4748-9c95-b1fbac0cce1d"));
  EXPECT_EQ(s.id.hi, 0xa8cf9a6364c34748ULL);
  EXPECT_EQ(s.id.lo, 0x9c95b1fbac0cce1dULL);
  EXPECT_EQ(s.job_id, kSeedJob);  // from _links.job.href
  EXPECT_EQ(s.creation_time, T("2019-02-04T16:49:22.8529769Z"));
  EXPECT_EQ(s.creation_time, 1549298962LL * kTicksPerSecond + 8529769);
  EXPECT_EQ(s.end_time, T("2019-02-04T16:50:21.3024288Z"));
  EXPECT_EQ(s.end_time - s.creation_time, 584494519);  // 58.4494519 s
  EXPECT_EQ(s.progress, 1);
  EXPECT_EQ(s.status, SessionStatus::kSuccess);
  EXPECT_TRUE(s.finished());
  ASSERT_TRUE(s.has_statistics);
  EXPECT_EQ(s.statistics.processing_rate_bytes_ps, 1683256);
  EXPECT_EQ(s.statistics.processing_rate_items_ps, 20);
  EXPECT_EQ(s.statistics.read_rate_bytes_ps, 5383429);
  EXPECT_EQ(s.statistics.write_rate_bytes_ps, 26015396);
  EXPECT_EQ(s.statistics.transferred_data_bytes, 98142970);
  EXPECT_EQ(s.statistics.processed_objects, 1193);
  EXPECT_EQ(s.statistics.bottleneck, Bottleneck::kSource);
  EXPECT_EQ(s.retry_count, -1);  // v3 does not send it
}

TEST(ParseSessions, V8PageWithJobIdNullEndTimeAndFieldsInAnyOrder) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(p, ReadFixture("parse/v8_sessions_page.json"), &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->is_page);
  EXPECT_EQ(r->offset, 0);
  EXPECT_EQ(r->limit, 2);
  EXPECT_EQ(r->count, 2);
  EXPECT_TRUE(r->has_next);
  ASSERT_EQ(out.size(), 2u);

  const JobSession& running = out[0];
  EXPECT_EQ(running.id, ParseId("11111111-2222-4333-8444-555555555555"));
  // jobId wins over _links.job.href, and upper case is the same id.
  EXPECT_EQ(running.job_id, kSeedJob);
  EXPECT_EQ(running.creation_time, T("2024-05-06T07:08:09.123456Z"));
  EXPECT_EQ(running.end_time, kNoTime);
  EXPECT_FALSE(running.finished());
  EXPECT_EQ(running.status, SessionStatus::kRunning);
  EXPECT_EQ(running.progress, 42);
  EXPECT_EQ(running.retry_count, 0);
  EXPECT_EQ(running.statistics.transferred_data_bytes, 5000);
  EXPECT_EQ(running.statistics.bottleneck, Bottleneck::kDetecting);

  const JobSession& warning = out[1];
  EXPECT_EQ(warning.status, SessionStatus::kWarning);
  EXPECT_EQ(warning.job_id, kSeedJob);
  EXPECT_EQ(warning.end_time, kNoTime);  // absent
  EXPECT_EQ(warning.retry_count, 2);
  EXPECT_EQ(warning.statistics.bottleneck, Bottleneck::kUnknown);  // "Proxy"
  EXPECT_EQ(warning.statistics.transferred_data_bytes, INT64_MAX);
  EXPECT_EQ(warning.statistics.processing_rate_bytes_ps, 0);  // absent
}

TEST(ParseSessions, V6PageWithRelativeLinksPlaceholderEndAndUnknownStatus) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(p, ReadFixture("parse/v6_sessions_page.json"), &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->is_page);
  EXPECT_EQ(r->offset, 30);
  EXPECT_EQ(r->limit, 30);
  EXPECT_EQ(r->count, 1);
  EXPECT_FALSE(r->has_next);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].job_id, ParseId("c0ffee00-1234-4abc-8def-0123456789ab"));
  EXPECT_EQ(out[0].creation_time, T("2022-01-31T16:39:24.008771Z"));
  EXPECT_EQ(out[0].end_time, kNoTime);                // 0001-01-01T00:00:00
  EXPECT_EQ(out[0].status, SessionStatus::kUnknown);  // "Updating"
  EXPECT_EQ(out[0].statistics.bottleneck, Bottleneck::kNA);
  EXPECT_EQ(out[0].retry_count, 0);
}

TEST(ParseSessions, JobIdFromEscapedAbsoluteHrefWithQuery) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(
      p,
      R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"Failed",)"
      R"("_links":{"job":{"href":"https:\/\/h:4443\/v3\/jobs\/)"
      R"(b20cedd4-66b2-49b1-86de-a575dc67e83b\/?a=b"}}}])",
      &out);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].job_id, kSeedJob);
  EXPECT_EQ(out[0].id, ParseId("x"));
  EXPECT_FALSE(out[0].has_statistics);
}

TEST(ParseSessions, EmptyArrayAndEmptyPageAreOk) {
  Parser p;
  std::vector<JobSession> out;
  auto r = Sessions(p, " [ ] \n", &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->is_page);
  EXPECT_EQ(r->count, 0);
  r = Sessions(p, R"({"offset":0,"limit":30,"results":[]})", &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->is_page);
  EXPECT_EQ(r->count, 0);
  EXPECT_TRUE(out.empty());
}

TEST(ParseSessions, AppendsAfterExistingElementsAndReusesTheParser) {
  Parser p;
  std::vector<JobSession> out;
  const std::string seed = ReadFixture("seed_v3_jobsessions.json");
  ASSERT_TRUE(
      Sessions(p, ReadFixture("parse/v8_sessions_page.json"), &out).ok());
  const auto r = Sessions(p, seed, &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->count, 1);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].status, SessionStatus::kRunning);
  EXPECT_EQ(out[2].statistics.transferred_data_bytes, 98142970);
}

struct BadCase {
  const char* name;
  std::string json;
  std::string error;  // expected substring
};

// The seed with one value replaced.
std::string SeedWith(const std::string& from, const std::string& to) {
  std::string s = ReadFixture("seed_v3_jobsessions.json");
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(ParseSessions, MalformedDocumentsNameTheFieldAndLeaveOutputUntouched) {
  const std::string seed = ReadFixture("seed_v3_jobsessions.json");
  const BadCase cases[] = {
      {"number as string",
       SeedWith("\"transferredDataBytes\": 98142970",
                "\"transferredDataBytes\": \"98142970\""),
       "[0].statistics.transferredDataBytes: expected integer"},
      {"fraction", SeedWith("\"progress\": 1", "\"progress\": 1.5"),
       "[0].progress: expected integer"},
      {"exponent",
       SeedWith("\"processedObjects\": 1193", "\"processedObjects\": 1e3"),
       "[0].statistics.processedObjects: expected integer"},
      {"overflow",
       SeedWith("\"readRateBytesPS\": 5383429",
                "\"readRateBytesPS\": 9223372036854775808"),
       "[0].statistics.readRateBytesPS: expected integer"},
      {"leading zero", SeedWith("\"progress\": 1", "\"progress\": 01"),
       "[0].progress: expected integer"},
      {"bool as integer", SeedWith("\"progress\": 1", "\"progress\": true"),
       "[0].progress: expected integer"},
      {"id as number",
       SeedWith("\"id\": \"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d\"",
                "\"id\": 7"),
       "[0].id: expected string"},
      {"id missing",
       SeedWith("\"id\": \"a8cf9a63-64c3-4748-9c95-b1fbac0cce1d\",", ""),
       "[0].id: missing"},
      {"creationTime missing",
       SeedWith("\"creationTime\": \"2019-02-04T16:49:22.8529769Z\",", ""),
       "[0].creationTime: missing"},
      {"creationTime null",
       SeedWith("\"2019-02-04T16:49:22.8529769Z\"", "null"),
       "[0].creationTime: expected ISO 8601 timestamp"},
      {"creationTime bad month",
       SeedWith("2019-02-04T16:49:22.8529769Z", "2019-13-04T16:49:22.8529769Z"),
       "[0].creationTime: expected ISO 8601 timestamp"},
      {"endTime 8 digits",
       SeedWith("2019-02-04T16:50:21.3024288Z",
                "2019-02-04T16:50:21.30242880Z"),
       "[0].endTime: expected ISO 8601 timestamp"},
      {"endTime number", SeedWith("\"2019-02-04T16:50:21.3024288Z\"", "0"),
       "[0].endTime: expected ISO 8601 timestamp"},
      {"status missing", SeedWith("\"status\": \"Success\",", ""),
       "[0].status: missing"},
      {"status null", SeedWith("\"status\": \"Success\"", "\"status\": null"),
       "[0].status: expected string"},
      {"bottleneck number",
       SeedWith("\"bottleneck\": \"Source\"", "\"bottleneck\": 3"),
       "[0].statistics.bottleneck: expected string"},
      {"statistics array", SeedWith("\"statistics\": {", "\"statistics\": [{"),
       "[0].statistics: expected object"},
      {"href number",
       SeedWith("\"https://support.east.local:4443/v3/jobs/"
                "b20cedd4-66b2-49b1-86de-a575dc67e83b\"",
                "1"),
       "[0]._links.job.href: expected string"},
      {"element not an object",
       "[{\"id\":\"x\",\"creationTime\":"
       "\"2020-01-01T00:00:00Z\",\"status\":\"Failed\"}, 1]",
       "[1]: expected object"},
      {"top-level scalar", "5", "expected an array or a page object"},
      {"top-level string", "\"[]\"", "expected an array or a page object"},
      {"empty input", "", "invalid JSON"},
      {"whitespace only", "  \n", "invalid JSON"},
      {"truncated", seed.substr(0, seed.size() / 2), "invalid JSON"},
      {"truncated after last element", seed.substr(0, seed.rfind(']')),
       "invalid JSON"},
      {"unclosed string", "[{\"id\":\"abc", "invalid JSON"},
      {"trailing garbage", seed + " x", "trailing content"},
      {"second document", seed + seed, "trailing content"},
      {"extra bracket", seed + "]", "trailing content"},
      {"missing value", "[{\"id\": }]", "[0].id: expected string"},
      {"missing colon", "[{\"id\" \"x\"}]", "invalid JSON"},
      {"bad literal", SeedWith("\"progress\": 1", "\"progress\": nul"),
       "[0].progress: expected integer"},
      {"page without results", R"({"offset":0,"limit":30})",
       "results: missing"},
      {"page results null", R"({"results":null})", "results: expected array"},
      {"page offset string", R"({"offset":"0","results":[]})",
       "offset: expected integer"},
      {"page links array", R"({"results":[],"_links":[]})",
       "_links: expected object"},
      {"error body", R"({"message":"Access denied"})", "results: missing"},
      {"invalid utf-8", "[\"\xff\"]", "invalid JSON"},
      // Found by the fuzzer: a number as the very last token.
      {"cut after a negative number", "[ { \"id\":\"x\",\"progress\":-9c95\n",
       "cut short"},
      {"cut after a number", "[{\"id\":\"x\",\"progress\":12", "cut short"},
      {"cut after a string", "[{\"id\":\"x\"", "cut short"},
      {"cut after a literal", "[{\"id\":\"x\",\"details\":null", "cut short"},
      {"cut after a key", "[{\"id\"", "cut short"},
      {"unclosed nested arrays", "[[[[", "cut short"},
      {"unclosed but ends in a bracket",
       "[{\"id\":\"x\",\"creationTime\":"
       "\"2020-01-01T00:00:00Z\",\"status\":\"Failed\"}",
       "invalid JSON"},
      {"closed too often inside",
       "[{\"id\":\"x\",\"creationTime\":"
       "\"2020-01-01T00:00:00Z\",\"status\":\"Failed\"}}]",
       "invalid JSON"},
      {"closing brackets only", "]]]]", "expected an array or a page object"},
  };
  Parser p;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<JobSession> out(1);
    out[0].progress = 1234;  // a sentinel the call must not touch
    const auto r = Sessions(p, c.json, &out);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(c.error), std::string::npos)
        << "error: " << r.error() << "\nwanted: " << c.error;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].progress, 1234);
  }
  // The parser is still usable after every failure.
  std::vector<JobSession> out;
  ASSERT_TRUE(Sessions(p, seed, &out).ok());
  EXPECT_EQ(out.size(), 1u);
}

TEST(ParseSessions, ErrorNamesTheElementIndexInAPageAndRollsBackAll) {
  std::string seed_elem = ReadFixture("seed_v3_jobsessions.json");
  seed_elem = seed_elem.substr(seed_elem.find('{'));
  seed_elem = seed_elem.substr(0, seed_elem.rfind('}') + 1);
  std::string json = R"({"offset":0,"limit":100,"results":[)";
  for (int i = 0; i < 13; ++i) {
    if (i > 0) json += ',';
    std::string e = seed_elem;
    if (i == 12) {
      e.replace(e.find("98142970"), 8, "\"98142970\"");
    }
    json += e;
  }
  json += "]}";
  Parser p;
  std::vector<JobSession> out(3);
  const auto r = Sessions(p, json, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "results[12].statistics.transferredDataBytes: expected integer");
  EXPECT_EQ(out.size(), 3u);
}

TEST(ParseSessions, NullOptionalFieldsAreAbsent) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(
      p,
      R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"Success",)"
      R"("endTime":null,"progress":null,"retryCount":null,"details":null,)"
      R"("statistics":null,"jobId":null,"_links":null}])",
      &out);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].end_time, kNoTime);
  EXPECT_FALSE(out[0].has_statistics);
  EXPECT_EQ(out[0].retry_count, -1);
  EXPECT_TRUE(out[0].job_id.empty());
  EXPECT_FALSE(out[0].finished());  // no end time
}

// One session with `progress` set to the given JSON text.
std::string WithProgress(const std::string& number) {
  return R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"Success",)"
         R"("progress":)" +
         number + "}]";
}

TEST(ParseSessions, IntegersAtEveryLengthAndTheInt64Limits) {
  const std::pair<std::string, int64_t> good[] = {
      {"0", 0},
      {"-0", 0},
      {"7", 7},
      {"-7", -7},
      {"12345678", 12345678},    // one full 8-digit word
      {"123456789", 123456789},  // spills into a second word
      {"1234567890123456", 1234567890123456},
      {"12345678901234567", 12345678901234567},
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"100000000", 100000000},
      {"42 \n\t ", 42},  // whitespace before the '}'
  };
  Parser p;
  for (const auto& [text, value] : good) {
    std::vector<JobSession> out;
    const auto r = Sessions(p, WithProgress(text), &out);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error();
    EXPECT_EQ(out.at(0).progress, value) << text;
  }
  const char* bad[] = {"9223372036854775808",
                       "-9223372036854775809",
                       "12345678901234567890",
                       "99999999999999999999",
                       "01",
                       "-01",
                       "-",
                       "1.0",
                       "1e3",
                       "1E3",
                       "0x10",
                       "+1",
                       "1-",
                       "\"1\"",
                       "[1]",
                       "{}",
                       "nul",
                       "truex",
                       "1 2"};
  for (const char* text : bad) {
    std::vector<JobSession> out;
    const auto r = Sessions(p, WithProgress(text), &out);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_TRUE(out.empty()) << text;
  }
}

TEST(ParseSessions, EscapedStringsAreDecodedWhereTheyMatter) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(
      p,
      R"([{"id":"sess\u0069on-1","creationTime":"2020-01-01T00:00:00Z",)"
      R"("status":"Succ\u0065ss","statistics":{"bottleneck":"T\u0061rget"},)"
      R"("jobId":"job\/1"}])",
      &out);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id, ParseId("session-1"));
  EXPECT_EQ(out[0].status, SessionStatus::kSuccess);
  EXPECT_EQ(out[0].statistics.bottleneck, Bottleneck::kTarget);
  EXPECT_EQ(out[0].job_id, ParseId("job/1"));

  // Invalid escapes in values the parser decodes are errors.
  for (const char* bad_id :
       {R"("a\q")", R"("a\u12")", R"("\ud800")", R"("\udc00x")"}) {
    std::vector<JobSession> none;
    const std::string json =
        std::string(
            R"([{"creationTime":"2020-01-01T00:00:00Z","status":"Failed","id":)") +
        bad_id + "}]";
    const auto e = Sessions(p, json, &none);
    ASSERT_FALSE(e.ok()) << bad_id;
    EXPECT_NE(e.error().message().find("[0].id"), std::string::npos)
        << e.error();
  }
  // A surrogate pair decodes to one code point (U+1F600).
  std::vector<Job> jobs;
  ASSERT_TRUE(
      Jobs(p, R"([{"id":"a","name":"\ud83d\ude00 \u00e9\n"}])", &jobs).ok());
  EXPECT_EQ(jobs.at(0).name, "\xF0\x9F\x98\x80 \xC3\xA9\n");
}

TEST(ParseSessions, UnknownFieldsOfEveryShapeAreSkippedAndChecked) {
  Parser p;
  std::vector<JobSession> out;
  const auto r = Sessions(
      p,
      R"([{"id":"x","a":[1,-2.5e+3,true,false,null,"s",{"b":[[],{}]}],)"
      R"("creationTime":"2020-01-01T00:00:00Z","c":{"d":{"e":{"f":0.5}}},)"
      R"("status":"Success","g":-0.0,"h":1E-9,"jobWillBeRetried":false,)"
      R"("eTag":17,"st\u0061tus":7}])",
      &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(out.at(0).status, SessionStatus::kSuccess);

  const char* bad[] = {
      R"([{"id":"x","a":[1,],"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":[1 2],"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":{"b"},"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":{"b":1,},"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":01,"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":1.,"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":tru,"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","a":[}],"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x",,"creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x"  "creationTime":"2020-01-01T00:00:00Z","status":"S"}])",
      R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"S"},])",
      R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"S"}{}])",
  };
  for (const char* json : bad) {
    std::vector<JobSession> none;
    EXPECT_FALSE(Sessions(p, json, &none).ok()) << json;
    EXPECT_TRUE(none.empty()) << json;
  }
}

TEST(ParseSessions, NestingIsBounded) {
  Parser p;
  auto nested = [](int depth) {
    return std::string(R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z",)"
                       R"("status":"Success","deep":)") +
           std::string(depth, '[') + std::string(depth, ']') + "}]";
  };
  std::vector<JobSession> out;
  EXPECT_TRUE(Sessions(p, nested(200), &out).ok());
  const auto r = Sessions(p, nested(5000), &out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos)
      << r.error();
  EXPECT_EQ(out.size(), 1u);
}

TEST(ParseSessions, DuplicateKeysTakeTheLastValue) {
  Parser p;
  std::vector<JobSession> out;
  ASSERT_TRUE(
      Sessions(
          p,
          R"([{"id":"x","creationTime":"2020-01-01T00:00:00Z",)"
          R"("status":"Failed","status":"Success","progress":1,"progress":2}])",
          &out)
          .ok());
  EXPECT_EQ(out.at(0).status, SessionStatus::kSuccess);
  EXPECT_EQ(out.at(0).progress, 2);
}

TEST(ParseSessions, ReadsNothingPastThePadding) {
  // Every prefix of a real body, each in a buffer of exactly size + padding
  // bytes (ASan builds catch a read past it): errors, never crashes.
  const std::string seed = ReadFixture("parse/v8_sessions_page.json");
  const size_t complete = seed.find_last_not_of(" \n") + 1;  // a valid body
  Parser p;
  for (size_t n = 0; n < complete; ++n) {
    // Padding that looks like JSON.
    const PaddedBody body(std::string_view(seed.data(), n), '}');
    std::vector<JobSession> out;
    EXPECT_FALSE(p.ParseSessions(body, &out).ok()) << n;
    EXPECT_TRUE(out.empty());
  }
}

TEST(ParseJobs, V6ArrayWithNullsEscapesAndPlaceholders) {
  Parser p;
  std::vector<Job> out;
  const auto r = Jobs(p, ReadFixture("parse/v6_jobs.json"), &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FALSE(r->is_page);
  EXPECT_EQ(r->count, 3);
  ASSERT_EQ(out.size(), 3u);

  const Job& a = out[0];
  EXPECT_EQ(a.id, "c0ffee00-1234-4abc-8def-0123456789ab");
  EXPECT_EQ(a.key, ParseId(a.id));
  EXPECT_EQ(a.name, "Mail \"Exchange\" \u2013 \u00dcn\u00efcode");
  EXPECT_EQ(a.backup_type, "EntireOrganization");
  EXPECT_EQ(a.repository_id, "6e2a0d5c-1111-4c2f-9d4e-0123456789ab");
  EXPECT_EQ(a.is_enabled, std::optional<bool>(true));
  EXPECT_EQ(a.last_run, T("2022-01-31T16:39:24.008771Z"));
  EXPECT_EQ(a.next_run, T("2022-02-01T21:00:00Z"));
  EXPECT_EQ(a.last_backup, kNoTime);
  EXPECT_EQ(a.last_status,
            std::optional<SessionStatus>(SessionStatus::kSuccess));

  const Job& b = out[1];
  EXPECT_EQ(b.id, "not-a-uuid-job");
  EXPECT_EQ(b.key, ParseId("not-a-uuid-job"));
  EXPECT_EQ(b.backup_type, "");
  EXPECT_EQ(b.repository_id, "");
  EXPECT_FALSE(b.is_enabled.has_value());
  EXPECT_EQ(b.last_run, kNoTime);
  EXPECT_EQ(b.next_run, kNoTime);
  EXPECT_FALSE(b.last_status.has_value());

  const Job& c = out[2];
  EXPECT_EQ(c.last_run, kNoTime);  // year-1 placeholder
  EXPECT_EQ(c.next_run, T("2017-04-04T07:07:21.3994255Z"));
  EXPECT_EQ(c.is_enabled, std::optional<bool>(false));
  EXPECT_EQ(c.last_status,
            std::optional<SessionStatus>(SessionStatus::kUnknown));
}

TEST(ParseJobs, V8PageWithNullNextLink) {
  Parser p;
  std::vector<Job> out;
  const auto r = Jobs(p, ReadFixture("parse/v8_jobs_page.json"), &out);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->is_page);
  EXPECT_EQ(r->limit, 30);
  EXPECT_EQ(r->count, 1);
  EXPECT_FALSE(r->has_next);  // "next": null
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].name, "Teams");
  EXPECT_EQ(out[0].organization_id, "0a0a0a0a-0000-4000-8000-000000000002");
  EXPECT_EQ(out[0].repository_id, "");
  EXPECT_EQ(out[0].last_backup, T("2024-05-05T07:08:09.1234567Z"));
  EXPECT_EQ(out[0].next_run, kNoTime);
  EXPECT_EQ(out[0].last_status,
            std::optional<SessionStatus>(SessionStatus::kFailed));
}

TEST(ParseJobs, MalformedJobsNameTheFieldAndLeaveOutputUntouched) {
  const BadCase cases[] = {
      {"isEnabled as string", R"([{"id":"a","isEnabled":"true"}])",
       "[0].isEnabled: expected boolean"},
      {"id missing", R"([{"id":"a"},{"name":"b"}])", "[1].id: missing"},
      {"id null", R"([{"id":null}])", "[0].id: expected string"},
      {"name number", R"({"results":[{"id":"a","name":5}]})",
       "results[0].name: expected string"},
      {"lastRun garbage", R"([{"id":"a","lastRun":"yesterday"}])",
       "[0].lastRun: expected ISO 8601 timestamp"},
      {"lastStatus number", R"([{"id":"a","lastStatus":1}])",
       "[0].lastStatus: expected string"},
      {"trailing garbage", R"([{"id":"a"}] {})", "trailing content"},
      {"trailing array", R"([{"id":"a"}] [])", "trailing content"},
  };
  Parser p;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<Job> out(1);
    out[0].name = "sentinel";
    const auto r = Jobs(p, c.json, &out);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(c.error), std::string::npos)
        << "error: " << r.error() << "\nwanted: " << c.error;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].name, "sentinel");
  }
}

TEST(Parser, ReleaseMemoryFreesTheIndexAndParsingGoesOn) {
  Parser p;
  EXPECT_EQ(p.MemoryUsage(), 0u);
  std::string big = "[";
  for (int i = 0; i < 2000; ++i) {
    if (i > 0) big += ',';
    big +=
        R"({"id":"x","creationTime":"2020-01-01T00:00:00Z","status":"Success"})";
  }
  big += "]";
  std::vector<JobSession> out;
  ASSERT_TRUE(Sessions(p, big, &out).ok());
  EXPECT_GE(p.MemoryUsage(), big.size() * 4);
  p.ReleaseMemory();
  EXPECT_EQ(p.MemoryUsage(), 0u);
  out.clear();
  ASSERT_TRUE(Sessions(p, ReadFixture("seed_v3_jobsessions.json"), &out).ok());
  EXPECT_EQ(out.size(), 1u);
  EXPECT_LT(p.MemoryUsage(), big.size() * 4);
}

TEST(ParseToken, ReadsTheTokensAndIgnoresTheRest) {
  Parser p;
  const PaddedBody in(
      R"({"access_token":"AAA.bbb","token_type":"bearer","expires_in":3600,)"
      R"("refresh_token":"RRR\/1","userName":"DOMAIN\\user",)"
      R"(".issued":"Sun, 29 Nov 2026 10:00:00 GMT","extra":{"a":[1,2]}})");
  const auto r = p.ParseToken(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->access_token, "AAA.bbb");
  EXPECT_EQ(r->refresh_token, "RRR/1");
  EXPECT_EQ(r->expires_in_seconds, 3600);
}

TEST(ParseToken, ErrorsNameTheFieldButNeverTheSecret) {
  Parser p;
  const struct {
    const char* json;
    const char* error;
  } cases[] = {
      {R"({"access_token":"s3cr3t-token","expires_in":"3600"})",
       "expires_in: expected integer"},
      {R"({"access_token":"s3cr3t-token"})", "expires_in: missing"},
      {R"({"refresh_token":"s3cr3t-token","expires_in":1})",
       "access_token: missing"},
      {R"({"access_token":5,"expires_in":1})", "access_token: expected string"},
      {R"({"error":"invalid_grant","error_description":"s3cr3t-token"})",
       "access_token: missing"},
      {R"({"access_token":"s3cr3t-token","expires_in":1} x)",
       "trailing content"},
      {R"({"access_token":"s3cr3t-token","expires_in":1} {})",
       "trailing content"},
      {R"([])", "expected an object"},
      {R"({"access_token":"s3cr3t-token",)", "invalid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    const PaddedBody in(c.json);
    const auto r = p.ParseToken(in);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find(c.error), std::string::npos)
        << r.error();
    EXPECT_EQ(r.error().message().find("s3cr3t"), std::string::npos)
        << r.error();
  }
}

TEST(ParseServiceInstance, ReadsVersion) {
  Parser p;
  const PaddedBody in(
      R"({"installationId":"00000000-0000-0000-0000-000000000000","version":"8.0.3.1044"})");
  const auto r = p.ParseServiceInstance(in);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->version, "8.0.3.1044");
  const PaddedBody bad(R"({"version":8})");
  const auto e = p.ParseServiceInstance(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(), "version: expected string");
  const PaddedBody none(R"({})");
  EXPECT_FALSE(p.ParseServiceInstance(none).ok());
}

}  // namespace
}  // namespace vb365
