// The pure rules: each discount type and its rounding, the validity window's edges, every scope
// dimension, and refusal of order values the API does not accept. No engine, no state.
#include "rules/rules.h"

#include <gtest/gtest.h>

#include <vector>

#include "test_support.h"

namespace coupond::rules {
namespace {

BatchDefinition batch_of(Discount discount) {
  BatchDefinition batch = testing::amount_off_batch("rules");
  batch.discount = std::move(discount);
  return batch;
}

Discount percent(int value, Money cap = 0) {
  Discount discount;
  discount.type = DiscountType::percent_off;
  discount.percent = value;
  discount.max_amount = cap;
  return discount;
}

Order order_of(std::optional<Money> amount) {
  Order order;
  order.amount = amount;
  return order;
}

Money discount_for(const BatchDefinition& batch, const Order& order) {
  DiscountResult result;
  EXPECT_EQ(compute_discount(batch, order, &result), Reason::ok);
  return result.amount;
}

TEST(RulesTest, PercentRoundsDownAndRespectsItsCaps) {
  EXPECT_EQ(discount_for(batch_of(percent(15)), order_of(999)), 149);  // 149.85
  EXPECT_EQ(discount_for(batch_of(percent(15)), order_of(1000)), 150);
  EXPECT_EQ(discount_for(batch_of(percent(33)), order_of(1)), 0);
  EXPECT_EQ(discount_for(batch_of(percent(15, 100)), order_of(999)), 100);
  EXPECT_EQ(discount_for(batch_of(percent(100)), order_of(12345)), 12345);
  EXPECT_EQ(discount_for(batch_of(percent(99)), order_of(money_max)), money_max / 100 * 99);
  DiscountResult result;
  EXPECT_EQ(compute_discount(batch_of(percent(15)), order_of(std::nullopt), &result),
            Reason::min_amount_not_met);
}

TEST(RulesTest, AmountOffNeverExceedsTheOrder) {
  Discount discount;
  discount.type = DiscountType::amount_off;
  discount.amount = 2000;
  EXPECT_EQ(discount_for(batch_of(discount), order_of(12900)), 2000);
  EXPECT_EQ(discount_for(batch_of(discount), order_of(1500)), 1500);
  EXPECT_EQ(discount_for(batch_of(discount), order_of(std::nullopt)), 2000);
}

TEST(RulesTest, ThresholdUnlocksExactlyAtItsMinimum) {
  Discount discount;
  discount.type = DiscountType::threshold;
  discount.min_amount = 10000;
  discount.amount = 2000;
  const BatchDefinition batch = batch_of(discount);
  EXPECT_EQ(discount_for(batch, order_of(10000)), 2000);
  DiscountResult result;
  EXPECT_EQ(compute_discount(batch, order_of(9999), &result), Reason::min_amount_not_met);
  EXPECT_EQ(compute_discount(batch, order_of(std::nullopt), &result), Reason::min_amount_not_met);
}

TEST(RulesTest, FreeItemNamesTheGift) {
  Discount discount;
  discount.type = DiscountType::free_item;
  discount.sku = "LATTE-L";
  discount.quantity = 2;
  const BatchDefinition batch = batch_of(discount);
  DiscountResult result;
  ASSERT_EQ(compute_discount(batch, order_of(std::nullopt), &result), Reason::ok);
  EXPECT_EQ(result.type, DiscountType::free_item);
  EXPECT_EQ(result.sku, "LATTE-L");
  EXPECT_EQ(result.quantity, 2);
  EXPECT_EQ(result.amount, 0);
}

TEST(RulesTest, WindowIsInclusiveAtTheStartAndExclusiveAtTheEnd) {
  const BatchDefinition batch = testing::amount_off_batch("w");
  const auto one = std::chrono::microseconds(1);
  EXPECT_EQ(check_window(batch, batch.valid_from - one), Reason::not_yet_valid);
  EXPECT_EQ(check_window(batch, batch.valid_from), Reason::ok);
  EXPECT_EQ(check_window(batch, batch.valid_until - one), Reason::ok);
  EXPECT_EQ(check_window(batch, batch.valid_until), Reason::expired);
}

TEST(RulesTest, ScopeRestrictsChannelStoreAndItems) {
  Scope scope;
  scope.channels = {"app", "store"};
  scope.stores = {"sh-001"};
  Order order;
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);  // channel missing
  order.channel = "web";
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);
  order.channel = "app";
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);  // store missing
  order.store = "sh-002";
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);
  order.store = "sh-001";
  EXPECT_EQ(check_scope(scope, order), Reason::ok);

  scope.categories = {"drinks"};
  scope.skus = {"CAKE-1"};
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);  // no items
  const std::vector<OrderItem> bread = {{"BREAD", "bakery", 500, 1}};
  order.items = bread;
  EXPECT_EQ(check_scope(scope, order), Reason::out_of_scope);
  const std::vector<OrderItem> cake = {{"BREAD", "bakery", 500, 1}, {"CAKE-1", "bakery", 900, 1}};
  order.items = cake;
  EXPECT_EQ(check_scope(scope, order), Reason::ok);
  const std::vector<OrderItem> latte = {{"LATTE-L", "drinks", 1500, 2}};
  order.items = latte;
  EXPECT_EQ(check_scope(scope, order), Reason::ok);
  EXPECT_EQ(check_scope(Scope{}, Order{}), Reason::ok);
}

TEST(RulesTest, ItemScopedDiscountsCountOnlyMatchingItems) {
  BatchDefinition batch = batch_of(percent(20));
  batch.scope.categories = {"drinks"};
  const std::vector<OrderItem> items = {
      {"LATTE-L", "drinks", 1500, 2}, {"BREAD", "bakery", 800, 1}, {"TEA", "drinks", 999, 1}};
  Order order = order_of(4799);
  order.items = items;
  EXPECT_EQ(eligible_amount(batch.scope, order), 3999);
  EXPECT_EQ(discount_for(batch, order), 799);  // 20% of 3999 = 799.8
}

TEST(RulesTest, EligibleSumsSaturateInsteadOfOverflowing) {
  Scope scope;
  scope.skus = {"GOLD"};
  const std::vector<OrderItem> items = {{"GOLD", "", money_max, item_quantity_max},
                                        {"GOLD", "", money_max, item_quantity_max}};
  Order order;
  order.items = items;
  EXPECT_EQ(eligible_amount(scope, order), money_max);
}

TEST(RulesTest, OrdersWithValuesTheApiRefusesAreNamed) {
  EXPECT_TRUE(check_order(order_of(0)).empty());
  EXPECT_NE(check_order(order_of(-1)).find("order.amount"), std::string_view::npos);
  EXPECT_NE(check_order(order_of(money_max + 1)).find("order.amount"), std::string_view::npos);
  Order order;
  const std::vector<OrderItem> zero = {{"A", "c", 100, 0}};
  order.items = zero;
  EXPECT_NE(check_order(order).find("quantity"), std::string_view::npos);
  const std::vector<OrderItem> negative = {{"A", "c", -5, 1}};
  order.items = negative;
  EXPECT_NE(check_order(order).find("price"), std::string_view::npos);
  const std::vector<OrderItem> many(order_items_max + 1, OrderItem{"A", "c", 1, 1});
  order.items = many;
  EXPECT_NE(check_order(order).find("items"), std::string_view::npos);
  const std::string long_channel(scope_entry_length_max + 1, 'c');
  Order channel;
  channel.channel = long_channel;
  EXPECT_NE(check_order(channel).find("order.channel"), std::string_view::npos);
}

// 2026-11-16 is a Monday; t(day, hour, minute) is that week's time in UTC.
Timestamp utc(int day, int hour, int minute) {
  using namespace std::chrono;
  return Timestamp(duration_cast<microseconds>(
      (sys_days(year(2026) / 11 / day) + hours(hour) + minutes(minute)).time_since_epoch()));
}

TEST(RulesTest, AScheduleIsReadInItsOwnOffsetWithEachRangeEndingBeforeItsUntil) {
  Schedule afternoons;  // weekdays 14:00-17:00 at +08:00
  afternoons.utc_offset_minutes = 8 * 60;
  afternoons.weekdays = 0x1f;
  afternoons.hours = {{14 * 60, 17 * 60}};
  EXPECT_EQ(check_schedule(afternoons, utc(16, 6, 0)), Reason::ok);                 // Mon 14:00
  EXPECT_EQ(check_schedule(afternoons, utc(16, 5, 59)), Reason::outside_schedule);  // Mon 13:59
  EXPECT_EQ(check_schedule(afternoons, utc(16, 8, 59)), Reason::ok);                // Mon 16:59
  EXPECT_EQ(check_schedule(afternoons, utc(16, 9, 0)), Reason::outside_schedule);   // Mon 17:00
  EXPECT_EQ(check_schedule(afternoons, utc(21, 6, 30)), Reason::outside_schedule);  // Sat 14:30
  // Sunday 20:00 UTC is already Monday 04:00 at +08:00: the day is the local one.
  Schedule mondays;
  mondays.utc_offset_minutes = 8 * 60;
  mondays.weekdays = 0x01;
  EXPECT_EQ(check_schedule(mondays, utc(15, 20, 0)), Reason::ok);
  EXPECT_EQ(check_schedule(mondays, utc(15, 15, 59)), Reason::outside_schedule);
  // West of UTC, and a range to the end of the day.
  Schedule evenings;
  evenings.utc_offset_minutes = -5 * 60;
  evenings.hours = {{22 * 60, 24 * 60}};
  EXPECT_EQ(check_schedule(evenings, utc(17, 4, 59)), Reason::ok);                 // 23:59 local
  EXPECT_EQ(check_schedule(evenings, utc(17, 5, 0)), Reason::outside_schedule);   // 00:00 local
}

}  // namespace
}  // namespace coupond::rules
