// Logger: logfmt quoting, JSON escaping, level filtering, one line per call.
#include "common/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace vb365 {
namespace {

// Captures log output and restores the defaults afterwards.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSinkForTesting(&out_);
    SetLogLevel(LogLevel::kInfo);
    SetLogFormat(LogFormat::kLogfmt);
  }
  void TearDown() override {
    SetLogSinkForTesting(nullptr);
    SetLogLevel(LogLevel::kInfo);
    SetLogFormat(LogFormat::kLogfmt);
  }
  // The line without its timestamp, which changes every run.
  std::string WithoutTs() const {
    static const std::regex kTs(
        R"(^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z |^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",)");
    std::smatch m;
    EXPECT_TRUE(std::regex_search(out_, m, kTs)) << out_;
    return m.suffix();
  }
  std::string out_;
};

TEST_F(LogTest, LogfmtLineHasTimestampLevelQuotedMessageAndFields) {
  Log(LogLevel::kInfo, "refresh done", {{"server", "east"}, {"jobs", "42"}});
  EXPECT_EQ(WithoutTs(),
            "level=info msg=\"refresh done\" server=east jobs=42\n");
}

TEST_F(LogTest, LogfmtQuotesValuesWithSpacesQuotesEqualsOrEmpty) {
  Log(LogLevel::kWarn, "m",
      {{"a", "two words"},
       {"b", "say \"hi\""},
       {"c", "k=v"},
       {"d", ""},
       {"e", "back\\slash"},
       {"f", "line1\nline2\ttab"},
       {"g", "\x01"},
       {"h", "plain-value_1.2:3/4"}});
  EXPECT_EQ(
      WithoutTs(),
      "level=warn msg=\"m\" a=\"two words\" b=\"say \\\"hi\\\"\" c=\"k=v\" "
      "d=\"\" e=\"back\\\\slash\" f=\"line1\\nline2\\ttab\" g=\"\\u0001\" "
      "h=plain-value_1.2:3/4\n");
}

TEST_F(LogTest, LogfmtKeysCannotBreakTheLine) {
  Log(LogLevel::kError, "m", {{"bad key=", "v"}, {"", "w"}});
  EXPECT_EQ(WithoutTs(), "level=error msg=\"m\" bad_key_=v _=w\n");
}

TEST_F(LogTest, JsonEscapesQuotesBackslashesAndControlCharacters) {
  SetLogFormat(LogFormat::kJson);
  Log(LogLevel::kError, "fail \"x\"",
      {{"err", "a\\b\nc\r\t\x1f\x7f"}, {"k\"ey", "v"}, {"utf8", "\xc3\xa9"}});
  EXPECT_EQ(WithoutTs(),
            "\"level\":\"error\",\"msg\":\"fail \\\"x\\\"\","
            "\"err\":\"a\\\\b\\nc\\r\\t\\u001f\\u007f\",\"k\\\"ey\":\"v\","
            "\"utf8\":\"\xc3\xa9\"}\n");
}

TEST_F(LogTest, JsonReplacesInvalidUtf8SoTheLineStaysValid) {
  SetLogFormat(LogFormat::kJson);
  Log(LogLevel::kInfo, "m", {{"job", "a\xff\xc3"}});
  EXPECT_EQ(WithoutTs(),
            "\"level\":\"info\",\"msg\":\"m\",\"job\":\"a\\ufffd\\ufffd\"}\n");
}

TEST_F(LogTest, JsonLinesParseForEveryByteValue) {
  SetLogFormat(LogFormat::kJson);
  for (int b = 0; b < 256; ++b) {
    out_.clear();
    const std::string value = "x" + std::string(1, static_cast<char>(b)) + "y";
    Log(LogLevel::kInfo, value, {{value, value}});
    ASSERT_EQ(out_.back(), '\n');
    ASSERT_EQ(out_.find('\n'), out_.size() - 1) << "byte " << b;
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(out_)) << "byte " << b;
    const std::string expected = b < 0x80 ? value : "x\xef\xbf\xbdy";  // U+FFFD
    EXPECT_EQ(parsed["msg"], expected) << "byte " << b;
    EXPECT_EQ(parsed[expected], expected) << "byte " << b;
    EXPECT_EQ(parsed["level"], "info");
  }
}

TEST_F(LogTest, LogfmtLinesStayOneLineForEveryByteValue) {
  for (int b = 0; b < 256; ++b) {
    out_.clear();
    Log(LogLevel::kInfo, "m", {{"k", std::string(1, static_cast<char>(b))}});
    ASSERT_EQ(out_.find('\n'), out_.size() - 1) << "byte " << b;
    ASSERT_EQ(out_.find('\r'), std::string::npos) << "byte " << b;
  }
}

TEST_F(LogTest, MessagesBelowTheLevelAreDropped) {
  SetLogLevel(LogLevel::kWarn);
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  Log(LogLevel::kDebug, "d");
  Log(LogLevel::kInfo, "i");
  Log(LogLevel::kWarn, "w");
  Log(LogLevel::kError, "e");
  EXPECT_EQ(out_.find("msg=\"d\""), std::string::npos);
  EXPECT_EQ(out_.find("msg=\"i\""), std::string::npos);
  EXPECT_NE(out_.find("level=warn msg=\"w\""), std::string::npos);
  EXPECT_NE(out_.find("level=error msg=\"e\""), std::string::npos);
}

TEST_F(LogTest, DebugLevelLetsEverythingThrough) {
  SetLogLevel(LogLevel::kDebug);
  Log(LogLevel::kDebug, "d");
  EXPECT_NE(out_.find("level=debug msg=\"d\""), std::string::npos);
}

TEST_F(LogTest, ConcurrentLinesAreNeverInterleaved) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      const std::string value(200, static_cast<char>('a' + t));
      for (int i = 0; i < 200; ++i) Log(LogLevel::kInfo, "x", {{"v", value}});
    });
  }
  for (auto& th : threads) th.join();
  static const std::regex kLine(
      R"(ts=\S+ level=info msg="x" v=(a{200}|b{200}|c{200}|d{200}))");
  size_t lines = 0, start = 0;
  for (size_t nl; (nl = out_.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    ASSERT_TRUE(std::regex_match(out_.substr(start, nl - start), kLine));
    ++lines;
  }
  EXPECT_EQ(lines, 800u);
  EXPECT_EQ(start, out_.size());
}

TEST(LogParse, LevelAndFormatNames) {
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  EXPECT_TRUE(ParseLogLevel("warn", &level));
  EXPECT_EQ(level, LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("warning", &level));
  EXPECT_FALSE(ParseLogLevel("INFO", &level));
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format));
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_TRUE(ParseLogFormat("logfmt", &format));
  EXPECT_EQ(format, LogFormat::kLogfmt);
  EXPECT_FALSE(ParseLogFormat("text", &format));
}

}  // namespace
}  // namespace vb365
