// Why a coupon cannot be used for this order: exactly the reasons of the HTTP API, as a small
// enum so that the hot path returns a byte, not a string.
#pragma once

#include <string_view>

namespace coupond {

enum class Reason : unsigned char {
  ok,
  invalid_code,            // malformed, or its signature does not verify
  unknown_code,            // well formed and signed (or imported form) but not loaded
  not_yet_valid,
  expired,
  revoked,
  already_redeemed,
  reserved,                // its last use is held by another order's pending payment
  customer_required,
  customer_mismatch,
  customer_limit_reached,
  min_amount_not_met,
  out_of_scope,
  rate_limited,            // decided by the server, never by the engine
  order_conflict,          // the order id already took this code for another customer or amount
  storage_full,            // the coupon's shard cannot store another use: nothing was taken
  outside_schedule,        // the batch's weekly schedule does not include this moment
  sold_out,                // the batch's uses in force reached its max_uses_total
  budget_exhausted,        // this discount would take the batch's discounts past its budget
  not_stackable,           // two coupons of one stacking group, or an exclusive one, on one order
  not_primary,             // a cluster node that is not its partition's primary changes nothing
  wrong_partition,         // the code's prefix names another partition than this node's
};
// The last reason: the set is closed, and tests walk it from ok to here.
inline constexpr Reason reason_last = Reason::wrong_partition;

// The snake_case name used on the wire, e.g. "already_redeemed".
std::string_view reason_name(Reason reason);

// A human sentence without specifics, e.g. "this coupon has already been redeemed".
std::string_view reason_sentence(Reason reason);

}  // namespace coupond
