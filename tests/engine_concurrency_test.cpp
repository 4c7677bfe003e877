// Redeem is linearizable per coupon: under any interleaving a coupon gives exactly its uses, a
// customer never exceeds its allowance, and holds and redemptions never share a last use. Threads
// race on the same coupons through the public API; the suites run under ThreadSanitizer too.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

constexpr int threads_count = 8;

template <typename Work>
void run_threads(Work work) {
  testing::run_on_threads(threads_count, work);
}

TEST(EngineConcurrencyTest, EightThreadsRacingOnTheSameCodesLeaveExactlyOneWinnerEach) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("race"));
  const auto codes = fixture.generate("race", 1000);
  constexpr int rounds = 100;
  // wins[code] counts successful first-time redemptions across all threads.
  std::vector<std::atomic<int>> wins(codes.size());
  std::atomic<int> unexpected{0};
  run_threads([&](int thread) {
    for (int round = 0; round < rounds; ++round) {
      for (std::size_t i = 0; i < codes.size(); ++i) {
        const std::string order = std::to_string(thread) + testing::numbered("-", round);
        const Outcome outcome = fixture.engine->redeem(request_for(codes[i], order));
        if (outcome.ok() && !outcome.replayed) {
          wins[i].fetch_add(1);
        } else if (!outcome.ok() && outcome.reason != Reason::already_redeemed) {
          unexpected.fetch_add(1);
        }
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0);
  for (std::size_t i = 0; i < codes.size(); ++i) ASSERT_EQ(wins[i].load(), 1) << codes[i];
  EXPECT_EQ(fixture.engine->find_batch("race")->stats().redeemed, codes.size());
}

TEST(EngineConcurrencyTest, MultiUseCodesAndCustomerLimitsHoldUnderRaces) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("multi");
  definition.max_uses_per_code = 5;
  definition.max_uses_per_customer = 3;
  fixture.create(definition);
  const auto codes = fixture.generate("multi", 50);
  std::atomic<int> wins{0};
  std::vector<std::atomic<int>> wins_by_code(codes.size());
  std::vector<std::atomic<int>> wins_by_customer(20);
  run_threads([&](int thread) {
    for (int round = 0; round < 20; ++round) {
      for (std::size_t i = 0; i < codes.size(); ++i) {
        const int customer = (thread * 7 + round + static_cast<int>(i)) % 20;
        const std::string order = std::to_string(thread) + testing::numbered("/", round);
        const Outcome outcome = fixture.engine->redeem(
            request_for(codes[i], order, testing::numbered("customer-", customer)));
        if (outcome.ok() && !outcome.replayed) {
          wins.fetch_add(1);
          wins_by_code[i].fetch_add(1);
          wins_by_customer[customer].fetch_add(1);
        }
      }
    }
  });
  for (auto& count : wins_by_code) EXPECT_LE(count.load(), 5);
  for (auto& count : wins_by_customer) EXPECT_EQ(count.load(), 3);  // 20 customers * 3 < 250 uses
  EXPECT_EQ(wins.load(), 60);
}

TEST(EngineConcurrencyTest, HoldsRedemptionsAndRollbacksNeverShareTheLastUse) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("mixed"));
  const auto codes = fixture.generate("mixed", 200);
  // Each thread works its own orders; a code's use may be held, confirmed, rolled back and taken
  // again. At every moment at most one order may be in force per code: checked at the end by
  // counting the orders that still hold or redeemed each code.
  std::vector<std::atomic<int>> in_force(codes.size());
  run_threads([&](int thread) {
    for (int round = 0; round < 30; ++round) {
      for (std::size_t i = 0; i < codes.size(); ++i) {
        const std::string order = testing::numbered(testing::numbered("t", thread) + "r", round);
        const auto request = request_for(codes[i], order);
        if (!fixture.engine->reserve(request, std::chrono::seconds(60)).ok()) continue;
        EXPECT_EQ(in_force[i].fetch_add(1) + 1, 1) << codes[i];
        const int plan = (round + thread) % 3;
        if (plan == 0) continue;  // keep the hold: the code stays taken
        if (plan == 2) {
          EXPECT_TRUE(fixture.engine->redeem(request).ok());  // confirm the hold first
        }
        in_force[i].fetch_sub(1);  // before the use is given back, so no one can count it twice
        EXPECT_TRUE(fixture.engine->rollback(codes[i], order).found);
      }
    }
  });
}

}  // namespace
}  // namespace coupond
