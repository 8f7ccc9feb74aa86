// The page's deflate stream and its gzip framing (metrics/gzip.h), checked
// with zlib's own gzip decoder (which verifies the trailer's CRC-32 and
// length).
#include "metrics/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <optional>
#include <string>

namespace vb365 {
namespace {

// Some text that compresses, but not to nothing.
std::string Text(size_t lines) {
  std::string out;
  for (size_t i = 0; i < lines; ++i) {
    out += "vb365_job_running{server=\"east\",job_id=\"" + std::to_string(i) +
           "\"} " + std::to_string(i % 7) + "\n";
  }
  return out;
}

// The text of a gzip member; nullopt when zlib rejects it.
std::optional<std::string> Gunzip(const std::string& gz) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) return std::nullopt;
  return out;
}

TEST(GzipTest, APageInflatesToItsTextWithItsCrcAndSize) {
  const std::string text = Text(20000);
  std::optional<DeflatedPage> page = DeflatePage(text);
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->size, text.size());
  EXPECT_EQ(page->crc32, crc32(0, reinterpret_cast<const Bytef*>(text.data()),
                               static_cast<uInt>(text.size())));
  EXPECT_LT(page->deflated.size(), text.size() / 4);
  std::string out = "prefix ";
  ASSERT_TRUE(InflatePage(*page, &out));
  EXPECT_EQ(out, "prefix " + text);
}

TEST(GzipTest, PiecesWrittenOneByOneMakeTheSamePage) {
  const std::string text = Text(3000);
  Deflater d;
  for (size_t at = 0; at < text.size(); at += 1000) {
    ASSERT_TRUE(d.Write(std::string_view(text).substr(at, 1000)));
  }
  ASSERT_TRUE(d.Write("", Deflater::End::kFinal));
  std::optional<DeflatedPage> page = d.TakePage();
  ASSERT_TRUE(page.has_value());
  std::string out;
  ASSERT_TRUE(InflatePage(*page, &out));
  EXPECT_EQ(out, text);
}

TEST(GzipTest, AFailedDeflateGivesNoPageNotACorruptOne) {
  // More input after the final block: zlib refuses it (its return code).
  Deflater d;
  ASSERT_TRUE(d.Write("first", Deflater::End::kFinal));
  EXPECT_FALSE(d.Write("more"));
  EXPECT_FALSE(d.ok());
  EXPECT_FALSE(d.TakePage().has_value());
  EXPECT_FALSE(d.TakeStream().has_value());
  // The failure sticks.
  EXPECT_FALSE(d.Write("again", Deflater::End::kFinal));

  Deflater e;
  ASSERT_TRUE(e.Write("first", Deflater::End::kFinal));
  EXPECT_FALSE(e.Write("more", Deflater::End::kFinal));
  EXPECT_FALSE(e.TakePage().has_value());

  // A page needs its final block.
  Deflater f;
  ASSERT_TRUE(f.Write("no final block yet"));
  EXPECT_FALSE(f.TakePage().has_value());
}

TEST(GzipTest, InflatePageRejectsAStreamThatDoesNotMatchItsSize) {
  std::optional<DeflatedPage> page = DeflatePage(Text(100));
  ASSERT_TRUE(page.has_value());
  DeflatedPage longer = *page;
  longer.size += 1;
  std::string out;
  EXPECT_FALSE(InflatePage(longer, &out));
  DeflatedPage cut = *page;
  cut.deflated.resize(cut.deflated.size() / 2);
  out.clear();
  EXPECT_FALSE(InflatePage(cut, &out));
}

TEST(GzipTest, GzipMemberSplicesTheTailStreamAndDecodesToHeadAndTail) {
  const std::string head = "# HELP a the head\na 1\n";
  const std::string tail = Text(5000);
  std::optional<DeflatedPage> page = DeflatePage(tail);
  ASSERT_TRUE(page.has_value());
  std::optional<std::string> gz = GzipMember(head, &*page);
  ASSERT_TRUE(gz.has_value());
  EXPECT_EQ(gz->substr(0, 3), std::string("\x1f\x8b\x08", 3));
  EXPECT_NE(gz->find(page->deflated), std::string::npos)
      << "the tail's stream is spliced in as it is";
  EXPECT_EQ(Gunzip(*gz), head + tail);

  // No tail: the head alone, final.
  std::optional<std::string> alone = GzipMember(head, nullptr);
  ASSERT_TRUE(alone.has_value());
  EXPECT_EQ(Gunzip(*alone), head);
  // An empty head before the tail.
  EXPECT_EQ(Gunzip(*GzipMember("", &*page)), tail);
}

}  // namespace
}  // namespace vb365
