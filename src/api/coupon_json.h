// JSON for the data plane: checkout requests in, outcomes out (the shapes of the API contract).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/engine.h"

namespace coupond::api {

// A parsed checkout request. The CouponRequest's views point into text and items, so the
// request is valid as long as this object lives and is not moved.
struct ParsedCouponRequest {
  std::string text;  // the body's strings that the request holds, unescaped
  std::vector<OrderItem> items;
  CouponRequest request;
  std::optional<std::int64_t> ttl_s;  // reserve only
  // Several codes on one order ("codes" instead of "code"): [0, code_count), into text; 0 for a
  // request with "code".
  std::array<std::string_view, codes_per_order_max> codes{};
  std::size_t code_count = 0;
  std::span<const std::string_view> stack() const { return {codes.data(), code_count}; }
  ParsedCouponRequest() = default;
  ParsedCouponRequest(const ParsedCouponRequest&) = delete;
  ParsedCouponRequest& operator=(const ParsedCouponRequest&) = delete;
};

// Parses body into *out; returns an empty string, or a sentence naming the bad field
// (coupon_request_json.cpp). needs_order_id: redeem, reserve and rollback require "order_id".
// A field the API does not know, at any level the decoder reads (the top, order, order.items[]),
// is refused with unknown_field_message's sentence; null is the same as absent.
std::string parse_coupon_request(std::string_view body, bool needs_order_id,
                                 ParsedCouponRequest* out);

// The data plane's answers, each appended to *out as one JSON object (coupon_answers.cpp). typed
// is the code as the request gave it, answered when the engine could not read it. A discount is
// {"type": "threshold", "amount": 2000} or {"type": "free_item", "sku": .., "quantity": ..}.
// {flag: false, "code", ["batch"], "reason", "message"}; flag is "valid", "redeemed", "reserved".
void write_refusal_answer(const Outcome& outcome, std::string_view typed, std::string_view flag,
                          std::string* out);
// {"valid": true, "code", ["batch"], "discount", "uses_left"}
void write_validate_answer(const Outcome& outcome, std::string_view typed, std::string* out);
// {"redeemed": true, "redemption", "code", ["batch"], "discount", "uses_left", "replayed"}, or
// {"reserved": true, "code", ["batch"], "discount", "expires_at", "uses_left", "replayed"}.
void write_taken_answer(const Outcome& outcome, std::string_view typed, bool reserve,
                        std::string* out);
// {"rolled_back": true, "code", "uses_left", "replayed"}
void write_rollback_answer(const RollbackOutcome& outcome, std::string* out);
// {"error": {"code": code, "message": message}}
void write_error_answer(std::string_view code, std::string_view message, std::string* out);

std::string_view discount_type_name(DiscountType type);

// "rdm_" and 16 hex digits.
std::string redemption_name(std::uint64_t redemption_id);
void append_redemption_name(std::uint64_t redemption_id, std::string* out);

}  // namespace coupond::api
