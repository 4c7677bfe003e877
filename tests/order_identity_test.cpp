// An order id names one order: a redeem or reserve that repeats an order id already holding or
// redeeming a code answers its first result only when it is the same order (same customer, same
// amount); under another customer or amount it is an order_conflict, and takes nothing. What a use
// records of its taker survives a restart, and only batches that limit uses per customer count it
// against the customer.
#include <gtest/gtest.h>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

CouponRequest order(std::string_view code, std::string_view order_id, std::string_view customer,
                    std::optional<Money> amount) {
  CouponRequest request = request_for(code, order_id, customer);
  request.order.amount = amount;
  return request;
}

TEST(OrderIdentityTest, AnOrderIdUnderAnotherCustomerOrAmountIsAConflict) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const std::string code = fixture.generate("b1", 1).front();
  const Outcome first = fixture.engine->redeem(order(code, "o-1", "alice", 12'900));
  ASSERT_TRUE(first.ok());

  const Outcome other_customer = fixture.engine->redeem(order(code, "o-1", "bob", 12'900));
  EXPECT_EQ(other_customer.reason, Reason::order_conflict);
  EXPECT_FALSE(other_customer.replayed);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "alice", 13'000)).reason,
            Reason::order_conflict);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "alice", std::nullopt)).reason,
            Reason::order_conflict);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "", 12'900)).reason, Reason::order_conflict);

  const Outcome replay = fixture.engine->redeem(order(code, "o-1", "alice", 12'900));
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.redemption_id, first.redemption_id);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().redeemed, 1u);
}

TEST(OrderIdentityTest, AnOrderWithoutCustomerReplaysOnlyWithoutCustomer) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const std::string code = fixture.generate("b1", 1).front();
  ASSERT_TRUE(fixture.engine->redeem(order(code, "o-1", "", std::nullopt)).ok());
  EXPECT_TRUE(fixture.engine->redeem(order(code, "o-1", "", std::nullopt)).replayed);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "alice", std::nullopt)).reason,
            Reason::order_conflict);
}

TEST(OrderIdentityTest, AHoldIsNeitherReplayedNorConfirmedForAnotherOrder) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const std::string code = fixture.generate("b1", 1).front();
  const auto ttl = std::chrono::seconds(900);
  const Outcome hold = fixture.engine->reserve(order(code, "o-1", "alice", 5'000), ttl);
  ASSERT_TRUE(hold.ok());
  EXPECT_EQ(fixture.engine->reserve(order(code, "o-1", "alice", 6'000), ttl).reason,
            Reason::order_conflict);
  EXPECT_EQ(fixture.engine->reserve(order(code, "o-1", "bob", 5'000), ttl).reason,
            Reason::order_conflict);
  // A redeem under another customer does not confirm the hold.
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "bob", 5'000)).reason,
            Reason::order_conflict);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 1u);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().redeemed, 0u);
  EXPECT_TRUE(fixture.engine->reserve(order(code, "o-1", "alice", 5'000), ttl).replayed);
  const Outcome confirmed = fixture.engine->redeem(order(code, "o-1", "alice", 5'000));
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ(confirmed.redemption_id, hold.redemption_id);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().redeemed, 1u);
}

TEST(OrderIdentityTest, MultiUseCodesFindTheOrderThroughTheirIndex) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("multi");
  definition.max_uses_per_code = 5;
  fixture.create(definition);
  const std::string code = fixture.generate("multi", 1).front();
  ASSERT_TRUE(fixture.engine->redeem(order(code, "o-1", "alice", 100)).ok());
  ASSERT_TRUE(fixture.engine->redeem(order(code, "o-2", "bob", 200)).ok());
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-1", "bob", 100)).reason, Reason::order_conflict);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-2", "bob", 100)).reason, Reason::order_conflict);
  EXPECT_TRUE(fixture.engine->redeem(order(code, "o-2", "bob", 200)).replayed);
  EXPECT_EQ(fixture.engine->find_batch("multi")->stats().redeemed, 2u);
}

TEST(OrderIdentityTest, AfterARollbackTheOrderIdMayTakeTheCodeAgainAsANewOrder) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const std::string code = fixture.generate("b1", 1).front();
  ASSERT_TRUE(fixture.engine->redeem(order(code, "o-1", "alice", 100)).ok());
  ASSERT_TRUE(fixture.engine->rollback(code, "o-1").found);
  const Outcome again = fixture.engine->redeem(order(code, "o-1", "alice", 250));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again.replayed);
}

TEST(OrderIdentityTest, TheTakerIsKnownAfterARestartFromTheJournalAndFromASnapshot) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 2);
  ASSERT_TRUE(fixture.engine->redeem(order(codes[0], "o-1", "alice", 100)).ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->redeem(order(codes[0], "o-1", "bob", 100)).reason,
            Reason::order_conflict);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[0], "o-1", "alice", 100)).replayed);
  ASSERT_TRUE(fixture.engine->redeem(order(codes[1], "o-2", "carol", 300)).ok());
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->redeem(order(codes[1], "o-2", "alice", 300)).reason,
            Reason::order_conflict);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[1], "o-2", "carol", 300)).replayed);
}

TEST(OrderIdentityTest, OnlyLimitedBatchesCountTheTakerAgainstItsAllowance) {
  EngineFixture fixture;
  BatchDefinition limited = amount_off_batch("limited");
  limited.max_uses_per_customer = 1;
  fixture.create(limited);
  fixture.create(amount_off_batch("open"));
  const auto limited_codes = fixture.generate("limited", 3);
  const auto open_codes = fixture.generate("open", 2);
  // In a batch without a limit the taker is recorded but nothing is counted against it.
  ASSERT_TRUE(fixture.engine->redeem(order(open_codes[0], "o-1", "alice", 100)).ok());
  ASSERT_TRUE(fixture.engine->redeem(order(open_codes[1], "o-2", "alice", 100)).ok());
  ASSERT_TRUE(fixture.engine->rollback(open_codes[0], "o-1").found);
  // In a limited batch the allowance is taken, given back by a rollback, and both hold after a
  // restart from a snapshot and from the journal.
  ASSERT_TRUE(fixture.engine->redeem(order(limited_codes[0], "o-3", "alice", 100)).ok());
  EXPECT_EQ(fixture.engine->redeem(order(limited_codes[1], "o-4", "alice", 100)).reason,
            Reason::customer_limit_reached);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->redeem(order(limited_codes[1], "o-4", "alice", 100)).reason,
            Reason::customer_limit_reached);
  ASSERT_TRUE(fixture.engine->rollback(limited_codes[0], "o-3").found);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_TRUE(fixture.engine->redeem(order(limited_codes[1], "o-4", "alice", 100)).ok());
  EXPECT_EQ(fixture.engine->redeem(order(limited_codes[2], "o-5", "alice", 100)).reason,
            Reason::customer_limit_reached);
}

}  // namespace
}  // namespace coupond
