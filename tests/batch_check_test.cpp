// Batch definitions: a good one passes, and each bad field is refused with a message naming it,
// as the admin API's 400 answer must.
#include <gtest/gtest.h>

#include <functional>

#include "coupond/batch.h"
#include "test_support.h"

namespace coupond {
namespace {

void expect_refused(const std::function<void(BatchDefinition&)>& spoil, std::string_view field) {
  BatchDefinition batch = testing::amount_off_batch("good-batch_1.x");
  spoil(batch);
  const Status status = check_batch_definition(batch);
  EXPECT_EQ(status.code(), Status::Code::invalid_argument) << field;
  EXPECT_EQ(status.message().rfind(field, 0), 0u) << status.message();
}

TEST(BatchCheckTest, AGoodDefinitionPasses) {
  EXPECT_TRUE(check_batch_definition(testing::amount_off_batch("d11-100-20")).is_ok());
}

TEST(BatchCheckTest, EveryBadFieldIsNamed) {
  expect_refused([](auto& b) { b.id = ""; }, "id");
  expect_refused([](auto& b) { b.id = std::string(65, 'a'); }, "id");
  expect_refused([](auto& b) { b.id = "has space"; }, "id");
  expect_refused([](auto& b) { b.name = std::string(257, 'n'); }, "name");
  expect_refused([](auto& b) { b.discount.amount = 0; }, "discount.amount");
  expect_refused([](auto& b) { b.discount.amount = money_max + 1; }, "discount.amount");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::percent_off;
    b.discount.percent = 0;
  }, "discount.percent");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::percent_off;
    b.discount.percent = 101;
  }, "discount.percent");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::percent_off;
    b.discount.percent = 10;
    b.discount.max_amount = -1;
  }, "discount.max_amount");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::threshold;
    b.discount.min_amount = 0;
  }, "discount.min_amount");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::threshold;
    b.discount.min_amount = 1000;
    b.discount.amount = 2000;
  }, "discount.amount");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::free_item;
    b.discount.quantity = 1;
  }, "discount.sku");
  expect_refused([](auto& b) {
    b.discount.type = DiscountType::free_item;
    b.discount.sku = "TEA";
    b.discount.quantity = 0;
  }, "discount.quantity");
  expect_refused([](auto& b) { b.valid_until = b.valid_from; }, "valid_until");
  expect_refused([](auto& b) { b.max_uses_per_code = 0; }, "max_uses_per_code");
  expect_refused([](auto& b) { b.max_uses_per_code = uses_per_code_max + 1; }, "max_uses_per_code");
  expect_refused([](auto& b) { b.max_uses_per_customer = uses_per_customer_max + 1; },
                 "max_uses_per_customer");
  expect_refused([](auto& b) { b.scope.channels = {""}; }, "scope.channels");
  expect_refused([](auto& b) { b.scope.skus = std::vector<std::string>(scope_entries_max + 1, "A"); },
                 "scope.skus");
  expect_refused([](auto& b) { b.code.prefix = "D-11"; }, "code.prefix");
  expect_refused([](auto& b) { b.code.prefix = std::string(17, 'D'); }, "code.prefix");
  expect_refused([](auto& b) { b.code.tag_bits = tag_bits_min - 1; }, "code.tag_bits");
  expect_refused([](auto& b) { b.code.tag_bits = tag_bits_max + 1; }, "code.tag_bits");
  expect_refused([](auto& b) { b.code.group_size = 17; }, "code.group_size");
  expect_refused([](auto& b) { b.code.format = static_cast<CodeFormat>(2); }, "code.format");
  expect_refused([](auto& b) { b.code.format = CodeFormat::compact; }, "code.tag_bits");
}

// The prefix is printed as written, so a refusal quotes it; a look-alike is no reason to refuse.
TEST(BatchCheckTest, APrefixIsKeptOrRefusedByName) {
  expect_refused([](auto& b) { b.code.prefix = "D-11"; }, "code.prefix \"D-11\" cannot be part");
  expect_refused([](auto& b) { b.code.prefix = std::string(17, 'D'); },
                 "code.prefix \"DDDDDDDDDDDDDDDDD\" is 17 characters");
  BatchDefinition batch = testing::amount_off_batch("latte");
  batch.code.prefix.assign("LAT");
  EXPECT_TRUE(check_batch_definition(batch).is_ok());
  batch.code.format = CodeFormat::compact;
  batch.code.tag_bits = compact_tag_bits;
  EXPECT_TRUE(check_batch_definition(batch).is_ok());
}

TEST(BatchCheckTest, BadCampaignLimitsAreNamed) {
  expect_refused([](auto& b) { b.max_uses_total = uses_total_max + 1; }, "max_uses_total");
  expect_refused([](auto& b) { b.budget_discount_max = money_max + 1; }, "budget.discount_max");
  expect_refused([](auto& b) { b.budget_discount_max = -1; }, "budget.discount_max");
  expect_refused([](auto& b) { b.stacking_group = std::string(65, 's'); }, "stacking.group");
  expect_refused([](auto& b) { b.schedule = Schedule{15 * 60, 0x7f, {}}; }, "schedule.time_zone");
  expect_refused([](auto& b) { b.schedule = Schedule{0, 0, {}}; }, "schedule.weekdays");
  expect_refused([](auto& b) { b.schedule = Schedule{0, 0x7f, {{600, 600}}}; }, "schedule.hours");
  expect_refused([](auto& b) { b.schedule = Schedule{0, 0x7f, {{600, 24 * 60 + 1}}}; }, "schedule.hours");
  BatchDefinition lunch = testing::amount_off_batch("lunch");
  lunch.schedule = Schedule{8 * 60, 0x1f, {{11 * 60, 14 * 60}}};
  lunch.max_uses_total = 10'000;
  lunch.budget_discount_max = 50'000'000;
  lunch.stacking_group = "store";
  EXPECT_TRUE(check_batch_definition(lunch).is_ok());
}

}  // namespace
}  // namespace coupond
