// The coupon rules as pure functions: given a batch, an order and a time, is the coupon usable
// and how much money does it take off? No state, no locks, no allocation: the engine calls these
// with its shard lock held, and tests call them directly.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "coupond/batch.h"
#include "coupond/clock.h"
#include "coupond/order.h"
#include "coupond/outcome.h"
#include "coupond/reason.h"

namespace coupond::rules {

using DiscountResult = coupond::DiscountResult;  // declared in coupond/outcome.h

// not_yet_valid before valid_from (inclusive), expired from valid_until (exclusive), else ok.
Reason check_window(const BatchDefinition& batch, Timestamp now);

// outside_schedule unless now, in the schedule's UTC offset, falls on one of its weekdays and
// inside one of its hours (or on any time of the day when it lists none).
Reason check_schedule(const Schedule& schedule, Timestamp now);

// out_of_scope unless the order's channel and store are in the scope's lists (when those lists
// are not empty) and, when categories or skus are listed, at least one item matches either list.
// A scoped field the order does not give counts as out of scope.
Reason check_scope(const Scope& scope, const Order& order);

// The money a scoped discount is computed on: with categories or skus in scope, the sum of
// price * quantity of the matching items; otherwise the order amount (0 when not given).
Money eligible_amount(const Scope& scope, const Order& order);

// Computes the discount for an order that passed check_scope. Returns min_amount_not_met when a
// threshold is not reached, or when a percent or threshold coupon gets no order amount.
// Percent rounds down to the minor unit, never exceeds max_amount (when set) nor the eligible
// amount; amount_off and threshold never exceed the eligible amount when an amount is given.
Reason compute_discount(const BatchDefinition& batch, const Order& order, DiscountResult* out);

// What a batch has in force across all its coupons: its uses redeemed plus held, and the sum of
// their discounts (saturated at the largest Money, never wrapped).
struct CampaignInForce {
  std::uint64_t uses = 0;
  Money discount = 0;
};

// sold_out when the uses in force have reached the batch's max_uses_total, else budget_exhausted
// when this use's discount would take the discounts in force past its budget_discount_max, else
// ok. A limit of 0 is no limit. Exact to the minor unit for any int64 figures: nothing overflows.
Reason check_campaign_room(const BatchDefinition& batch, const CampaignInForce& in_force,
                           Money discount);

// Whether the code at index of an order's codes may share the order with the others: the batches
// of the order's codes in order, null for a code whose coupon was not found (it counts toward the
// order's size, not toward any group). not_stackable when its batch has no stacking group (it is
// exclusive) and the order holds another code, or when a code before it is of the same group;
// else ok. A single code is never refused for it.
Reason check_stacking(std::span<const BatchDefinition* const> batches, std::size_t index);

// Checks a request's order for values the API refuses (negative or huge money, too many items,
// zero quantities). Returns an empty view when fine, else a sentence naming the bad field.
std::string_view check_order(const Order& order);

}  // namespace coupond::rules
