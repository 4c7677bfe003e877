// A batch's money totals are exact, or stop at the largest Money, but never wrap: a shard's tally
// of thousands of orders of 10^15, the sum of the shards' tallies, and both after a rollback and a
// restart from a snapshot.
#include <gtest/gtest.h>

#include <limits>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

constexpr Money largest_money = std::numeric_limits<Money>::max();

// Redeems code uses times, for orders "<prefix>-0" on, each of amount money_max.
void redeem_largest_orders(Engine& engine, const std::string& code, const std::string& prefix,
                           int uses) {
  for (int i = 0; i < uses; ++i) {
    const std::string order_id = prefix + testing::numbered("-", i);
    CouponRequest request = request_for(code, order_id);
    request.order.amount = money_max;
    const Outcome outcome = engine.redeem(request);
    ASSERT_TRUE(outcome.ok()) << i << " " << reason_name(outcome.reason) << outcome.request_error;
  }
}

BatchReport report(Engine& engine, std::string_view batch) {
  BatchReport out;
  EXPECT_TRUE(engine.batch_report(batch, &out).is_ok());
  return out;
}

TEST(StatsTotalsTest, OneShardsTallyPastTheLargestMoneySaturatesAndStaysExactUnderneath) {
  EngineFixture fixture(/*shard_bits=*/0);
  BatchDefinition definition = amount_off_batch("big");
  definition.max_uses_per_code = 10'000;
  fixture.create(definition);
  const std::string code = fixture.generate("big", 1).front();
  redeem_largest_orders(*fixture.engine, code, "o", 9'400);

  const BatchReport past = report(*fixture.engine, "big");
  EXPECT_EQ(past.counts.redeemed, 9'400u);
  EXPECT_EQ(past.order_amount_total, largest_money);  // 9.4 x 10^18 does not fit: it stops there
  EXPECT_EQ(past.discount_total, 9'400 * 500);

  // The tally itself never lost a unit: taking 400 back lands exactly on 9 x 10^18.
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(fixture.engine->rollback(code, testing::numbered("o-", i)).found);
  }
  EXPECT_EQ(report(*fixture.engine, "big").order_amount_total, 9'000 * money_max);

  redeem_largest_orders(*fixture.engine, code, "p", 400);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(report(*fixture.engine, "big").order_amount_total, largest_money);
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(fixture.engine->rollback(code, testing::numbered("p-", i)).found);
  }
  EXPECT_EQ(report(*fixture.engine, "big").order_amount_total, 9'000 * money_max);
}

TEST(StatsTotalsTest, TheSumOverShardsSaturatesWhereEachShardFits) {
  EngineFixture fixture(/*shard_bits=*/4);
  BatchDefinition definition = amount_off_batch("spread");
  definition.max_uses_per_code = 100;
  fixture.create(definition);
  // 94 codes of 100 uses over 16 shards: each shard holds a few codes, far below the largest
  // Money, while the batch's total is 9.4 x 10^18.
  const auto codes = fixture.generate("spread", 94);
  for (std::size_t c = 0; c < codes.size(); ++c) {
    redeem_largest_orders(*fixture.engine, codes[c], testing::numbered("o", c), 100);
  }
  EXPECT_EQ(report(*fixture.engine, "spread").order_amount_total, largest_money);
  for (int i = 0; i < 100; ++i) {
    for (std::size_t c = 0; c < 4; ++c) {
      ASSERT_TRUE(
          fixture.engine->rollback(codes[c], testing::numbered(testing::numbered("o", c) + "-", i))
              .found);
    }
  }
  EXPECT_EQ(report(*fixture.engine, "spread").order_amount_total, 9'000 * money_max);
}

}  // namespace
}  // namespace coupond
