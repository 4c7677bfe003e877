// Fuzzes the data plane's request decoder (parse_coupon_request) and what the engine does next
// with a decoded order that passes check_order: scope and discount rules. Any body must either be
// refused with a sentence or decode into a request within the API's limits, and a discount must
// never be negative nor exceed the money it was computed on. The decoder must also agree with the
// DOM decoder it replaced (../dom_coupon_json.h): the same sentence, or the same request.
#include "../dom_coupon_json.h"
#include "api/coupon_json.h"
#include "fuzz_support.h"
#include "rules/rules.h"

using namespace coupond;

namespace {

// A discount of each kind, scoped by category so that eligible amounts sum item prices.
BatchDefinition batch_for(std::uint8_t choice) {
  BatchDefinition batch;
  batch.discount.type = static_cast<DiscountType>(choice % 4);
  batch.discount.amount = 2'000;
  batch.discount.percent = 15;
  batch.discount.max_amount = (choice & 4) != 0 ? 5'000 : 0;
  batch.discount.min_amount = 10'000;
  batch.discount.sku = "GIFT";
  batch.discount.quantity = 1;
  if ((choice & 8) != 0) batch.scope.categories = {"shoes", "bags"};
  if ((choice & 16) != 0) batch.scope.channels = {"app"};
  return batch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const std::uint8_t choice = bytes.byte();
  const bool needs_order_id = (choice & 128) != 0;
  api::ParsedCouponRequest parsed;
  const std::string error = api::parse_coupon_request(bytes.rest(), needs_order_id, &parsed);
  testing::dom::ParsedRequest reference;
  FUZZ_REQUIRE(error == testing::dom::parse_coupon_request(bytes.rest(), needs_order_id, &reference));
  if (!error.empty()) return 0;
  const CouponRequest& request = parsed.request;
  const CouponRequest& expected = reference.request;
  FUZZ_REQUIRE(parsed.code_count == reference.codes.size());
  for (std::size_t i = 0; i < parsed.code_count; ++i) FUZZ_REQUIRE(parsed.codes[i] == reference.codes[i]);
  FUZZ_REQUIRE(request.code == expected.code && request.customer == expected.customer &&
               request.order_id == expected.order_id && parsed.ttl_s == reference.ttl_s);
  FUZZ_REQUIRE(request.order.amount == expected.order.amount &&
               request.order.currency == expected.order.currency &&
               request.order.channel == expected.order.channel &&
               request.order.store == expected.order.store &&
               request.order.items.size() == expected.order.items.size());
  for (std::size_t i = 0; i < request.order.items.size(); ++i) {
    const OrderItem& item = request.order.items[i];
    const OrderItem& expected_item = expected.order.items[i];
    FUZZ_REQUIRE(item.sku == expected_item.sku && item.category == expected_item.category &&
                 item.price == expected_item.price && item.quantity == expected_item.quantity);
  }
  FUZZ_REQUIRE(request.code.size() <= code_input_max);
  FUZZ_REQUIRE(request.customer.size() <= customer_length_max);
  FUZZ_REQUIRE(request.order_id.size() <= order_id_length_max);
  FUZZ_REQUIRE(!needs_order_id || !request.order_id.empty());
  FUZZ_REQUIRE(request.order.items.size() <= order_items_max);

  if (!rules::check_order(request.order).empty()) return 0;
  const BatchDefinition batch = batch_for(choice);
  if (rules::check_scope(batch.scope, request.order) != Reason::ok) return 0;
  DiscountResult discount;
  if (rules::compute_discount(batch, request.order, &discount) != Reason::ok) return 0;
  FUZZ_REQUIRE(discount.amount >= 0);
  const Money base = rules::eligible_amount(batch.scope, request.order);
  FUZZ_REQUIRE(base >= 0 && base <= money_max);
  if (request.order.amount.has_value() || !batch.scope.categories.empty()) {
    FUZZ_REQUIRE(discount.amount <= base);
  }
  return 0;
}
