// What a checkout sends with a coupon: the customer and the order. Views only: the engine never
// keeps a pointer into a request after the call returns, so the caller may pass views into its
// own parse buffer and nothing is copied on the hot path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "coupond/batch.h"

namespace coupond {

struct OrderItem {
  std::string_view sku;
  std::string_view category;
  Money price = 0;  // per unit
  std::int64_t quantity = 1;
};

struct Order {
  std::optional<Money> amount;  // the order total, minor units
  std::string_view currency;
  std::string_view channel;  // empty: not given
  std::string_view store;
  std::span<const OrderItem> items;
};

struct CouponRequest {
  std::string_view code;      // as typed: any case, dashes and spaces allowed
  std::string_view customer;  // empty: not given
  Order order;
  std::string_view order_id;  // redeem, reserve, rollback: the idempotency key
  std::string_view api_key_name;  // the data-plane key that sent it, recorded with each use
};

}  // namespace coupond
