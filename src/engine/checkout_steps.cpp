#include "engine/checkout_steps.h"

#include <algorithm>

#include "rules/rules.h"

namespace coupond {

store::UseNumber CouponSteps::find_use(std::uint64_t order_hash, std::string_view order_id) {
  if (slot_.latest_use == 0) return 0;
  if (indexes_orders()) return shard_.side.uses.find_indexed(key_, order_hash, order_id);
  return shard_.side.uses.find_in_chain(slot_.latest_use, order_hash, order_id);
}

store::UseNumber CouponSteps::find_use_in_force(std::uint64_t order_hash,
                                                std::string_view order_id) {
  // A single-use coupon's one use in force belongs to its latest taker, whose order tag the slot
  // holds: the loser of a race is answered without reading the log. (A use given back may belong
  // to an earlier order; the caller treats it like no use at all.)
  if (!indexes_orders() && slot_.order_tag != static_cast<std::uint32_t>(order_hash)) return 0;
  return find_use(order_hash, order_id);
}

std::uint64_t CouponSteps::request_customer_hash(std::string_view customer) {
  if (customer.empty()) return state_.no_customer_hash;
  if (customer_hash_ == 0) customer_hash_ = state_.signer->customer_hash(customer);
  return customer_hash_;
}

bool CouponSteps::is_same_order(const store::UseRecord& use, const CouponRequest& request) {
  // A use recorded before every use kept its taker (customer_hash 0) is compared on its amount.
  if (use.customer_hash != 0 && use.customer_hash != request_customer_hash(request.customer)) {
    return false;
  }
  const std::optional<Money>& amount = request.order.amount;
  return use.has_order_amount == amount.has_value() &&
         (!use.has_order_amount || use.order_amount == *amount);
}

bool CouponSteps::revoked() const {
  return slot_.has_flag(store::slot_flag_revoked) || batch_.is_revoked();
}

Reason CouponSteps::check(const CouponRequest& request, DiscountResult* discount) {
  if (revoked()) return Reason::revoked;
  const Reason window = rules::check_window(definition_, now_);
  if (window != Reason::ok) return window;
  if (definition_.schedule) {
    const Reason schedule = rules::check_schedule(*definition_.schedule, now_);
    if (schedule != Reason::ok) return schedule;
  }
  if (slot_.customer_hash != 0) {
    if (request.customer.empty()) return Reason::customer_required;
    if (request_customer_hash(request.customer) != slot_.customer_hash) {
      return Reason::customer_mismatch;
    }
  } else if (definition_.max_uses_per_customer > 0 && request.customer.empty()) {
    return Reason::customer_required;
  }
  const Reason scope = rules::check_scope(definition_.scope, request.order);
  if (scope != Reason::ok) return scope;
  return rules::compute_discount(definition_, request.order, discount);
}

Reason CouponSteps::check_uses_left() const {
  if (slot_.uses_left > 0) return Reason::ok;
  return slot_.has_flag(store::slot_flag_has_holds) ? Reason::reserved : Reason::already_redeemed;
}

Reason CouponSteps::check_customer_limit(const CouponRequest& request, bool take) {
  const std::uint32_t limit = definition_.max_uses_per_customer;
  if (limit == 0) return Reason::ok;
  const std::uint64_t customer = request_customer_hash(request.customer);
  store::CustomerUsage& usage = *state_.customer_usage;
  if (take) {
    return usage.try_take(batch_.number(), customer, limit) ? Reason::ok
                                                            : Reason::customer_limit_reached;
  }
  return usage.uses(batch_.number(), customer) < limit ? Reason::ok
                                                       : Reason::customer_limit_reached;
}

void CouponSteps::give_back_customer_allowance(const CouponRequest& request) {
  if (definition_.max_uses_per_customer == 0) return;
  state_.customer_usage->give_back(batch_.number(), request_customer_hash(request.customer));
}

Reason CouponSteps::check_campaign(Money discount, bool take) {
  const BatchDefinition& definition = definition_;
  if (!definition.has_campaign_limits()) {
    if (take) batch_.campaign_.add(discount);
    return Reason::ok;
  }
  return take ? batch_.campaign_.admit(definition, discount)
              : batch_.campaign_.check(definition, discount);
}

store::UseNumber CouponSteps::take_use(const CouponRequest& request, std::uint64_t order_hash,
                                       Money discount_amount, Timestamp hold_expires_at) {
  const bool hold = hold_expires_at != Timestamp{};
  store::UseRecord record;
  record.coupon = key_;
  record.order_hash = order_hash;
  record.redemption_id = state_.next_redemption_id.fetch_add(1, std::memory_order_relaxed);
  record.at = now_;
  record.hold_expires_at = hold_expires_at;
  record.state = hold ? store::UseState::held : store::UseState::redeemed;
  record.discount_amount = discount_amount;
  record.has_order_amount = request.order.amount.has_value();
  record.order_amount = request.order.amount.value_or(0);
  record.customer_hash = request_customer_hash(request.customer);

  const store::UseNumber number = store_use(record, request.order_id, request.order.channel,
                                            request.order.store, request.api_key_name);
  // Nothing was stored: the allowance check_customer_limit took, and the batch's room
  // check_campaign took, go back.
  if (number == 0) {
    if (counts_toward_customer_limit(batch_, record)) {
      state_.customer_usage->give_back(batch_.number(), record.customer_hash);
    }
    batch_.campaign_.remove(record.discount_amount);
  }
  return number;
}

store::UseNumber CouponSteps::add_use(const store::UseRecord& record, std::string_view order_id,
                                      std::string_view channel, std::string_view store,
                                      std::string_view api_key_name) {
  const store::UseNumber number = store_use(record, order_id, channel, store, api_key_name);
  if (number != 0) batch_.campaign_.add(record.discount_amount);
  return number;
}

store::UseNumber CouponSteps::store_use(store::UseRecord record, std::string_view order_id,
                                        std::string_view channel, std::string_view store,
                                        std::string_view api_key_name) {
  const bool hold = record.state == store::UseState::held;
  // Always a new record, even for an order whose earlier use of this coupon was given back: the
  // history keeps both, and the newest is the one found first.
  record.previous_use = slot_.latest_use;
  store::UseLog& log = shard_.side.uses;
  const store::UseNumber number = log.append(record, order_id, channel, store, api_key_name);
  if (number == 0) return 0;
  if (indexes_orders()) log.index_by_order(number);
  slot_.latest_use = number;
  --slot_.uses_left;
  slot_.order_tag = static_cast<std::uint32_t>(record.order_hash);
  if (hold) {
    add_hold(number, record.hold_expires_at);
    count(Counter::held, 1);
  } else {
    count(Counter::redeemed, 1);
    tally(log.at(number), 1);
  }
  return number;
}

bool CouponSteps::revoke() {
  if (revoked()) return false;
  slot_.set_flag(store::slot_flag_revoked, true);
  count(Counter::revoked, 1);
  return true;
}

void CouponSteps::confirm_hold(store::UseNumber number) {
  store::UseRecord& record = use(number);
  record.state = store::UseState::redeemed;
  record.at = now_;  // a redemption's time is when it was confirmed
  tally(record, 1);
  remove_hold();
  count(Counter::held, -1);
  count(Counter::redeemed, 1);
}

void CouponSteps::lapse_hold(store::UseNumber number) {
  store::UseRecord& record = use(number);
  return_use(record);
  record.state = store::UseState::lapsed;
}

void CouponSteps::give_back(store::UseNumber number) {
  store::UseRecord& record = use(number);
  switch (record.state) {
    case store::UseState::rolled_back:
      return;
    case store::UseState::lapsed:
      break;  // its use came back when it lapsed
    case store::UseState::held:
      return_use(record);
      break;
    case store::UseState::redeemed:
      return_use(record);
      count(Counter::rolled_back, 1);
      break;
  }
  record.state = store::UseState::rolled_back;
}

void CouponSteps::add_hold(store::UseNumber number, Timestamp expires_at) {
  ++shard_.side.holds[key_].holds;
  shard_.side.hold_expiries.add(expires_at, number);
  slot_.set_flag(store::slot_flag_has_holds, true);
}

void CouponSteps::remove_hold() {
  auto summary = shard_.side.holds.find(key_);
  if (summary != shard_.side.holds.end() && --summary->second.holds == 0) {
    shard_.side.holds.erase(summary);
    slot_.set_flag(store::slot_flag_has_holds, false);
  }
}

// The use goes back to the coupon and to the customer's allowance; the caller sets the state.
void CouponSteps::return_use(store::UseRecord& record) {
  ++slot_.uses_left;
  batch_.campaign_.remove(record.discount_amount);
  if (record.state == store::UseState::held) {
    remove_hold();
    count(Counter::held, -1);
  } else {
    count(Counter::redeemed, -1);
    tally(record, -1);
  }
  if (counts_toward_customer_limit(batch_, record)) {
    state_.customer_usage->give_back(batch_.number(), record.customer_hash);
  }
}

void CouponSteps::tally(const store::UseRecord& record, std::int64_t sign) {
  store::BatchTally& tally = shard_.side.tallies[batch_.number()];
  tally.discount_total += sign * store::MoneySum{record.discount_amount};
  tally.order_amount_total += sign * store::MoneySum{record.order_amount};
  const std::string_view channel = shard_.side.uses.text(record.channel);
  auto by_channel = tally.by_channel.find(channel);
  if (by_channel == tally.by_channel.end()) {
    // A shard's tally keeps every name it counted: a use coming back in a channel it has no name
    // for was counted under the overflow name.
    const std::string_view name =
        sign > 0 ? state_.channel_names.admit(batch_.number(), channel) : channel_overflow_name;
    by_channel = tally.by_channel.find(name);
    if (by_channel == tally.by_channel.end()) {
      by_channel = tally.by_channel.emplace(std::string(name), 0).first;
    }
  }
  by_channel->second += sign;
  std::string_view segment;
  if (slot_.has_flag(store::slot_flag_has_binding)) {
    auto binding = shard_.side.bindings.find(key_);
    if (binding != shard_.side.bindings.end()) segment = binding->second.segment;
  }
  auto by_segment = tally.by_segment.find(segment);
  if (by_segment == tally.by_segment.end()) {
    by_segment = tally.by_segment.emplace(std::string(segment), 0).first;
  }
  by_segment->second += sign;
  const auto hour = std::chrono::floor<std::chrono::hours>(record.at).time_since_epoch().count();
  tally.by_hour[hour] += sign;
}

}  // namespace coupond
