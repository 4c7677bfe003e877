// JSON for the data plane: checkout requests in, outcomes out (the shapes of the API contract).
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "coupond/engine.h"

namespace coupond::api {

// A parsed checkout request. The CouponRequest's views point into document and items, so the
// request is valid as long as this object lives and is not moved.
struct ParsedCouponRequest {
  boost::json::value document;
  std::vector<OrderItem> items;
  CouponRequest request;
  std::optional<std::int64_t> ttl_s;  // reserve only
  ParsedCouponRequest() = default;
  ParsedCouponRequest(const ParsedCouponRequest&) = delete;
  ParsedCouponRequest& operator=(const ParsedCouponRequest&) = delete;
};

// Parses body into *out; returns an empty string, or a sentence naming the bad field.
// needs_order_id: redeem, reserve and rollback require "order_id".
std::string parse_coupon_request(std::string_view body, bool needs_order_id,
                                 ParsedCouponRequest* out);

// {"type": "threshold", "amount": 2000} or {"type": "free_item", "sku": .., "quantity": ..}
boost::json::object discount_json(const DiscountResult& discount);
std::string_view discount_type_name(DiscountType type);

// "rdm_" and 16 hex digits.
std::string redemption_name(std::uint64_t redemption_id);

}  // namespace coupond::api
