// Changing a live batch (Engine::update_batch, the admin API's PATCH): the new definition rules the
// decisions made after it, it is journaled and comes back after a restart whether from the journal
// or from a snapshot, and nothing already taken changes with it: a use keeps its discount and a
// rollback gives back exactly that. The fields fixed into issued coupons cannot change.
#include <gtest/gtest.h>

#include <array>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::campaign_start;
using testing::EngineFixture;
using testing::request_for;

// Strings are assigned as a std::string or a character, never as a literal: GCC 12 at -O3 reports a
// false -Wrestrict overlap in string::operator=(const char*) (see test_support.h).
Status update(EngineFixture& fixture, const BatchDefinition& definition) {
  const Batch* batch = nullptr;
  return fixture.engine->update_batch(definition.id, definition, &batch);
}

// 10% off the drinks of an order: which categories count is what the tests change.
BatchDefinition drinks_percent_batch() {
  BatchDefinition batch = amount_off_batch("drinks");
  batch.discount = {};
  batch.discount.type = DiscountType::percent_off;
  batch.discount.percent = 10;
  batch.scope.categories = {"drink"};
  return batch;
}

// 1000 of drinks and 2000 of food.
struct MixedOrder {
  std::array<OrderItem, 2> items{OrderItem{"TEA", "drink", 1000, 1}, OrderItem{"BUN", "food", 2000, 1}};
  CouponRequest request(std::string_view code, std::string_view order_id) const {
    CouponRequest request = request_for(code, order_id);
    request.order.amount = 3000;
    request.order.items = items;
    return request;
  }
};

Money discount_total(EngineFixture& fixture, std::string_view batch_id) {
  BatchReport report;
  EXPECT_TRUE(fixture.engine->batch_report(batch_id, &report).is_ok());
  return report.discount_total;
}

TEST(BatchUpdate, ExtendingValidUntilMakesAnExpiredCodeValidAgain) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  fixture.create(definition);
  const auto codes = fixture.generate("tea", 1);
  fixture.clock.set(definition.valid_until + std::chrono::hours(1));
  EXPECT_EQ(fixture.engine->validate(request_for(codes[0])).reason, Reason::expired);

  definition.valid_until += std::chrono::days(7);
  ASSERT_TRUE(update(fixture, definition).is_ok());
  EXPECT_EQ(fixture.engine->find_batch("tea")->definition().valid_until, definition.valid_until);
  EXPECT_EQ(fixture.engine->validate(request_for(codes[0])).reason, Reason::ok);
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[0], "o1")).reason, Reason::ok);
}

TEST(BatchUpdate, WhatIssuedCouponsHoldCannotChange) {
  EngineFixture fixture;
  BatchDefinition created = amount_off_batch("tea");
  created.max_uses_per_customer = 2;
  fixture.create(created);
  const std::pair<std::string, void (*)(BatchDefinition&)> changes[] = {
      {"discount cannot change", [](BatchDefinition& d) { d.discount.amount = 900; }},
      {"code cannot change", [](BatchDefinition& d) { d.code.prefix = 'X'; }},
      {"max_uses_per_code cannot change", [](BatchDefinition& d) { d.max_uses_per_code = 3; }},
      {"max_uses_per_customer cannot change to or from 0 (no limit)",
       [](BatchDefinition& d) { d.max_uses_per_customer = 0; }},
  };
  for (const auto& [message, change] : changes) {
    BatchDefinition changed = created;
    change(changed);
    const Status status = update(fixture, changed);
    EXPECT_EQ(status.code(), Status::Code::invalid_argument);
    EXPECT_EQ(status.message(), message);
  }
  BatchDefinition renamed = created;
  renamed.id = std::string("coffee");
  const Batch* batch = nullptr;
  const Status status = fixture.engine->update_batch("tea", renamed, &batch);
  EXPECT_EQ(status.message(), "id cannot change");
  EXPECT_EQ(fixture.engine->find_batch("tea")->definition(), created);

  // A limit may move while it stays a limit.
  BatchDefinition looser = created;
  looser.max_uses_per_customer = 3;
  EXPECT_TRUE(update(fixture, looser).is_ok());
}

TEST(BatchUpdate, ANewDefinitionIsCheckedLikeACreation) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  fixture.create(definition);
  definition.valid_until = definition.valid_from;
  const Status status = update(fixture, definition);
  EXPECT_EQ(status.code(), Status::Code::invalid_argument);
  EXPECT_EQ(status.message(), "valid_until must be later than valid_from");
}

TEST(BatchUpdate, AnUnknownOrRevokedBatchIsRefused) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  EXPECT_EQ(update(fixture, definition).code(), Status::Code::not_found);
  fixture.create(definition);
  std::uint64_t revoked = 0;
  ASSERT_TRUE(fixture.engine->revoke_batch("tea", &revoked).is_ok());
  definition.name = std::string("renamed");
  const Status status = update(fixture, definition);
  EXPECT_EQ(status.code(), Status::Code::failed_precondition);
  EXPECT_EQ(status.message(), "batch tea is revoked: its definition no longer changes");
}

TEST(BatchUpdate, TheNewDefinitionComesBackFromTheJournal) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  fixture.create(definition);
  const auto codes = fixture.generate("tea", 1);
  definition.valid_until += std::chrono::days(7);
  definition.name = std::string("a week more");
  ASSERT_TRUE(update(fixture, definition).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->find_batch("tea")->definition(), definition);
  fixture.clock.set(campaign_start() + std::chrono::days(3));
  EXPECT_EQ(fixture.engine->validate(request_for(codes[0])).reason, Reason::ok);
}

TEST(BatchUpdate, TheNewDefinitionComesBackFromASnapshotAndTheJournalAfterIt) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  fixture.create(definition);
  definition.valid_until += std::chrono::days(7);
  ASSERT_TRUE(update(fixture, definition).is_ok());
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->find_batch("tea")->definition(), definition);

  // A change after the snapshot is replayed over it.
  definition.name = std::string("renamed after the snapshot");
  ASSERT_TRUE(update(fixture, definition).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->find_batch("tea")->definition(), definition);
}

TEST(BatchUpdate, AUseKeepsItsDiscountAndARollbackGivesBackExactlyThat) {
  EngineFixture fixture;
  BatchDefinition definition = drinks_percent_batch();
  fixture.create(definition);
  const auto codes = fixture.generate("drinks", 2);
  const MixedOrder order;
  const Outcome before = fixture.engine->redeem(order.request(codes[0], "o1"));
  ASSERT_EQ(before.reason, Reason::ok);
  EXPECT_EQ(before.discount.amount, 100);  // 10% of the drinks

  definition.scope.categories = {"drink", "food"};
  ASSERT_TRUE(update(fixture, definition).is_ok());
  const Outcome after = fixture.engine->redeem(order.request(codes[1], "o2"));
  ASSERT_EQ(after.reason, Reason::ok);
  EXPECT_EQ(after.discount.amount, 300);  // 10% of the whole order
  EXPECT_EQ(discount_total(fixture, "drinks"), 400);

  // The first order again: the same answer as when it was taken.
  EXPECT_EQ(fixture.engine->redeem(order.request(codes[0], "o1")).discount.amount, 100);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(discount_total(fixture, "drinks"), 400);
  ASSERT_EQ(fixture.engine->rollback(codes[0], "o1").reason, Reason::ok);
  EXPECT_EQ(discount_total(fixture, "drinks"), 300);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(discount_total(fixture, "drinks"), 300);
}

TEST(BatchUpdate, ACustomerLimitChangedKeepsTheUsesAlreadyCounted) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("tea");
  definition.max_uses_per_customer = 1;
  fixture.create(definition);
  const auto codes = fixture.generate("tea", 3);
  ASSERT_EQ(fixture.engine->redeem(request_for(codes[0], "o1", "c1")).reason, Reason::ok);
  EXPECT_EQ(fixture.engine->validate(request_for(codes[1], "", "c1")).reason,
            Reason::customer_limit_reached);
  definition.max_uses_per_customer = 2;
  ASSERT_TRUE(update(fixture, definition).is_ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[1], "o2", "c1")).reason, Reason::ok);
  EXPECT_EQ(fixture.engine->validate(request_for(codes[2], "", "c1")).reason,
            Reason::customer_limit_reached);
  // A use taken under the old limit gives back its share under the new one.
  ASSERT_EQ(fixture.engine->rollback(codes[0], "o1").reason, Reason::ok);
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[2], "o3", "c1")).reason, Reason::ok);
}

}  // namespace
}  // namespace coupond
