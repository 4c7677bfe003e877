#include "engine/checkout_steps.h"

#include <algorithm>

#include "rules/rules.h"

namespace coupond {

store::CouponHistory* CouponSteps::history() {
  if (!slot_.has_flag(store::slot_flag_has_history)) return nullptr;
  auto it = shard_.side.histories.find(key_);
  return it == shard_.side.histories.end() ? nullptr : &it->second;
}

bool CouponSteps::may_hold_order(std::uint64_t order_hash) const {
  return batch_.definition().max_uses_per_code > 1 || slot_.order_hash == order_hash;
}

std::uint64_t CouponSteps::request_customer_hash(std::string_view customer) {
  if (customer_hash_ == 0) customer_hash_ = state_.signer->customer_hash(customer);
  return customer_hash_;
}

void CouponSteps::lapse_expired_holds(store::CouponHistory& history) {
  if (history.holds == 0 || now_ < history.next_hold_expiry) return;
  Timestamp next_expiry = Timestamp::max();
  for (store::Redemption& use : history.uses()) {
    if (use.state != store::UseState::held) continue;
    if (use.hold_expires_at <= now_) {
      return_use(history, use);
      use.state = store::UseState::lapsed;
    } else {
      next_expiry = std::min(next_expiry, use.hold_expires_at);
    }
  }
  history.next_hold_expiry = next_expiry;
}

Reason CouponSteps::check(const CouponRequest& request, DiscountResult* discount) {
  const BatchDefinition& definition = batch_.definition();
  if (slot_.has_flag(store::slot_flag_revoked) || batch_.is_revoked()) return Reason::revoked;
  const Reason window = rules::check_window(definition, now_);
  if (window != Reason::ok) return window;
  if (slot_.customer_hash != 0) {
    if (request.customer.empty()) return Reason::customer_required;
    if (request_customer_hash(request.customer) != slot_.customer_hash) {
      return Reason::customer_mismatch;
    }
  } else if (definition.max_uses_per_customer > 0 && request.customer.empty()) {
    return Reason::customer_required;
  }
  const Reason scope = rules::check_scope(definition.scope, request.order);
  if (scope != Reason::ok) return scope;
  return rules::compute_discount(definition, request.order, discount);
}

Reason CouponSteps::check_uses_left() const {
  if (slot_.uses_left > 0) return Reason::ok;
  return slot_.has_flag(store::slot_flag_has_holds) ? Reason::reserved : Reason::already_redeemed;
}

Reason CouponSteps::check_customer_limit(const CouponRequest& request, bool take) {
  const std::uint32_t limit = batch_.definition().max_uses_per_customer;
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

const store::Redemption& CouponSteps::take_use(const CouponRequest& request,
                                               std::uint64_t order_hash, Money discount_amount,
                                               Timestamp hold_expires_at,
                                               store::Redemption* previous) {
  const bool hold = hold_expires_at != Timestamp{};
  store::Redemption use;
  use.order_id.assign(request.order_id);
  use.order_hash = order_hash;
  use.redemption_id = state_.next_redemption_id.fetch_add(1, std::memory_order_relaxed);
  use.at = now_;
  use.hold_expires_at = hold_expires_at;
  use.state = hold ? store::UseState::held : store::UseState::redeemed;
  use.discount_amount = discount_amount;
  use.has_order_amount = request.order.amount.has_value();
  use.order_amount = request.order.amount.value_or(0);
  use.channel.assign(request.order.channel);
  use.store.assign(request.order.store);
  if (batch_.definition().max_uses_per_customer > 0) {
    use.customer_hash = request_customer_hash(request.customer);
  }

  --slot_.uses_left;
  slot_.order_hash = order_hash;
  store::CouponHistory& history = shard_.side.histories[key_];
  slot_.set_flag(store::slot_flag_has_history, true);
  store::Redemption& stored = previous != nullptr ? (*previous = std::move(use))
                                                  : history.append(std::move(use));
  if (hold) {
    ++history.holds;
    history.next_hold_expiry = std::min(history.next_hold_expiry, hold_expires_at);
    slot_.set_flag(store::slot_flag_has_holds, true);
    batch_.held_.fetch_add(1, std::memory_order_relaxed);
  } else {
    batch_.redeemed_.fetch_add(1, std::memory_order_relaxed);
  }
  return stored;
}

void CouponSteps::confirm_hold(store::CouponHistory& history, store::Redemption& use) {
  use.state = store::UseState::redeemed;
  --history.holds;
  slot_.set_flag(store::slot_flag_has_holds, history.holds > 0);
  batch_.held_.fetch_sub(1, std::memory_order_relaxed);
  batch_.redeemed_.fetch_add(1, std::memory_order_relaxed);
}

void CouponSteps::give_back(store::CouponHistory& history, store::Redemption& use) {
  switch (use.state) {
    case store::UseState::rolled_back:
      return;
    case store::UseState::lapsed:
      break;  // its use came back when it lapsed
    case store::UseState::held:
      return_use(history, use);
      break;
    case store::UseState::redeemed:
      return_use(history, use);
      batch_.rolled_back_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  use.state = store::UseState::rolled_back;
}

// The use goes back to the coupon and to the customer's allowance; the caller sets the state.
void CouponSteps::return_use(store::CouponHistory& history, store::Redemption& use) {
  ++slot_.uses_left;
  if (use.state == store::UseState::held) {
    --history.holds;
    slot_.set_flag(store::slot_flag_has_holds, history.holds > 0);
    batch_.held_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    batch_.redeemed_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (use.customer_hash != 0) state_.customer_usage->give_back(batch_.number(), use.customer_hash);
}

}  // namespace coupond
