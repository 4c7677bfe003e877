// Several codes on one order (a stack): all taken or none, stacking groups respected, the order's
// amount shared out in the codes' order, one journal record per stack (a restart finds all of it),
// repeats answered as the first time, and racing stacks over shared codes never deadlock nor split
// (StackCheckoutConcurrency also runs under ThreadSanitizer).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

BatchDefinition grouped(std::string id, std::string group, Money amount = 500) {
  BatchDefinition batch = amount_off_batch(std::move(id), amount);
  batch.stacking_group = std::move(group);
  return batch;
}

CouponRequest order(std::string_view order_id, Money amount = 10'000) {
  CouponRequest request = request_for("", order_id);
  request.order.amount = amount;
  return request;
}

// One platform, one store and one shipping coupon, and a second store coupon.
struct Double11 : EngineFixture {
  Double11() {
    create(grouped("platform", "platform", 2000));
    create(grouped("store", "store", 500));
    create(grouped("shipping", "shipping", 800));
    create(grouped("store-2", "store", 300));
    platform = generate("platform", 10);
    store = generate("store", 10);
    shipping = generate("shipping", 10);
    store_2 = generate("store-2", 10);
  }
  std::vector<std::string> platform, store, shipping, store_2;
};

std::uint64_t uses_of(const Engine& engine, std::string_view batch) {
  return engine.find_batch(batch)->stats().redeemed + engine.find_batch(batch)->stats().held;
}

TEST(StackCheckoutTest, OneCouponOfEachGroupIsTakenTogetherAndARestartFindsThemAll) {
  Double11 fixture;
  const std::array<std::string_view, 3> codes{fixture.platform[0], fixture.store[0], fixture.shipping[0]};
  const StackOutcome taken = fixture.engine->redeem_stack(order("d11-1"), codes);
  ASSERT_TRUE(taken.ok()) << reason_name(taken.reason) << " at " << taken.failed;
  EXPECT_EQ(taken.discount_total, 2000 + 500 + 800);
  EXPECT_NE(taken.coupons[0].redemption_id, taken.coupons[2].redemption_id);
  const auto expect_all_taken = [&](const char* when) {
    for (const char* batch : {"platform", "store", "shipping"}) EXPECT_EQ(uses_of(*fixture.engine, batch), 1u) << when;
  };
  expect_all_taken("at once");
  ASSERT_TRUE(fixture.reopen().is_ok());
  expect_all_taken("after replaying the journal");
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  expect_all_taken("after loading a snapshot");
  // The repeat, after the restart, is the first answer again.
  const StackOutcome again = fixture.engine->redeem_stack(order("d11-1"), codes);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.discount_total, taken.discount_total);
}

TEST(StackCheckoutTest, TwoCouponsOfOneGroupOrAnExclusiveOneAreNotStackableAndNothingIsTaken) {
  Double11 fixture;
  const std::array<std::string_view, 3> two_stores{fixture.platform[0], fixture.store[0], fixture.store_2[0]};
  const StackOutcome refused = fixture.engine->redeem_stack(order("o1"), two_stores);
  EXPECT_EQ(refused.reason, Reason::not_stackable);
  EXPECT_EQ(refused.failed, 2u);
  EXPECT_EQ(uses_of(*fixture.engine, "platform"), 0u);
  fixture.create(amount_off_batch("exclusive"));
  const auto exclusive = fixture.generate("exclusive", 1);
  const std::array<std::string_view, 2> with_exclusive{fixture.platform[0], exclusive[0]};
  const StackOutcome alone = fixture.engine->redeem_stack(order("o2"), with_exclusive);
  EXPECT_EQ(alone.reason, Reason::not_stackable);
  EXPECT_EQ(alone.failed, 1u);
  // Alone on its order, an exclusive coupon is fine.
  const std::array<std::string_view, 1> just_it{exclusive[0]};
  EXPECT_TRUE(fixture.engine->redeem_stack(order("o3"), just_it).ok());
}

TEST(StackCheckoutTest, OneCodeThatCannotBeUsedRefusesTheWholeStackNamingIt) {
  Double11 fixture;
  ASSERT_TRUE(fixture.engine->redeem(request_for(fixture.shipping[0], "earlier")).ok());
  const std::array<std::string_view, 3> codes{fixture.platform[0], fixture.store[0], fixture.shipping[0]};
  const StackOutcome refused = fixture.engine->redeem_stack(order("o"), codes);
  EXPECT_EQ(refused.reason, Reason::already_redeemed);
  EXPECT_EQ(refused.failed, 2u);
  EXPECT_EQ(uses_of(*fixture.engine, "platform"), 0u);
  EXPECT_EQ(uses_of(*fixture.engine, "store"), 0u);
  const std::array<std::string_view, 2> forged{fixture.platform[1], "NOT-A-REAL-CODE"};
  EXPECT_EQ(fixture.engine->redeem_stack(order("o"), forged).reason, Reason::invalid_code);
  const std::array<std::string_view, 2> twice{fixture.platform[1], fixture.platform[1]};
  EXPECT_FALSE(fixture.engine->redeem_stack(order("o"), twice).request_error.empty());
}

TEST(StackCheckoutTest, NoCodesOrMoreThanTenAreARequestErrorForEveryStackCall) {
  Double11 fixture;
  std::vector<std::string> eleven = fixture.platform;
  eleven.push_back(fixture.store[0]);
  const std::vector<std::string_view> too_many(eleven.begin(), eleven.end());
  ASSERT_EQ(too_many.size(), codes_per_order_max + 1);
  const std::vector<std::string_view> none;
  for (const std::vector<std::string_view>& codes : {none, too_many}) {
    const std::string_view expected = "codes must hold 1 to 10 codes";
    EXPECT_EQ(fixture.engine->validate_stack(order("o"), codes).request_error, expected);
    EXPECT_EQ(fixture.engine->redeem_stack(order("o"), codes).request_error, expected);
    EXPECT_EQ(fixture.engine->reserve_stack(order("o"), codes, std::chrono::seconds(60)).request_error,
              expected);
    EXPECT_EQ(fixture.engine->rollback_stack(codes, "o", "").request_error, expected);
  }
  EXPECT_EQ(uses_of(*fixture.engine, "platform"), 0u);
}

TEST(StackCheckoutTest, TheDiscountsShareTheOrdersAmountInTheCodesOrder) {
  Double11 fixture;
  const std::array<std::string_view, 3> codes{fixture.store[0], fixture.shipping[0], fixture.platform[0]};
  const StackOutcome checked = fixture.engine->validate_stack(order("", 1500), codes);
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked.coupons[0].discount.amount, 500);
  EXPECT_EQ(checked.coupons[1].discount.amount, 800);
  EXPECT_EQ(checked.coupons[2].discount.amount, 200);
  EXPECT_EQ(checked.discount_total, 1500);
}

TEST(StackCheckoutTest, AnOrderThatTookSomeOfTheCodesAloneConflicts) {
  Double11 fixture;
  CouponRequest alone = order("o");
  alone.code = fixture.platform[0];
  ASSERT_TRUE(fixture.engine->redeem(alone).ok());
  const std::array<std::string_view, 2> codes{fixture.platform[0], fixture.store[0]};
  const StackOutcome conflict = fixture.engine->redeem_stack(order("o"), codes);
  EXPECT_EQ(conflict.reason, Reason::order_conflict);
  EXPECT_EQ(conflict.failed, 1u);
}

TEST(StackCheckoutTest, AHeldStackIsConfirmedOrGivenBackWhole) {
  Double11 fixture;
  const std::array<std::string_view, 2> codes{fixture.platform[0], fixture.store[0]};
  ASSERT_TRUE(fixture.engine->reserve_stack(order("pay"), codes, std::chrono::seconds(600)).ok());
  EXPECT_EQ(fixture.engine->find_batch("platform")->stats().held, 1u);
  const StackOutcome confirmed = fixture.engine->redeem_stack(order("pay"), codes);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_FALSE(confirmed.replayed);
  EXPECT_EQ(fixture.engine->find_batch("store")->stats().redeemed, 1u);
  const StackRollbackOutcome rolled = fixture.engine->rollback_stack(codes, "pay");
  EXPECT_EQ(rolled.reason, Reason::ok);
  EXPECT_TRUE(rolled.any_found());
  EXPECT_EQ(uses_of(*fixture.engine, "platform"), 0u);
  EXPECT_EQ(uses_of(*fixture.engine, "store"), 0u);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(uses_of(*fixture.engine, "platform"), 0u);
  EXPECT_EQ(fixture.engine->find_batch("store")->stats().rolled_back, 1u);
  EXPECT_TRUE(fixture.engine->rollback_stack(codes, "pay").coupons[1].replayed);
}

TEST(StackCheckoutTest, ABudgetThatRefusesOneCodeLeavesTheOthersRoomUntouched) {
  EngineFixture fixture;
  BatchDefinition platform = grouped("platform", "platform", 2000);
  platform.max_uses_total = 1;
  BatchDefinition store = grouped("store", "store", 500);
  store.budget_discount_max = 400;  // less than one discount
  fixture.create(platform);
  fixture.create(store);
  const auto platform_codes = fixture.generate("platform", 2);
  const auto store_codes = fixture.generate("store", 1);
  const std::array<std::string_view, 2> codes{platform_codes[0], store_codes[0]};
  const StackOutcome refused = fixture.engine->redeem_stack(order("o"), codes);
  EXPECT_EQ(refused.reason, Reason::budget_exhausted);
  EXPECT_EQ(refused.failed, 1u);
  EXPECT_EQ(fixture.engine->find_batch("platform")->campaign().uses(), 0u);
  CouponRequest alone = order("o2");
  alone.code = platform_codes[1];
  EXPECT_TRUE(fixture.engine->redeem(alone).ok());  // the platform's one use was never spent
}

TEST(StackCheckoutConcurrency, RacingStacksOverSharedCodesNeverDeadlockNorSplit) {
  EngineFixture fixture(2);  // four shards: stacks meet on them often
  fixture.create(grouped("a", "a"));
  fixture.create(grouped("b", "b"));
  const auto a = fixture.generate("a", 50);
  const auto b = fixture.generate("b", 50);
  constexpr int threads = 6;
  std::vector<std::atomic<int>> wins_a(a.size());
  std::vector<std::atomic<int>> wins_b(b.size());
  std::atomic<int> split{0};
  testing::run_on_threads(threads, [&](int thread) {
    for (int round = 0; round < 200; ++round) {
      const std::size_t i = static_cast<std::size_t>(round * 7 + thread) % a.size();
      const std::size_t j = static_cast<std::size_t>(round * 3 + thread * 5) % b.size();
      // Half the threads list the codes the other way round: the locks still come in one order.
      std::array<std::string_view, 2> codes{a[i], b[j]};
      if (thread % 2 == 1) std::swap(codes[0], codes[1]);
      const std::string order_id = std::to_string(thread) + testing::numbered("-", round);
      const StackOutcome outcome = fixture.engine->redeem_stack(order(order_id), codes);
      if (outcome.ok() && !outcome.replayed) {
        wins_a[i].fetch_add(1);
        wins_b[j].fetch_add(1);
      } else if (outcome.reason != Reason::already_redeemed) {
        split.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(split.load(), 0);
  std::uint64_t taken_a = 0;
  for (auto& wins : wins_a) {
    EXPECT_LE(wins.load(), 1);
    taken_a += static_cast<std::uint64_t>(wins.load());
  }
  std::uint64_t taken_b = 0;
  for (auto& wins : wins_b) taken_b += static_cast<std::uint64_t>(wins.load());
  // All or nothing: every stack won took one of each, and nothing else took any.
  EXPECT_EQ(taken_a, taken_b);
  EXPECT_EQ(fixture.engine->find_batch("a")->stats().redeemed, taken_a);
  EXPECT_EQ(fixture.engine->find_batch("b")->stats().redeemed, taken_b);
}

}  // namespace
}  // namespace coupond
