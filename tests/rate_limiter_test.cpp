// The rate limiter behind rate_limited: each id counted apart, the allowance back when the minute
// turns (time is handed in, so the tests stand on the minute's edge), memory fixed whatever ids are
// invented, the oldest id giving way to a new one, and counts from many threads kept whole.
#include "api/rate_limiter.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace coupond::api {
namespace {

using namespace std::chrono;
using Clock = RateLimiter::Clock;

// 2026-11-11T12:00:00Z, the start of a minute.
const Clock::time_point noon =
    Clock::time_point(sys_days(year(2026) / 11 / 11).time_since_epoch() + hours(12));

void record(RateLimiter& limiter, std::string_view id, int times, Clock::time_point at) {
  for (int i = 0; i < times; ++i) limiter.record_bad_code(id, at);
}

TEST(RateLimiterTest, SipHashMatchesTheReferenceVectors) {
  // The SipHash paper's key 00 01 .. 0f; messages of 0 and 15 bytes 00 01 ...
  const HashKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  EXPECT_EQ(siphash24(key, ""), 0x726fdb47dd0e0e31ULL);
  std::string fifteen;
  for (char c = 0; c < 15; ++c) fifteen.push_back(c);
  EXPECT_EQ(siphash24(key, fifteen), 0xa129ca6149be45e5ULL);
  EXPECT_NE(siphash24(random_hash_key(), fifteen), siphash24(random_hash_key(), fifteen));
}

TEST(RateLimiterTest, EachIdIsCountedApart) {
  RateLimiter limiter(3, 1024);
  record(limiter, "mallory", 2, noon);
  EXPECT_TRUE(limiter.allows("mallory", noon));
  record(limiter, "mallory", 1, noon + seconds(1));
  EXPECT_FALSE(limiter.allows("mallory", noon + seconds(2)));
  EXPECT_TRUE(limiter.allows("alice", noon + seconds(2)));
  record(limiter, "alice", 2, noon + seconds(2));
  EXPECT_TRUE(limiter.allows("alice", noon + seconds(3)));
}

TEST(RateLimiterTest, TheAllowanceComesBackWhenTheMinuteTurns) {
  RateLimiter limiter(3, 1024);
  record(limiter, "mallory", 3, noon + seconds(59));
  EXPECT_FALSE(limiter.allows("mallory", noon + milliseconds(59'999)));
  EXPECT_TRUE(limiter.allows("mallory", noon + minutes(1)));
  // A new minute counts from zero.
  record(limiter, "mallory", 2, noon + minutes(1));
  EXPECT_TRUE(limiter.allows("mallory", noon + minutes(1)));
  record(limiter, "mallory", 1, noon + minutes(1));
  EXPECT_FALSE(limiter.allows("mallory", noon + minutes(1)));
}

TEST(RateLimiterTest, MemoryStaysBoundedWhateverIdsAreInvented) {
  RateLimiter limiter(3, 1000);
  EXPECT_EQ(limiter.capacity(), 1024u);
  for (int i = 0; i < 100'000; ++i) limiter.record_bad_code(testing::numbered("guess-", i), noon);
  EXPECT_EQ(limiter.capacity(), 1024u);
  EXPECT_LE(limiter.tracked(noon), limiter.capacity());
  EXPECT_GT(limiter.tracked(noon), limiter.capacity() / 2);  // the table is used, not bypassed
  EXPECT_EQ(limiter.tracked(noon + minutes(1)), 0u);         // earlier minutes count for nothing
}

TEST(RateLimiterTest, TheOldestIdGivesWayToANewOne) {
  // One set of RateLimiter::ways entries: every id lands in it, whatever its hash.
  RateLimiter limiter(1, RateLimiter::ways);
  ASSERT_EQ(limiter.capacity(), RateLimiter::ways);
  for (std::size_t i = 0; i < RateLimiter::ways; ++i) {
    limiter.record_bad_code(testing::numbered("id-", i), noon + seconds(i));
  }
  // id-0 erred again last: id-1 is now the oldest.
  limiter.record_bad_code("id-0", noon + seconds(30));
  limiter.record_bad_code("newcomer", noon + seconds(31));
  EXPECT_TRUE(limiter.allows("id-1", noon + seconds(32)));  // forgotten
  EXPECT_FALSE(limiter.allows("id-0", noon + seconds(32)));
  EXPECT_FALSE(limiter.allows("newcomer", noon + seconds(32)));
  for (std::size_t i = 2; i < RateLimiter::ways; ++i) {
    EXPECT_FALSE(limiter.allows(testing::numbered("id-", i), noon + seconds(32))) << i;
  }
  EXPECT_EQ(limiter.tracked(noon + seconds(32)), RateLimiter::ways);
}

TEST(RateLimiterTest, ZeroTurnsItOffAndAnEmptyIdIsNeverLimited) {
  RateLimiter off(0, 64);
  record(off, "mallory", 100, noon);
  EXPECT_TRUE(off.allows("mallory", noon));
  RateLimiter on(1, 64);
  record(on, "", 5, noon);
  EXPECT_TRUE(on.allows("", noon));
  EXPECT_EQ(on.tracked(noon), 0u);
}

TEST(RateLimiterConcurrencyTest, CountsFromManyThreadsAreNotLost) {
  constexpr int threads_count = 4;
  constexpr int per_thread = 250;
  RateLimiter limiter(threads_count * per_thread, 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_count; ++t) {
    threads.emplace_back([&limiter, t] {
      for (int i = 0; i < per_thread; ++i) {
        limiter.record_bad_code("shared", noon);
        limiter.record_bad_code(testing::numbered("own-", t), noon);
        (void)limiter.allows("shared", noon);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_FALSE(limiter.allows("shared", noon));  // every one of the 1000 counted
  limiter.record_bad_code("other", noon);
  EXPECT_TRUE(limiter.allows("other", noon));
}

}  // namespace
}  // namespace coupond::api
