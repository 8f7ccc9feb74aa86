// model/types: timestamps, status and bottleneck names, ids.
#include "model/types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vb365 {
namespace {

constexpr Timestamp Sec(int64_t s) { return s * kTicksPerSecond; }

struct TimestampCase {
  const char* text;
  Timestamp ticks;
};

TEST(ParseTimestamp, AcceptsEveryDocumentedForm) {
  const TimestampCase cases[] = {
      // 7 fractional digits (v3..v5), the seed's creation and end time.
      {"2019-02-04T16:49:22.8529769Z", Sec(1549298962) + 8529769},
      {"2019-02-04T16:50:21.3024288Z", Sec(1549299021) + 3024288},
      // 6 digits (v6).
      {"2022-01-31T16:39:24.008771Z", Sec(1643647164) + 87710},
      // 0 digits.
      {"2017-06-13T15:00:00Z", Sec(1497366000)},
      // 1 to 5 digits scale to ticks.
      {"2000-01-01T00:00:00.5Z", Sec(946684800) + 5000000},
      {"2000-01-01T00:00:00.05Z", Sec(946684800) + 500000},
      {"2000-01-01T00:00:00.123Z", Sec(946684800) + 1230000},
      {"2000-01-01T00:00:00.0000001Z", Sec(946684800) + 1},
      // Offsets: local time minus offset is UTC.
      {"2017-04-04T00:07:21.3994255-07:00", Sec(1491289641) + 3994255},
      {"2000-01-01T01:30:00+01:30", Sec(946684800)},
      {"2000-01-01T00:00:00+00:00", Sec(946684800)},
      // No zone: UTC.
      {"2000-01-01T00:00:00", Sec(946684800)},
      {"2000-01-01T00:00:00.25", Sec(946684800) + 2500000},
      // Leap day, end of day, before the epoch.
      {"2024-02-29T23:59:59Z", Sec(1709251199)},
      {"1969-12-31T23:59:59Z", Sec(-1)},
      {"1970-01-01T00:00:00Z", 0},
      // The year-1 placeholder parses.
      {"0001-01-01T00:00:00", Sec(-719162LL * 86400)},
  };
  for (const auto& c : cases) {
    const std::optional<Timestamp> t = ParseTimestamp(c.text);
    ASSERT_TRUE(t.has_value()) << c.text;
    EXPECT_EQ(*t, c.ticks) << c.text;
  }
}

TEST(ParseTimestamp, SeedDurationIsExact) {
  const Timestamp start = *ParseTimestamp("2019-02-04T16:49:22.8529769Z");
  const Timestamp end = *ParseTimestamp("2019-02-04T16:50:21.3024288Z");
  EXPECT_EQ(end - start, 584494519);  // 58.4494519 s
}

TEST(ParseTimestamp, RejectsMalformedText) {
  const char* bad[] = {
      "",
      "garbage",
      "2019-02-04",
      "2019-02-04T16:49",
      "2019-02-04 16:49:22Z",           // space instead of T
      "2019-02-04t16:49:22Z",           // lowercase t
      "2019-13-04T16:49:22Z",           // month 13
      "2019-00-04T16:49:22Z",           // month 0
      "2019-02-29T16:49:22Z",           // not a leap year
      "2019-04-31T16:49:22Z",           // April has 30 days
      "2019-02-00T16:49:22Z",           // day 0
      "2019-02-04T24:00:00Z",           // hour 24
      "2019-02-04T16:60:22Z",           // minute 60
      "2019-02-04T16:49:60Z",           // second 60
      "0000-01-01T00:00:00Z",           // year 0
      "2019-02-04T16:49:22.Z",          // dot without digits
      "2019-02-04T16:49:22.12345678Z",  // 8 digits
      "2019-02-04T16:49:22ZZ",          // trailing garbage
      "2019-02-04T16:49:22Z ",          // trailing space
      " 2019-02-04T16:49:22Z",          // leading space
      "2019-02-04T16:49:22+0100",       // offset without colon
      "2019-02-04T16:49:22+01",         // short offset
      "2019-02-04T16:49:22+24:00",      // offset hour 24
      "2019-02-04T16:49:22+01:60",      // offset minute 60
      "2019-02-04T16:49:22z",           // lowercase z
      "2019-2-04T16:49:22Z",            // one-digit month
      "+2019-02-04T16:49:22Z",
      "2019-02-04T16:49:22.1a3Z",
      "20l9-02-04T16:49:22Z",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseTimestamp(text).has_value()) << text;
  }
}

TEST(ParseTimestamp, DoesNotReadPastTheView) {
  // The view ends before the fraction; the digits after it must not count.
  const std::string text = "2000-01-01T00:00:00.1234567Z";
  EXPECT_EQ(ParseTimestamp(std::string_view(text).substr(0, 19)),
            Sec(946684800));
  EXPECT_FALSE(ParseTimestamp(std::string_view(text).substr(0, 20)));
}

TEST(FormatTimestamp, RoundTripsAndOmitsAZeroFraction) {
  EXPECT_EQ(FormatTimestamp(Sec(1549298962) + 8529769),
            "2019-02-04T16:49:22.8529769Z");
  EXPECT_EQ(FormatTimestamp(Sec(946684800)), "2000-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(Sec(946684800) + 5000000),
            "2000-01-01T00:00:00.5000000Z");
  EXPECT_EQ(FormatTimestamp(Sec(-1) + 1), "1969-12-31T23:59:59.0000001Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("0001-01-01T00:00:00")),
            "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(kNoTime), "");
  for (const char* s : {"2024-02-29T23:59:59.9999999Z", "1999-12-31T23:59:59Z",
                        "2100-03-01T00:00:00.0000010Z"}) {
    EXPECT_EQ(FormatTimestamp(*ParseTimestamp(s)), s);
  }
}

TEST(IsPlaceholderTime, OnlyYearOne) {
  EXPECT_TRUE(IsPlaceholderTime(*ParseTimestamp("0001-01-01T00:00:00")));
  EXPECT_TRUE(IsPlaceholderTime(*ParseTimestamp("0001-12-31T23:59:59Z")));
  EXPECT_FALSE(IsPlaceholderTime(*ParseTimestamp("0002-01-01T00:00:00Z")));
  EXPECT_FALSE(IsPlaceholderTime(*ParseTimestamp("2019-02-04T16:49:22Z")));
  EXPECT_FALSE(IsPlaceholderTime(0));
  EXPECT_FALSE(IsPlaceholderTime(kNoTime));
}

TEST(SessionStatus, DocumentedNamesRoundTrip) {
  const std::pair<const char*, SessionStatus> known[] = {
      {"Stopped", SessionStatus::kStopped},
      {"Running", SessionStatus::kRunning},
      {"Success", SessionStatus::kSuccess},
      {"Failed", SessionStatus::kFailed},
      {"Warning", SessionStatus::kWarning},
      {"NotConfigured", SessionStatus::kNotConfigured},
      {"Disconnected", SessionStatus::kDisconnected},
      {"Queued", SessionStatus::kQueued},
  };
  std::set<std::string_view> names;
  for (const auto& [text, status] : known) {
    EXPECT_EQ(ParseSessionStatus(text), status) << text;
    EXPECT_EQ(SessionStatusName(status), text);
    names.insert(SessionStatusName(status));
  }
  names.insert(SessionStatusName(SessionStatus::kUnknown));
  EXPECT_EQ(names.size(), static_cast<size_t>(kSessionStatusCount));
}

TEST(SessionStatus, AnythingElseIsUnknown) {
  for (const char* text : {"Updating", "success", "SUCCESS", "Succeeded", "",
                           "Success ", "Runnin", "Unknown"}) {
    EXPECT_EQ(ParseSessionStatus(text), SessionStatus::kUnknown) << text;
  }
  EXPECT_EQ(SessionStatusName(SessionStatus::kUnknown), "Unknown");
}

TEST(SessionStatus, OnlyRunningAndQueuedAreActive) {
  EXPECT_TRUE(IsActive(SessionStatus::kRunning));
  EXPECT_TRUE(IsActive(SessionStatus::kQueued));
  EXPECT_FALSE(IsActive(SessionStatus::kSuccess));
  EXPECT_FALSE(IsActive(SessionStatus::kUnknown));
}

TEST(Bottleneck, NamesRoundTripAndOthersAreUnknown) {
  const std::pair<const char*, Bottleneck> known[] = {
      {"NA", Bottleneck::kNA},
      {"Detecting", Bottleneck::kDetecting},
      {"Source", Bottleneck::kSource},
      {"Target", Bottleneck::kTarget},
  };
  for (const auto& [text, b] : known) {
    EXPECT_EQ(ParseBottleneck(text), b) << text;
    EXPECT_EQ(BottleneckName(b), text);
  }
  for (const char* text : {"Proxy", "source", "", "N/A", "Sourcee"}) {
    EXPECT_EQ(ParseBottleneck(text), Bottleneck::kUnknown) << text;
  }
  EXPECT_EQ(BottleneckName(Bottleneck::kUnknown), "Unknown");
}

TEST(ParseId, UuidTextGivesItsBitsInEitherCase) {
  const Id id = ParseId("b20cedd4-66b2-49b1-86de-a575dc67e83b");
  EXPECT_EQ(id.hi, 0xb20cedd466b249b1ULL);
  EXPECT_EQ(id.lo, 0x86dea575dc67e83bULL);
  EXPECT_EQ(ParseId("B20CEDD4-66B2-49B1-86DE-A575DC67E83B"), id);
  EXPECT_EQ(ParseId("B20cedd4-66B2-49b1-86DE-a575dc67e83b"), id);
  EXPECT_TRUE(ParseId("00000000-0000-0000-0000-000000000000").empty());
  EXPECT_TRUE(ParseId("").empty());
}

TEST(ParseId, OtherStringsHashDeterministicallyAndDistinctly) {
  const Id a = ParseId("not-a-uuid");
  EXPECT_EQ(a, ParseId("not-a-uuid"));
  EXPECT_FALSE(a.empty());
  // Near-UUIDs are hashed, not misread.
  const char* others[] = {
      "not-a-uuid",
      "not-a-uuie",
      "b20cedd4-66b2-49b1-86de-a575dc67e83",    // 35 chars
      "b20cedd4-66b2-49b1-86de-a575dc67e83b0",  // 37 chars
      "b20cedd4-66b2-49b1-86de-a575dc67e83g",   // bad hex
      "b20cedd4066b2-49b1-86de-a575dc67e83b",   // dash missing
      "b20c-dd4-66b2-49b1-86de-a575dc67e83b",   // dash misplaced
      "{b20cedd4-66b2-49b1-86de-a575dc67e83b}",
      "a",
      "b",
      "ab",
      "ba",
      "12345678",
      "123456789",
  };
  std::set<Id> ids;
  for (const char* s : others) ids.insert(ParseId(s));
  ids.insert(ParseId("b20cedd4-66b2-49b1-86de-a575dc67e83b"));
  // Every string above is distinct, and so is the real UUID.
  EXPECT_EQ(ids.size(), std::size(others) + 1);
}

TEST(TimestampParser, MatchesParseTimestampWhileReusingDates) {
  const char* texts[] = {
      "2019-02-04T16:49:22.8529769Z", "2019-02-04T16:50:21.3024288Z",
      "2019-02-04T23:59:59Z",         "2019-02-05T00:00:00.1Z",
      "2019-02-04T00:00:00-07:00",    "2024-02-29T12:00:00.008771Z",
      "2023-02-29T12:00:00Z",         "2023-02-28T12:00:00Z",
      "2019-02-04T24:00:00Z",         "2019-02-04T16:49:22.12345678Z",
      "0001-01-01T00:00:00",          "9999-12-31T23:59:59.9999999Z",
      "2199-12-31T23:59:59Z",         "2200-01-01T00:00:00Z",
      "1969-12-31T23:59:59Z",         "2019-02-04",
  };
  TimestampParser p;
  for (int round = 0; round < 2; ++round) {
    for (const char* t : texts) {
      EXPECT_EQ(p.Parse(t), ParseTimestamp(t)) << t;
    }
  }
  // A date seen before does not make a bad time of day valid.
  EXPECT_TRUE(p.Parse("2019-02-04T16:49:22Z").has_value());
  EXPECT_FALSE(p.Parse("2019-02-04T16:49:2xZ").has_value());
  EXPECT_FALSE(p.Parse("2019-02-04x16:49:22Z").has_value());
}

TEST(ParseUuid, OnlyTheCanonicalForm) {
  Id id;
  EXPECT_TRUE(ParseUuid("b20cedd4-66b2-49b1-86de-a575dc67e83b", &id));
  EXPECT_EQ(id, ParseId("b20cedd4-66b2-49b1-86de-a575dc67e83b"));
  const Id before = id;
  for (const char* bad :
       {"", "not-a-uuid", "b20cedd4-66b2-49b1-86de-a575dc67e83",
        "b20cedd4-66b2-49b1-86de-a575dc67e8\u0033",
        "b20cedd4-66b2-49b1-86de-a575dc67e8;b",
        "b20cedd4+66b2-49b1-86de-a575dc67e83b",
        "b20cedd4-66b2-49b1-86de-a575dc67e8\xc3"}) {
    EXPECT_FALSE(ParseUuid(bad, &id)) << bad;
    EXPECT_EQ(id, before);
  }
  // Every hex digit in every position, both cases.
  const std::string digits = "0123456789abcdefABCDEF";
  for (size_t i = 0; i < digits.size(); ++i) {
    std::string text = "00000000-0000-0000-0000-000000000000";
    for (size_t pos : {0u, 7u, 9u, 14u, 19u, 24u, 35u}) text[pos] = digits[i];
    ASSERT_TRUE(ParseUuid(text, &id)) << text;
    const uint64_t v = i < 16 ? i : i - 6;
    EXPECT_EQ(id.hi, (v << 60) | (v << 32) | (v << 28) | (v << 12)) << text;
    EXPECT_EQ(id.lo, (v << 60) | (v << 44) | v) << text;
  }
}

TEST(IdHash, EqualIdsHashEqual) {
  const Id a = ParseId("b20cedd4-66b2-49b1-86de-a575dc67e83b");
  EXPECT_EQ(IdHash()(a),
            IdHash()(ParseId("B20CEDD4-66B2-49B1-86DE-A575DC67E83B")));
}

}  // namespace
}  // namespace vb365
