// common/utf8.h: the one UTF-8 validator (strict RFC 3629) and the encoder.
#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace vb365 {
namespace {

TEST(Utf8, DecodesEveryLengthAtItsBounds) {
  const struct {
    std::string bytes;
    uint32_t cp;
  } cases[] = {
      {"\x00", 0x00},
      {"\x7f", 0x7f},
      {"\xc2\x80", 0x80},
      {"\xdf\xbf", 0x7ff},
      {"\xe0\xa0\x80", 0x800},
      {"\xed\x9f\xbf", 0xd7ff},
      {"\xee\x80\x80", 0xe000},
      {"\xef\xbf\xbf", 0xffff},
      {"\xf0\x90\x80\x80", 0x10000},
      {"\xf4\x8f\xbf\xbf", 0x10ffff},
  };
  for (const auto& c : cases) {
    std::string s = c.bytes.empty() ? std::string(1, '\0') : c.bytes;
    uint32_t cp = 0xdeadbeef;
    EXPECT_EQ(DecodeUtf8(s, 0, &cp), s.size()) << c.cp;
    EXPECT_EQ(cp, c.cp);
    EXPECT_TRUE(IsValidUtf8(s)) << c.cp;
    std::string round;
    AppendUtf8(c.cp, &round);
    EXPECT_EQ(round, s) << c.cp;
  }
}

TEST(Utf8, RejectsOverlongsSurrogatesBeyondMaxAndTruncation) {
  const char* bad[] = {
      "\x80",              // a lone continuation byte
      "\xc0\x80",          // overlong U+0000
      "\xc1\xbf",          // overlong U+007F
      "\xe0\x80\x80",      // overlong U+0000 in three bytes
      "\xe0\x9f\xbf",      // overlong U+07FF
      "\xed\xa0\x80",      // surrogate U+D800
      "\xed\xbf\xbf",      // surrogate U+DFFF
      "\xf0\x80\x80\x80",  // overlong in four bytes
      "\xf0\x8f\xbf\xbf",  // overlong U+FFFF
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte above F4
      "\xff",              // never in UTF-8
      "\xc3",              // cut short
      "\xe2\x82",          // cut short
      "\xe2\x28\xa1",      // a bad continuation byte
  };
  for (const char* b : bad) {
    const std::string s(b);
    uint32_t cp = 0;
    EXPECT_EQ(DecodeUtf8(s, 0, &cp), 0u) << s.size();
    EXPECT_FALSE(IsValidUtf8("ok " + s + " ok"));
  }
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(
      IsValidUtf8("plain \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

}  // namespace
}  // namespace vb365
