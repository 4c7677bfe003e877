// The admin API's batch decoder: a field it does not know, at any depth, is refused with a
// sentence naming its path (never ignored, so that a misspelt limit is never a campaign without
// one), and a PATCH body merges into the current definition before the same checks run.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/batch_json.h"
#include "api/json_fields.h"
#include "test_support.h"

namespace coupond {
namespace {

const char* const drink_voucher = R"({
  "id": "drinks", "name": "Free drink",
  "discount": {"type": "free_item", "sku": "TEA-500", "quantity": 1},
  "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z",
  "max_uses_per_customer": 2, "scope": {"channels": ["app"], "stores": ["sh-001"]},
  "code": {"prefix": "TEA"}})";

boost::json::object with(const char* base, const char* path_json) {
  boost::json::object object = boost::json::parse(base).as_object();
  const boost::json::object extra = boost::json::parse(path_json).as_object();
  for (const auto& [key, value] : extra) {
    if (value.is_object() && object.contains(key)) {
      for (const auto& [inner, inner_value] : value.as_object()) {
        object[key].as_object()[inner] = inner_value;
      }
    } else {
      object[key] = value;
    }
  }
  return object;
}

BatchDefinition parsed(const boost::json::object& object) {
  BatchDefinition definition;
  EXPECT_EQ(api::parse_batch_definition(object, &definition), "");
  return definition;
}

std::string patch_error(const BatchDefinition& current, const char* patch) {
  BatchDefinition next;
  return api::parse_batch_patch(current, boost::json::parse(patch).as_object(), &next);
}

BatchDefinition patched(const BatchDefinition& current, const char* patch) {
  BatchDefinition next;
  EXPECT_EQ(api::parse_batch_patch(current, boost::json::parse(patch).as_object(), &next), "");
  return next;
}

std::string parse_error(const boost::json::object& object) {
  BatchDefinition definition;
  return api::parse_batch_definition(object, &definition);
}

TEST(BatchJson, TheDrinkVoucherParses) {
  EXPECT_EQ(parse_error(boost::json::parse(drink_voucher).as_object()), "");
}

TEST(BatchJson, AMisspeltFieldIsRefusedNamingIt) {
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"max_uses_per_custmer": 1})")),
            R"(unknown field "max_uses_per_custmer")");
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"valid_untill": "2026-12-08T00:00:00Z"})")),
            R"(unknown field "valid_untill")");
}

TEST(BatchJson, UnknownFieldsInNestedObjectsAreNamedWithTheirPath) {
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"discount": {"amout": 5}})")),
            R"(unknown field "discount.amout")");
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"scope": {"channel": ["app"]}})")),
            R"(unknown field "scope.channel")");
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"code": {"prefx": "X"}})")),
            R"(unknown field "code.prefx")");
}

TEST(BatchJson, ContractFieldsNotImplementedYetAreRefusedAsSuch) {
  for (const char* field : {"auto_issue", "exchange_points"}) {
    boost::json::object object = boost::json::parse(drink_voucher).as_object();
    object[field] = boost::json::object{{"x", 1}};
    EXPECT_EQ(parse_error(object),
              "field \"" + std::string(field) + "\" is not supported by this server yet");
  }
  // The campaign fields are read, and a key they do not know is named with its path.
  for (const char* field : {"schedule", "budget", "stacking"}) {
    boost::json::object object = boost::json::parse(drink_voucher).as_object();
    object[field] = boost::json::object{{"x", 1}};
    EXPECT_EQ(parse_error(object), "unknown field \"" + std::string(field) + ".x\"");
  }
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"code": {"format": "compact"}})")), "");
}

TEST(BatchJson, ThePartitionIsReadInEitherCaseStoredUpperAndShown) {
  const BatchDefinition definition = parsed(with(drink_voucher, R"({"partition": "p1"})"));
  EXPECT_EQ(definition.partition, "P1");
  EXPECT_EQ(definition.code.prefix, "TEA");
  EXPECT_EQ(api::definition_json(definition).at("partition").as_string(), "P1");
  EXPECT_FALSE(api::definition_json(parsed(boost::json::parse(drink_voucher).as_object()))
                   .contains("partition"));
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"partition": "PO"})")),
            "partition \"PO\" is no partition name: 1 to 8 letters and digits of Crockford base32 "
            "(0-9 and A-Z without I, L, O and U), such as P1");
  EXPECT_EQ(parse_error(with(drink_voucher, R"({"partition": 1})")), "partition must be a string");
  // A patch that leaves it alone keeps it; naming it again in another case is no change.
  EXPECT_EQ(patched(definition, R"({"name": "x"})").partition, "P1");
  EXPECT_EQ(patched(definition, R"({"partition": "p1"})").partition, "P1");
}

TEST(BatchJson, APatchReplacesTheFieldsItGivesAndMergesObjects) {
  const BatchDefinition current = parsed(boost::json::parse(drink_voucher).as_object());
  const BatchDefinition next = patched(current, R"({"valid_until": "2026-12-08T00:00:00Z",
      "name": "Free drink, a week more", "scope": {"channels": ["app", "store"]}})");
  EXPECT_EQ(next.valid_until, current.valid_until + std::chrono::days(7));
  EXPECT_EQ(next.valid_from, current.valid_from);
  EXPECT_EQ(next.name, "Free drink, a week more");
  EXPECT_EQ(next.scope.channels, (std::vector<std::string>{"app", "store"}));
  EXPECT_EQ(next.scope.stores, current.scope.stores);  // merged, not replaced
  EXPECT_EQ(next.discount, current.discount);
  EXPECT_EQ(next.code, current.code);
  EXPECT_EQ(next.max_uses_per_customer, 2u);
}

TEST(BatchJson, APatchThatLeavesTheDiscountAloneKeepsItExactly) {
  // A creation may give discount fields its type does not use; the batch as shown omits them.
  const BatchDefinition current = parsed(with(drink_voucher, R"({"discount": {"amount": 5}})"));
  EXPECT_EQ(patched(current, "{}"), current);
}

TEST(BatchJson, APatchNullGivesAFieldItsDefault) {
  const BatchDefinition current = parsed(boost::json::parse(drink_voucher).as_object());
  const BatchDefinition next = patched(current, R"({"scope": {"stores": null}})");
  EXPECT_TRUE(next.scope.stores.empty());
  EXPECT_EQ(next.scope.channels, current.scope.channels);
}

TEST(BatchJson, APatchIsCheckedLikeACreation) {
  const BatchDefinition current = parsed(boost::json::parse(drink_voucher).as_object());
  EXPECT_EQ(patch_error(current, R"({"budget": {"discount_max": 5}})"), "");
  EXPECT_EQ(patch_error(current, R"({"budget": {"discount_max": -5}})"),
            "budget.discount_max must be between 1 and 1000000000000000 minor units");
  EXPECT_EQ(patch_error(current, R"({"scope": {"sku": ["A"]}})"), R"(unknown field "scope.sku")");
  EXPECT_EQ(patch_error(current, R"({"valid_until": "next week"})"),
            "valid_until must be an RFC 3339 time such as 2026-11-11T00:00:00+08:00");
}

}  // namespace
}  // namespace coupond
