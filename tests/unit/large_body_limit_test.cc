// parse/PaddedBody's large-body slots (SetLargeBodyLimit, the config's
// max_large_responses): at most N large bodies received at once over the
// process, a waiter woken when one is freed, no wait for a thread's second
// body, slots given back on clear, move and destruction, and the pooled
// buffer and parser kept while a thread reuses buffers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "parse/padded_body.h"
#include "parse/parser.h"

namespace vb365 {
namespace {

constexpr size_t kLarge = kLargeBody + 1;

class LargeBodyLimit : public ::testing::Test {
 protected:
  void TearDown() override { PaddedBody::SetLargeBodyLimit(0); }
};

// Polls until pred() (another thread's progress) or fails after 10 s.
template <typename Pred>
bool Eventually(Pred pred) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST_F(LargeBodyLimit, ASecondLargeBodyOnAnotherThreadWaitsForTheFirstOne) {
  PaddedBody::SetLargeBodyLimit(1);
  const uint64_t waits_before = PaddedBody::GetLargeBodyStats().waits;
  auto first = std::make_unique<PaddedBody>();
  first->Reserve(kLarge);
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 1);
  std::atomic<bool> received{false};
  std::thread other([&] {
    PaddedBody second;
    second.Reserve(kLarge);  // waits: the one slot is taken
    received = true;
  });
  ASSERT_TRUE(Eventually([&] {
    return PaddedBody::GetLargeBodyStats().waits == waits_before + 1;
  }));
  EXPECT_FALSE(received.load());
  first.reset();  // frees the slot: the other thread goes on
  other.join();
  EXPECT_TRUE(received.load());
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 0);
  EXPECT_GE(PaddedBody::GetLargeBodyStats().wait_seconds, 0.0);
}

TEST_F(LargeBodyLimit, RaisingTheLimitWakesAWaiter) {
  PaddedBody::SetLargeBodyLimit(1);
  const uint64_t waits_before = PaddedBody::GetLargeBodyStats().waits;
  PaddedBody held;
  held.Reserve(kLarge);
  std::atomic<bool> received{false};
  std::thread other([&] {
    PaddedBody second;
    second.Reserve(kLarge);
    received = true;
  });
  ASSERT_TRUE(Eventually([&] {
    return PaddedBody::GetLargeBodyStats().waits == waits_before + 1;
  }));
  PaddedBody::SetLargeBodyLimit(2);
  other.join();  // while `held` still holds its slot
  EXPECT_TRUE(received.load());
}

TEST_F(LargeBodyLimit, SmallBodiesAndCopiesNeverTakeASlotNorWait) {
  PaddedBody::SetLargeBodyLimit(1);
  PaddedBody held;
  held.Reserve(kLarge);
  std::thread other([] {
    PaddedBody small;
    const std::string bytes(kLargeBody, 'a');  // exactly the threshold
    small.Append(bytes.data(), bytes.size());
    EXPECT_EQ(small.slot_parser(), nullptr);
    const PaddedBody copy(std::string(4 * kLargeBody, 'b'));  // a test input
    EXPECT_EQ(copy.slot_parser(), nullptr);
    EXPECT_EQ(copy.size(), 4 * kLargeBody);
  });
  other.join();  // would hang if either had waited for the slot
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 1);
}

TEST_F(LargeBodyLimit, AThreadThatHoldsASlotDoesNotWaitForASecondOne) {
  PaddedBody::SetLargeBodyLimit(1);
  const uint64_t waits_before = PaddedBody::GetLargeBodyStats().waits;
  PaddedBody a, b;
  a.Reserve(kLarge);
  b.Reserve(kLarge);  // same thread: over the limit rather than a deadlock
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 2);
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().waits, waits_before);
  EXPECT_NE(a.slot_parser(), nullptr);
  EXPECT_NE(a.slot_parser(), b.slot_parser());
}

TEST_F(LargeBodyLimit, ClearMoveAndDestructionGiveTheSlotBack) {
  PaddedBody::SetLargeBodyLimit(1);
  PaddedBody a;
  a.Reserve(kLarge);
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 1);
  a.Clear();
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 0);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.slot_parser(), nullptr);
  const std::string bytes(kLarge, 'c');
  a.Append(bytes.data(), bytes.size());
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 1);
  PaddedBody moved(std::move(a));
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 1);
  EXPECT_EQ(moved.view(), bytes);
  EXPECT_NE(moved.slot_parser(), nullptr);
  EXPECT_EQ(a.slot_parser(), nullptr);  // NOLINT: moved-from is empty
  moved = PaddedBody();  // the slot goes back when the buffer is dropped
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 0);
}

TEST_F(LargeBodyLimit, GrowingPastTheThresholdKeepsEveryByteAndThePadding) {
  PaddedBody::SetLargeBodyLimit(2);
  PaddedBody b;
  std::string expected;
  for (int i = 0; expected.size() <= 3 * kLargeBody; ++i) {
    const std::string chunk(16 * 1024, static_cast<char>('a' + i % 26));
    b.Append(chunk.data(), chunk.size());
    expected += chunk;
  }
  EXPECT_NE(b.slot_parser(), nullptr);
  EXPECT_EQ(b.view(), expected);
  EXPECT_EQ(std::string(b.data() + b.size(), kParsePadding),
            std::string(kParsePadding, '\0'));
}

TEST_F(LargeBodyLimit, TheSlotsParserParsesTheBodyItHolds) {
  PaddedBody::SetLargeBodyLimit(1);
  std::string json = "[";
  size_t jobs = 0;
  for (; json.size() < 2 * kLargeBody; ++jobs) {
    if (jobs > 0) json += ",";
    json += "{\"id\":\"00000000-0000-0000-0000-" +
            std::string(12 - std::to_string(jobs).size(), '0') +
            std::to_string(jobs) + "\",\"name\":\"job " + std::to_string(jobs) +
            "\"}";
  }
  json += "]";
  PaddedBody b;
  b.Append(json.data(), json.size());
  Parser* parser = b.slot_parser();
  ASSERT_NE(parser, nullptr);
  std::vector<Job> out;
  ASSERT_TRUE(parser->ParseJobs(b, &out).ok());
  ASSERT_EQ(out.size(), jobs);
  EXPECT_EQ(out.back().name, "job " + std::to_string(jobs - 1));
  EXPECT_GT(parser->MemoryUsage(), 2 * kLargeBody);  // its index, sized here
}

TEST_F(LargeBodyLimit, WhileAThreadReusesBuffersAFreedSlotIsHandedOn) {
  PaddedBody::SetLargeBodyLimit(1);
  PaddedBody::SetThreadReuse(true);
  const char* first_buffer = nullptr;
  Parser* first_parser = nullptr;
  {
    PaddedBody a;
    a.Reserve(4 * kLargeBody);
    first_buffer = a.data();
    first_parser = a.slot_parser();
  }
  PaddedBody b;
  b.Reserve(2 * kLargeBody);  // fits the kept buffer: no new allocation
  EXPECT_EQ(b.data(), first_buffer);
  EXPECT_EQ(b.slot_parser(), first_parser);
  EXPECT_GE(b.capacity(), 4 * kLargeBody);
  b = PaddedBody();
  PaddedBody::SetThreadReuse(false);  // the last reusing thread: freed
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 0);
}

TEST_F(LargeBodyLimit, WithoutALimitLargeBodiesTakeNoSlot) {
  PaddedBody::SetLargeBodyLimit(0);
  const uint64_t before = PaddedBody::GetLargeBodyStats().acquired;
  PaddedBody a, b;
  a.Reserve(kLarge);
  b.Reserve(kLarge);
  EXPECT_EQ(a.slot_parser(), nullptr);
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().acquired, before);
  EXPECT_EQ(PaddedBody::GetLargeBodyStats().in_use, 0);
}

}  // namespace
}  // namespace vb365
