// parse/PaddedBody: the body type whose padding the parser relies on.
#include "parse/padded_body.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace vb365 {
namespace {

// The kParsePadding bytes after the end of `b`.
std::string Padding(const PaddedBody& b) {
  return std::string(b.data() + b.size(), kParsePadding);
}

const std::string kZeros(kParsePadding, '\0');

TEST(PaddedBody, EmptyBodiesStillCarryThePadding) {
  PaddedBody empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(Padding(empty), kZeros);
  PaddedBody copied{std::string_view()};
  EXPECT_EQ(Padding(copied), kZeros);
}

TEST(PaddedBody, ACopyHasItsBytesThenTheChosenPadding) {
  const PaddedBody b("[1,2]", '}');
  EXPECT_EQ(b.view(), "[1,2]");
  EXPECT_EQ(b.capacity(), 5u);  // exactly size + padding: ASan sees overreads
  EXPECT_EQ(Padding(b), std::string(kParsePadding, '}'));
  const PaddedBody zeroed("x");
  EXPECT_EQ(Padding(zeroed), kZeros);
}

TEST(PaddedBody, AppendGrowsGeometricallyAndKeepsThePaddingZeroed) {
  PaddedBody b;
  std::string expected;
  size_t reallocations = 0;
  size_t last_capacity = b.capacity();
  for (int i = 0; i < 20000; ++i) {
    const std::string chunk = std::to_string(i) + ",";
    b.Append(chunk.data(), chunk.size());
    expected += chunk;
    ASSERT_EQ(Padding(b), kZeros) << i;
    if (b.capacity() != last_capacity) {
      ++reallocations;
      last_capacity = b.capacity();
    }
  }
  EXPECT_EQ(b.view(), expected);
  // Doubling: about log2(108890 / 2) growths, never one per append.
  EXPECT_LE(reallocations, 20u);
}

TEST(PaddedBody, ReserveAvoidsGrowthAndClearKeepsTheBuffer) {
  PaddedBody b;
  b.Reserve(1000);
  EXPECT_GE(b.capacity(), 1000u);
  EXPECT_EQ(Padding(b), kZeros);
  const char* before = b.data();
  const std::string text(1000, 'a');
  b.Append(text.data(), text.size());
  EXPECT_EQ(b.data(), before);
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), before);
  EXPECT_EQ(Padding(b), kZeros);
}

TEST(PaddedBody, MovesHandOverTheBufferAndCopiesAreDeep) {
  PaddedBody a("{\"a\":1}", '!');
  const char* buffer = a.data();
  PaddedBody moved(std::move(a));
  EXPECT_EQ(moved.data(), buffer);
  EXPECT_EQ(moved.view(), "{\"a\":1}");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from
  EXPECT_EQ(Padding(a), kZeros);
  PaddedBody copy(moved);
  EXPECT_NE(copy.data(), moved.data());
  EXPECT_EQ(copy.view(), moved.view());
  EXPECT_EQ(Padding(copy), kZeros);
  PaddedBody assigned;
  assigned = copy;
  EXPECT_EQ(assigned.view(), copy.view());
  assigned = std::move(copy);
  EXPECT_EQ(assigned.view(), "{\"a\":1}");
}

TEST(PaddedBody, WithThreadReuseTheNextBodyTakesTheFreedBuffer) {
  PaddedBody::SetThreadReuse(true);
  const std::string text(300 * 1024, 'x');
  const char* first = nullptr;
  {
    PaddedBody b;
    b.Reserve(text.size());
    b.Append(text.data(), text.size());
    first = b.data();
  }  // kept, not freed
  PaddedBody next;
  next.Reserve(1000);  // smaller: takes the kept buffer as it is
  EXPECT_EQ(next.data(), first);
  EXPECT_TRUE(next.empty());
  EXPECT_GE(next.capacity(), text.size());
  EXPECT_EQ(Padding(next), kZeros);  // the old bytes are not seen
  next.Append("{}", 2);
  EXPECT_EQ(next.view(), "{}");
  EXPECT_EQ(Padding(next), kZeros);
  PaddedBody other;  // the kept buffer is taken: a new one
  other.Append("[]", 2);
  EXPECT_NE(other.data(), first);
  PaddedBody::SetThreadReuse(false);
}

TEST(PaddedBody, WithoutThreadReuseAFreedBufferIsNotHandedOn) {
  PaddedBody::SetThreadReuse(true);
  { PaddedBody b(std::string(1000, 'y')); }  // kept
  PaddedBody::SetThreadReuse(false);         // frees the kept buffer
  PaddedBody a;
  a.Append("1", 1);
  PaddedBody c;
  c.Append("2", 1);
  { PaddedBody gone(std::string(1000, 'z')); }  // freed, not kept
  PaddedBody d;
  d.Append("3", 1);
  EXPECT_EQ(a.view(), "1");
  EXPECT_EQ(c.view(), "2");
  EXPECT_EQ(d.view(), "3");
  EXPECT_EQ(Padding(d), kZeros);
}

TEST(PaddedBody, ThreadReuseKeepsTheLargerOfTwoFreedBuffers) {
  PaddedBody::SetThreadReuse(true);
  const char* large = nullptr;
  {
    PaddedBody big;
    big.Reserve(1 << 20);
    large = big.data();
    PaddedBody small;
    small.Reserve(100);
  }  // small freed first, then big replaces it
  PaddedBody next;
  next.Append("x", 1);
  EXPECT_EQ(next.data(), large);
  EXPECT_GE(next.capacity(), size_t{1} << 20);
  PaddedBody::SetThreadReuse(false);
}

}  // namespace
}  // namespace vb365
