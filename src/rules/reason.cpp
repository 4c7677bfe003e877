#include "coupond/reason.h"

namespace coupond {

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::ok: return "ok";
    case Reason::invalid_code: return "invalid_code";
    case Reason::unknown_code: return "unknown_code";
    case Reason::not_yet_valid: return "not_yet_valid";
    case Reason::expired: return "expired";
    case Reason::revoked: return "revoked";
    case Reason::already_redeemed: return "already_redeemed";
    case Reason::reserved: return "reserved";
    case Reason::customer_required: return "customer_required";
    case Reason::customer_mismatch: return "customer_mismatch";
    case Reason::customer_limit_reached: return "customer_limit_reached";
    case Reason::min_amount_not_met: return "min_amount_not_met";
    case Reason::out_of_scope: return "out_of_scope";
    case Reason::rate_limited: return "rate_limited";
    case Reason::order_conflict: return "order_conflict";
    case Reason::storage_full: return "storage_full";
    case Reason::outside_schedule: return "outside_schedule";
    case Reason::sold_out: return "sold_out";
    case Reason::budget_exhausted: return "budget_exhausted";
    case Reason::not_stackable: return "not_stackable";
    case Reason::not_primary: return "not_primary";
    case Reason::wrong_partition: return "wrong_partition";
  }
  return "unknown_reason";
}

std::string_view reason_sentence(Reason reason) {
  switch (reason) {
    case Reason::ok: return "the coupon can be used for this order";
    case Reason::invalid_code: return "this is not a valid coupon code";
    case Reason::unknown_code: return "no such coupon";
    case Reason::not_yet_valid: return "this coupon is not valid yet";
    case Reason::expired: return "this coupon has expired";
    case Reason::revoked: return "this coupon has been revoked";
    case Reason::already_redeemed: return "this coupon has already been redeemed";
    case Reason::reserved: return "this coupon is held by another order's pending payment";
    case Reason::customer_required: return "this coupon needs the customer's id";
    case Reason::customer_mismatch: return "this coupon belongs to another customer";
    case Reason::customer_limit_reached: return "this customer has reached the campaign's limit";
    case Reason::min_amount_not_met: return "the order does not reach this coupon's minimum amount";
    case Reason::out_of_scope: return "this coupon does not apply to this order";
    case Reason::rate_limited: return "too many attempts; try again later";
    case Reason::order_conflict:
      return "this order id already used this coupon for another customer or order amount";
    case Reason::storage_full:
      return "the server cannot store another use of this coupon now; nothing was redeemed";
    case Reason::outside_schedule: return "this coupon cannot be used at this time of the week";
    case Reason::sold_out: return "this campaign has given all of its uses";
    case Reason::budget_exhausted: return "this campaign's discount budget cannot cover this discount";
    case Reason::not_stackable: return "these coupons cannot be used together on one order";
    case Reason::not_primary:
      return "this node is not its partition's primary; send changes to the primary";
    case Reason::wrong_partition: return "this coupon belongs to another partition";
  }
  return "unknown reason";
}

}  // namespace coupond
