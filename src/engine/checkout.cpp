// The checkout operations: validate, redeem, reserve and rollback. Each resolves the code without
// a lock, then decides and changes the coupon under its shard's lock, so that every decision
// about one coupon is made in one place, one at a time.
#include <xxhash.h>

#include <mutex>
#include <string>

#include "engine/checkout_steps.h"
#include "engine/engine_state.h"
#include "engine/hold_lapses.h"
#include "journal/fault_point.h"
#include "rules/rules.h"

namespace coupond {

std::string_view check_checkout_request(const CouponRequest& request, bool takes_use) {
  if (request.customer.size() > customer_length_max) {
    return "customer must be at most 128 characters";
  }
  if (takes_use) {
    if (request.order_id.empty()) return "order_id is required";
    if (request.order_id.size() > order_id_length_max) {
      return "order_id must be at most 128 characters";
    }
  }
  return rules::check_order(request.order);
}

std::string_view check_rollback_order_id(std::string_view order_id) {
  if (order_id.empty()) return "order_id is required";
  if (order_id.size() > order_id_length_max) return "order_id must be at most 128 characters";
  return {};
}

std::string_view check_stack_size(std::size_t codes) {
  static const std::string message =
      "codes must hold 1 to " + std::to_string(codes_per_order_max) + " codes";
  if (codes == 0 || codes > codes_per_order_max) return message;
  return {};
}

std::uint64_t hash_order(std::string_view order_id) {
  return XXH3_64bits(order_id.data(), order_id.size());
}

void answer_replay(const store::UseRecord& use, const Batch& batch, Outcome* outcome) {
  outcome->reason = Reason::ok;
  outcome->replayed = true;
  outcome->discount.type = batch.definition().discount.type;
  outcome->discount.amount = use.discount_amount;
  outcome->discount.sku = batch.definition().discount.sku;
  outcome->discount.quantity = batch.definition().discount.quantity;
  outcome->redemption_id = use.redemption_id;
  outcome->hold_expires_at = use.hold_expires_at;
}

records::UseTaken use_taken_record(const store::UseLog& log, store::UseNumber number) {
  const store::UseRecord& use = log.at(number);
  return records::UseTaken{use, log.text(use.order_id), log.text(use.channel), log.text(use.store),
                           log.text(use.api_key_name)};
}

namespace {

std::uint64_t journal_use(EngineState& state, const store::UseLog& log, store::UseNumber number) {
  return state.journal_change(journal::RecordType::use_taken, use_taken_record(log, number));
}

std::uint64_t journal_use_change(EngineState& state, journal::RecordType type,
                                 const store::CouponKey& key, store::UseNumber use, Timestamp at) {
  return state.journal_change(type, records::UseChanged{key, use, at});
}

}  // namespace

Outcome Engine::validate(const CouponRequest& request) { return checkout(request, Take::none, {}); }

Outcome Engine::redeem(const CouponRequest& request) { return checkout(request, Take::redeem, {}); }

Outcome Engine::reserve(const CouponRequest& request, std::chrono::seconds ttl) {
  return checkout(request, Take::reserve, ttl);
}

Outcome Engine::checkout(const CouponRequest& request, Take take, std::chrono::seconds ttl) {
  Outcome outcome;
  outcome.request_error = check_checkout_request(request, take != Take::none);
  if (!outcome.request_error.empty()) return outcome;
  EngineState& state = *state_;
  if (take != Take::none && state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  ResolvedCode code;
  outcome.reason = state.resolve(request.code, &code);
  if (outcome.reason != Reason::ok) return outcome;
  outcome.code = code.canonical;

  const std::uint64_t order_hash = take == Take::none ? 0 : hash_order(request.order_id);
  LockedSlot locked(*state.table, code);
  // Again under the lock, which is held until the change is journaled (Engine::set_following).
  if (take != Take::none && state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  store::Slot* slot = locked.slot();
  if (slot == nullptr) {
    outcome.reason = Reason::unknown_code;
    return outcome;
  }
  // Read under the lock: decisions about this coupon see times in the order they are made.
  const Timestamp now = locked.now(*state.clock);
  Batch& batch = *state.batches.by_number(slot->batch_number());
  outcome.batch = &batch;
  CouponSteps steps{state, locked.shard(), *slot, batch, code.key, now};
  lapse_before_deciding(state, locked.shard(), steps, *slot, now);

  // Whatever this answer says, it may rest on changes not yet durable (the use a replay repeats,
  // the use that made this one a refusal): it waits for everything appended so far. A change made
  // below replaces this with its own record's sequence, which is later.
  if (take != Take::none) outcome.journal_sequence = state.journal_tail();

  // An order that already took this coupon gets its first answer again, whatever the time: a
  // checkout that retries after a timeout must not be told "already redeemed" by its own use.
  if (take != Take::none) {
    if (const store::UseNumber previous = steps.find_use_in_force(order_hash, request.order_id)) {
      store::UseRecord& use = steps.use(previous);
      const bool in_force =
          use.state == store::UseState::redeemed || use.state == store::UseState::held;
      if (in_force && !steps.is_same_order(use, request)) {
        outcome.reason = Reason::order_conflict;
        outcome.uses_left = slot->uses_left;
        return outcome;
      }
      // A revocation ends the holds on the coupon: the order's payment may not go through on it.
      if (use.state == store::UseState::held && steps.revoked()) {
        outcome.journal_sequence = end_hold(state, steps, code.key, previous, now);
        outcome.reason = Reason::revoked;
        outcome.uses_left = slot->uses_left;
        return outcome;
      }
      if (use.state == store::UseState::redeemed ||
          (use.state == store::UseState::held && take == Take::reserve)) {
        answer_replay(use, batch, &outcome);
        outcome.uses_left = slot->uses_left;
        return outcome;
      }
      if (use.state == store::UseState::held) {
        steps.confirm_hold(previous);
        journal::fault_point("journal.before_append");
        outcome.journal_sequence = journal_use_change(state, journal::RecordType::hold_confirmed,
                                                      code.key, previous, now);
        answer_replay(use, batch, &outcome);
        outcome.replayed = false;
        outcome.uses_left = slot->uses_left;
        return outcome;
      }
      // Rolled back or lapsed: the order may take a use again, as a new one.
    }
  }

  outcome.reason = steps.check(request, &outcome.discount);
  if (outcome.reason == Reason::ok) outcome.reason = steps.check_uses_left();
  if (outcome.reason == Reason::ok) outcome.reason = steps.check_customer_limit(request, take != Take::none);
  if (outcome.reason == Reason::ok) {
    outcome.reason = steps.check_campaign(outcome.discount.amount, take != Take::none);
    // Refused by the batch's cap or budget: the customer's allowance just taken goes back.
    if (outcome.reason != Reason::ok && take != Take::none) steps.give_back_customer_allowance(request);
  }
  outcome.uses_left = slot->uses_left;
  if (outcome.reason != Reason::ok || take == Take::none) return outcome;

  const Timestamp hold_expires_at = take == Take::reserve ? now + ttl : Timestamp{};
  const store::UseNumber taken =
      steps.take_use(request, order_hash, outcome.discount.amount, hold_expires_at);
  if (taken == 0) {
    outcome.reason = Reason::storage_full;
    return outcome;
  }
  journal::fault_point("journal.before_append");
  outcome.journal_sequence = journal_use(state, locked.shard().side.uses, taken);
  const store::UseRecord& use = steps.use(taken);
  outcome.redemption_id = use.redemption_id;
  outcome.hold_expires_at = use.hold_expires_at;
  outcome.uses_left = slot->uses_left;
  return outcome;
}

RollbackOutcome Engine::rollback(std::string_view code_text, std::string_view order_id,
                                 std::string_view api_key_name) {
  RollbackOutcome outcome;
  outcome.request_error = check_rollback_order_id(order_id);
  if (!outcome.request_error.empty()) return outcome;
  EngineState& state = *state_;
  if (state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  ResolvedCode code;
  outcome.reason = state.resolve(code_text, &code);
  if (outcome.reason != Reason::ok) return outcome;
  outcome.code = code.canonical;

  LockedSlot locked(*state.table, code);
  if (state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  store::Slot* slot = locked.slot();
  if (slot == nullptr) {
    outcome.reason = Reason::unknown_code;
    return outcome;
  }
  const Timestamp now = locked.now(*state.clock);
  Batch& batch = *state.batches.by_number(slot->batch_number());
  CouponSteps steps{state, locked.shard(), *slot, batch, code.key, now};
  lapse_before_deciding(state, locked.shard(), steps, *slot, now);
  outcome.journal_sequence = state.journal_tail();
  if (const store::UseNumber use = steps.find_use(hash_order(order_id), order_id)) {
    outcome.found = true;
    const std::string_view taken_with = locked.shard().side.uses.text(steps.use(use).api_key_name);
    outcome.forbidden = !api_key_name.empty() && !taken_with.empty() && taken_with != api_key_name;
    outcome.replayed = steps.use(use).state == store::UseState::rolled_back;
    if (!outcome.replayed && !outcome.forbidden) {
      steps.give_back(use);
      outcome.journal_sequence =
          journal_use_change(state, journal::RecordType::use_given_back, code.key, use, now);
    }
  }
  outcome.uses_left = slot->uses_left;
  return outcome;
}

}  // namespace coupond
