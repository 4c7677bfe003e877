// A batch's campaign limits in the engine: the sold-out cap and the discount budget are exact
// (never one use nor one minor unit over), holds count until they lapse or are confirmed, a
// rollback gives the room back, and the figures are the same after a restart from the journal or
// from a snapshot. The weekly schedule refuses outside its hours. The races run under
// ThreadSanitizer too (CampaignLimitsConcurrency).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::numbered;
using testing::request_for;

CouponRequest order_request(std::string_view code, std::string_view order_id, Money amount) {
  CouponRequest request = request_for(code, order_id);
  request.order.amount = amount;
  return request;
}

// A use found and given back now.
bool gave_back(const RollbackOutcome& outcome) {
  return outcome.reason == Reason::ok && outcome.found && !outcome.replayed && !outcome.forbidden;
}

// 10% off, so that each order's discount is a tenth of its amount.
BatchDefinition percent_batch(std::string id) {
  BatchDefinition batch = amount_off_batch(std::move(id));
  batch.discount.type = DiscountType::percent_off;
  batch.discount.percent = 10;
  return batch;
}

TEST(CampaignLimitsTest, ACapAdmitsExactlyItsUsesAndARollbackGivesOneBack) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("cap");
  definition.max_uses_total = 3;
  fixture.create(definition);
  const auto codes = fixture.generate("cap", 5);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fixture.engine->redeem(request_for(codes[i], numbered("o", i))).ok());
  EXPECT_EQ(fixture.engine->validate(request_for(codes[3])).reason, Reason::sold_out);
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[3], "o3")).reason, Reason::sold_out);
  ASSERT_TRUE(gave_back(fixture.engine->rollback(codes[0], "o0")));
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[3], "o3")).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[4], "o4")).reason, Reason::sold_out);
  EXPECT_EQ(fixture.engine->find_batch("cap")->campaign().uses(), 3u);
}

TEST(CampaignLimitsTest, ABudgetIsNeverPassedByOneMinorUnit) {
  EngineFixture fixture;
  BatchDefinition definition = percent_batch("budget");
  definition.budget_discount_max = 1000;
  fixture.create(definition);
  const auto codes = fixture.generate("budget", 6);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(fixture.engine->redeem(order_request(codes[i], numbered("o", i), 3000)).ok());
  }
  // 900 spent: 110 would pass the budget by 10, 100 meets it exactly.
  EXPECT_EQ(fixture.engine->redeem(order_request(codes[3], "o3", 1100)).reason, Reason::budget_exhausted);
  EXPECT_EQ(fixture.engine->validate(order_request(codes[3], "", 1010)).reason, Reason::budget_exhausted);
  EXPECT_TRUE(fixture.engine->redeem(order_request(codes[3], "o3", 1000)).ok());
  EXPECT_EQ(fixture.engine->redeem(order_request(codes[4], "o4", 10)).reason, Reason::budget_exhausted);
  EXPECT_EQ(fixture.engine->find_batch("budget")->stats().discount_in_force, 1000);
  ASSERT_TRUE(gave_back(fixture.engine->rollback(codes[0], "o0")));
  EXPECT_TRUE(fixture.engine->redeem(order_request(codes[4], "o4", 3000)).ok());
}

TEST(CampaignLimitsTest, AHoldCountsUntilItLapses) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("held");
  definition.max_uses_total = 1;
  fixture.create(definition);
  const auto codes = fixture.generate("held", 2);
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[0], "paying"), std::chrono::seconds(60)).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[1], "other")).reason, Reason::sold_out);
  fixture.clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(fixture.engine->lapse_due_holds(), 1u);
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[1], "other")).ok());
}

TEST(CampaignLimitsTest, ConfirmingAHoldTakesNoFurtherRoom) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("confirm", 400);
  definition.max_uses_total = 1;
  definition.budget_discount_max = 400;
  fixture.create(definition);
  const auto codes = fixture.generate("confirm", 1);
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[0], "o"), std::chrono::seconds(60)).ok());
  const Outcome confirmed = fixture.engine->redeem(request_for(codes[0], "o"));
  EXPECT_TRUE(confirmed.ok()) << reason_name(confirmed.reason);
  EXPECT_EQ(fixture.engine->find_batch("confirm")->campaign().uses(), 1u);
  EXPECT_EQ(fixture.engine->find_batch("confirm")->campaign().discount(), 400);
}

TEST(CampaignLimitsTest, ARefusalByTheCapLeavesTheCustomersAllowance) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("allowance");
  definition.max_uses_total = 1;
  definition.max_uses_per_customer = 1;
  fixture.create(definition);
  const auto codes = fixture.generate("allowance", 2);
  ASSERT_TRUE(fixture.engine->redeem(request_for(codes[0], "first", "alice")).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[1], "second", "bob")).reason, Reason::sold_out);
  ASSERT_TRUE(gave_back(fixture.engine->rollback(codes[0], "first")));
  // Bob's refused attempt took nothing of his allowance.
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[1], "second", "bob")).ok());
}

TEST(CampaignLimitsTest, TheFiguresAreTheSameAfterARestartFromTheJournalAndFromASnapshot) {
  EngineFixture fixture;
  BatchDefinition definition = percent_batch("restart");
  definition.max_uses_total = 4;
  definition.budget_discount_max = 1000;
  fixture.create(definition);
  const auto codes = fixture.generate("restart", 8);
  ASSERT_TRUE(fixture.engine->redeem(order_request(codes[0], "a", 3000)).ok());
  ASSERT_TRUE(fixture.engine->reserve(order_request(codes[1], "b", 2000), std::chrono::seconds(600)).ok());
  ASSERT_TRUE(fixture.engine->redeem(order_request(codes[2], "c", 4000)).ok());
  ASSERT_TRUE(gave_back(fixture.engine->rollback(codes[2], "c")));
  const auto expect_figures = [&](const char* when) {
    const Batch* batch = fixture.engine->find_batch("restart");
    ASSERT_NE(batch, nullptr) << when;
    EXPECT_EQ(batch->campaign().uses(), 2u) << when;
    EXPECT_EQ(batch->campaign().discount(), 500) << when;
    ASSERT_TRUE(batch->definition().schedule == std::nullopt) << when;
    EXPECT_EQ(batch->definition().max_uses_total, 4u) << when;
    EXPECT_EQ(batch->definition().budget_discount_max, 1000) << when;
  };
  ASSERT_TRUE(fixture.reopen().is_ok());
  expect_figures("after replaying the journal");
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  expect_figures("after loading the snapshot");
  // 500 spent: a 510 discount passes the budget, 500 meets it.
  EXPECT_EQ(fixture.engine->redeem(order_request(codes[3], "d", 5100)).reason, Reason::budget_exhausted);
  EXPECT_TRUE(fixture.engine->redeem(order_request(codes[3], "d", 5000)).ok());
}

TEST(CampaignLimitsTest, ACapAddedToALiveBatchCountsTheUsesAlreadyInForce) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("live"));
  const auto codes = fixture.generate("live", 4);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(fixture.engine->redeem(request_for(codes[i], numbered("o", i))).ok());
  BatchDefinition capped = fixture.engine->find_batch("live")->definition();
  capped.max_uses_total = 3;
  const Batch* updated = nullptr;
  ASSERT_TRUE(fixture.engine->update_batch("live", capped, &updated).is_ok());
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[2], "o2")).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[3], "o3")).reason, Reason::sold_out);
  ASSERT_TRUE(fixture.reopen().is_ok());  // the cap is journaled with the change
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[3], "o3")).reason, Reason::sold_out);
}

TEST(CampaignLimitsTest, AScheduleRefusesOutsideItsHoursAndItsDays) {
  EngineFixture fixture;  // the clock stands at Wednesday 2026-11-11 01:00 UTC, 09:00 at +08:00
  BatchDefinition definition = amount_off_batch("lunch");
  Schedule lunch;
  lunch.utc_offset_minutes = 8 * 60;
  lunch.weekdays = 0x1f;  // Monday to Friday
  lunch.hours = {{11 * 60, 14 * 60}};
  definition.schedule = lunch;
  fixture.create(definition);
  const auto codes = fixture.generate("lunch", 1);
  EXPECT_EQ(fixture.engine->validate(request_for(codes[0])).reason, Reason::outside_schedule);
  fixture.clock.advance(std::chrono::hours(2));  // 11:00 local
  EXPECT_TRUE(fixture.engine->validate(request_for(codes[0])).ok());
  ASSERT_TRUE(fixture.reopen().is_ok());  // the schedule is journaled with its batch
  fixture.clock.advance(std::chrono::hours(3));  // 14:00 local: the range has ended
  EXPECT_EQ(fixture.engine->validate(request_for(codes[0])).reason, Reason::outside_schedule);
}

constexpr int threads_count = 8;

template <typename Work>
void run_threads(Work work) {
  testing::run_on_threads(threads_count, work);
}

// Every thread redeems its own share of a batch's codes, all at once; returns how many won.
int race(EngineFixture& fixture, const std::vector<std::string>& codes, Money amount,
         std::string_view round) {
  std::atomic<int> wins{0};
  std::atomic<int> unexpected{0};
  run_threads([&](int thread) {
    for (std::size_t i = static_cast<std::size_t>(thread); i < codes.size(); i += threads_count) {
      std::string order(round);
      order += codes[i];
      const Outcome outcome = fixture.engine->redeem(order_request(codes[i], order, amount));
      if (outcome.ok() && !outcome.replayed) {
        wins.fetch_add(1);
      } else if (outcome.reason != Reason::sold_out && outcome.reason != Reason::budget_exhausted &&
                 outcome.reason != Reason::already_redeemed) {
        unexpected.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0);
  return wins.load();
}

TEST(CampaignLimitsConcurrency, EightThreadsRacingOverACappedBatchTakeExactlyItsCap) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("race-cap");
  definition.max_uses_total = 100;
  fixture.create(definition);
  const auto codes = fixture.generate("race-cap", 1000);
  EXPECT_EQ(race(fixture, codes, 1000, "first-"), 100);
  // Twenty uses given back make room for exactly twenty more.
  int given_back = 0;
  for (const std::string& code : codes) {
    if (given_back < 20 && gave_back(fixture.engine->rollback(code, "first-" + code))) ++given_back;
  }
  ASSERT_EQ(given_back, 20);
  EXPECT_EQ(race(fixture, codes, 1000, "second-"), 20);
  EXPECT_EQ(fixture.engine->find_batch("race-cap")->campaign().uses(), 100u);
}

TEST(CampaignLimitsConcurrency, EightThreadsRacingOverABudgetSpendItExactly) {
  EngineFixture fixture;
  BatchDefinition definition = percent_batch("race-budget");
  definition.budget_discount_max = 7 * 300 + 50;  // seven 300 discounts, and 50 left over
  fixture.create(definition);
  const auto codes = fixture.generate("race-budget", 400);
  EXPECT_EQ(race(fixture, codes, 3000, "big-"), 7);
  // What is left admits five discounts of 10, not six.
  EXPECT_EQ(race(fixture, codes, 100, "small-"), 5);
  EXPECT_EQ(fixture.engine->find_batch("race-budget")->campaign().discount(), 7 * 300 + 50);
}

}  // namespace
}  // namespace coupond
