// The checkout of several codes on one order (a stack): each code's shard locked, once, in
// ascending order; each code decided as it would be alone, then the codes together (stacking
// groups, the order's amount shared out); then every use taken, or none, and one journal record
// holding them all, so that a restart finds the whole stack or nothing of it.
#include <algorithm>
#include <array>
#include <mutex>
#include <optional>

#include "engine/checkout_steps.h"
#include "engine/engine_state.h"
#include "coupond/invariant.h"
#include "engine/hold_lapses.h"
#include "journal/fault_point.h"
#include "rules/rules.h"

namespace coupond {
namespace {

using journal::RecordType;

// One code of a stack, once resolved and found.
struct StackCode {
  ResolvedCode code;
  store::CouponTable::Shard* shard = nullptr;
  store::Slot* slot = nullptr;
  Batch* batch = nullptr;
  std::optional<CouponSteps> steps;  // set while the shards are locked
  store::UseNumber use = 0;          // the order's use of this coupon, once found or taken
};

using Stack = std::array<StackCode, codes_per_order_max>;

// The shards of a stack's codes, each locked once, in ascending index order: the one order every
// change of several shards takes, so that two stacks never wait for each other in a circle.
class LockedShards {
 public:
  // Locks the shards of the codes whose outcome is ok so far (the others did not resolve).
  template <typename Outcomes>
  LockedShards(store::CouponTable& table, const Stack& stack, std::size_t count, const Outcomes& outcomes) {
    // At most ten: kept sorted and distinct as they are added.
    std::array<std::uint32_t, codes_per_order_max> indexes{};
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (outcomes[i].reason != Reason::ok) continue;
      const std::uint32_t index = table.shard_index_for(stack[i].code.hash);
      std::size_t at = 0;
      while (at < distinct && indexes[at] < index) ++at;
      if (at < distinct && indexes[at] == index) continue;
      for (std::size_t move = distinct; move > at; --move) indexes[move] = indexes[move - 1];
      indexes[at] = index;
      ++distinct;
    }
    for (std::size_t i = 0; i < distinct; ++i) {
      shards_[i] = &table.shard(indexes[i]);
      locks_[i] = std::unique_lock(shards_[i]->mutex);
    }
    locked_ = distinct;
  }

  // The time to decide by: the latest any of the shards has used, which each of them then keeps,
  // so that no shard ever decides by a time earlier than one it used before.
  Timestamp now(const Clock& clock) {
    Timestamp latest = clock.now();
    for (std::size_t i = 0; i < locked_; ++i) latest = shards_[i]->now_from(latest);
    for (std::size_t i = 0; i < locked_; ++i) shards_[i]->now_from(latest);
    return latest;
  }

 private:
  std::array<store::CouponTable::Shard*, codes_per_order_max> shards_{};
  std::array<std::unique_lock<std::mutex>, codes_per_order_max> locks_;
  std::size_t locked_ = 0;
};

// Resolves every code: invalid ones are named in their own outcome. Returns false, with
// request_error set, when a code is given twice.
template <typename Outcomes>
bool resolve_all(const EngineState& state, std::span<const std::string_view> texts, Stack& stack,
                 Outcomes& outcomes, std::string_view* request_error) {
  for (std::size_t i = 0; i < texts.size(); ++i) {
    outcomes[i].reason = state.resolve(texts[i], &stack[i].code);
    if (outcomes[i].reason != Reason::ok) continue;
    outcomes[i].code = stack[i].code.canonical;
    for (std::size_t j = 0; j < i; ++j) {
      if (outcomes[j].reason == Reason::ok && stack[j].code.key == stack[i].code.key) {
        *request_error = "codes must not name one coupon twice";
        return false;
      }
    }
  }
  return true;
}

// Finds every resolved code's coupon under its locked shard and lapses the shard's due holds
// first, as a single code's checkout does. A coupon not loaded is unknown_code.
template <typename Outcomes>
void find_all(EngineState& state, std::size_t count, Timestamp now, Stack& stack, Outcomes& outcomes) {
  for (std::size_t i = 0; i < count; ++i) {
    if (outcomes[i].reason != Reason::ok) continue;
    StackCode& entry = stack[i];
    entry.shard = &state.table->shard_for(entry.code.hash);
    entry.slot = entry.shard->slots.find(entry.code.key, entry.code.hash);
    if (entry.slot == nullptr) {
      outcomes[i].reason = Reason::unknown_code;
      continue;
    }
    entry.batch = state.batches.by_number(entry.slot->batch_number());
    entry.steps.emplace(state, *entry.shard, *entry.slot, *entry.batch, entry.code.key, now);
    lapse_before_deciding(state, *entry.shard, *entry.steps, *entry.slot, now);
  }
}

// The first code refused so far becomes the stack's refusal: true when there is one.
template <typename StackAnswer>
bool refused_at_first(StackAnswer& outcome) {
  for (std::size_t i = 0; i < outcome.count; ++i) {
    if (outcome.coupons[i].reason != Reason::ok) {
      outcome.failed = i;
      outcome.reason = outcome.coupons[i].reason;
      return true;
    }
  }
  return false;
}

// not_stackable for each code that cannot join the others (rules::check_stacking).
void check_stacking(std::size_t count, const Stack& stack, StackOutcome& outcome) {
  std::array<const BatchDefinition*, codes_per_order_max> batches{};
  for (std::size_t i = 0; i < count; ++i) {
    if (stack[i].batch != nullptr) batches[i] = &stack[i].batch->definition();
  }
  const std::span<const BatchDefinition* const> order(batches.data(), count);
  for (std::size_t i = 0; i < count; ++i) {
    Outcome& coupon = outcome.coupons[i];
    if (coupon.reason == Reason::ok) coupon.reason = rules::check_stacking(order, i);
  }
}

// Each discount as computed alone, capped at what the codes before it left of the order's amount.
void share_order_amount(const CouponRequest& request, StackOutcome& outcome) {
  std::optional<Money> left = request.order.amount;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    Outcome& coupon = outcome.coupons[i];
    if (coupon.reason != Reason::ok) continue;
    if (left) {
      coupon.discount.amount = std::min(coupon.discount.amount, *left);
      *left -= coupon.discount.amount;
    }
    outcome.discount_total += coupon.discount.amount;
  }
}

// The text a stack's uses add to each shard's use log fits, for them all: no use is refused part
// way. Returns the first code of a shard without room, or count.
std::size_t first_without_room(const CouponRequest& request, std::size_t count, const Stack& stack) {
  const std::uint64_t text = request.order_id.size() + request.order.channel.size() +
                             request.order.store.size() + request.api_key_name.size();
  for (std::size_t i = 0; i < count; ++i) {
    std::uint64_t uses = 0;
    for (std::size_t j = 0; j < count; ++j) uses += stack[j].shard == stack[i].shard ? 1 : 0;
    if (!stack[i].shard->side.uses.has_room(uses, uses * text)) return i;
  }
  return count;
}

// What pass two took of the customers' allowances and the batches' room for codes [0, taken).
void give_back_takes(const CouponRequest& request, const StackOutcome& outcome, Stack& stack,
                     std::size_t taken) {
  for (std::size_t i = 0; i < taken; ++i) {
    stack[i].steps->give_back_customer_allowance(request);
    stack[i].steps->give_back_campaign(outcome.coupons[i].discount.amount);
  }
}

template <typename Record>
void add_change(records::ChangesTogether& together, RecordType type, const Record& record) {
  std::string payload;
  records::encode(record, &payload);
  together.changes.emplace_back(type, std::move(payload));
}

// An order that already took every code of the stack: its first answer again, confirming its
// holds when it redeems. (A hold on a coupon revoked since ends, and the stack answers revoked.)
void answer_repeated_stack(EngineState& state, const CouponRequest& request, bool redeem,
                           Timestamp now, Stack& stack, StackOutcome& outcome) {
  for (std::size_t i = 0; i < outcome.count; ++i) {
    const store::UseRecord& use = stack[i].steps->use(stack[i].use);
    if (!stack[i].steps->is_same_order(use, request)) {
      outcome.reason = Reason::order_conflict;
      outcome.failed = i;
      return;
    }
  }
  for (std::size_t i = 0; i < outcome.count; ++i) {
    const store::UseRecord& use = stack[i].steps->use(stack[i].use);
    if (use.state == store::UseState::held && stack[i].steps->revoked()) {
      outcome.journal_sequence = std::max(
          outcome.journal_sequence, end_hold(state, *stack[i].steps, stack[i].code.key, stack[i].use, now));
      outcome.reason = Reason::revoked;
      outcome.failed = i;
      return;
    }
  }
  records::ChangesTogether confirmed;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    CouponSteps& steps = *stack[i].steps;
    if (redeem && steps.use(stack[i].use).state == store::UseState::held) {
      steps.confirm_hold(stack[i].use);
      add_change(confirmed, RecordType::hold_confirmed,
                 records::UseChanged{stack[i].code.key, stack[i].use, now});
    }
    answer_replay(steps.use(stack[i].use), *stack[i].batch, &outcome.coupons[i]);
    outcome.coupons[i].uses_left = stack[i].slot->uses_left;
    outcome.discount_total += outcome.coupons[i].discount.amount;
  }
  outcome.replayed = confirmed.changes.empty();
  if (!confirmed.changes.empty()) {
    journal::fault_point("journal.before_append");
    outcome.journal_sequence = state.journal_change(RecordType::changes_together, confirmed);
  }
}

}  // namespace

StackOutcome Engine::validate_stack(const CouponRequest& request,
                                    std::span<const std::string_view> codes) {
  return checkout_stack(request, codes, Take::none, {});
}

StackOutcome Engine::redeem_stack(const CouponRequest& request,
                                  std::span<const std::string_view> codes) {
  return checkout_stack(request, codes, Take::redeem, {});
}

StackOutcome Engine::reserve_stack(const CouponRequest& request,
                                   std::span<const std::string_view> codes,
                                   std::chrono::seconds ttl) {
  return checkout_stack(request, codes, Take::reserve, ttl);
}

StackOutcome Engine::checkout_stack(const CouponRequest& request,
                                    std::span<const std::string_view> codes, Take take,
                                    std::chrono::seconds ttl) {
  StackOutcome outcome;
  outcome.request_error = check_stack_size(codes.size());
  if (outcome.request_error.empty()) {
    outcome.request_error = check_checkout_request(request, take != Take::none);
  }
  if (!outcome.request_error.empty()) return outcome;
  EngineState& state = *state_;
  outcome.count = codes.size();
  if (take != Take::none && state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  Stack stack;
  if (!resolve_all(state, codes, stack, outcome.coupons, &outcome.request_error)) return outcome;
  // A use is never taken with a code refused before any lock: the refusal names it.
  if (take != Take::none) {
    if (refused_at_first(outcome)) return outcome;
  }
  LockedShards locked(*state.table, stack, outcome.count, outcome.coupons);
  // Again under the locks, which are held until the stack is journaled (Engine::set_following).
  if (take != Take::none && state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  const Timestamp now = locked.now(*state.clock);
  find_all(state, outcome.count, now, stack, outcome.coupons);
  if (take != Take::none) {
    outcome.journal_sequence = state.journal_tail();
    if (refused_at_first(outcome)) return outcome;
    // An order that took some of these codes already: all of them is a repeat, some is a conflict.
    const std::uint64_t order_hash = hash_order(request.order_id);
    std::size_t repeated = 0;
    std::size_t first_new = outcome.count;
    for (std::size_t i = 0; i < outcome.count; ++i) {
      CouponSteps& steps = *stack[i].steps;
      const store::UseNumber use = steps.find_use_in_force(order_hash, request.order_id);
      const bool in_force = use != 0 && (steps.use(use).state == store::UseState::redeemed ||
                                         steps.use(use).state == store::UseState::held);
      stack[i].use = in_force ? use : 0;
      if (in_force) {
        ++repeated;
      } else if (first_new == outcome.count) {
        first_new = i;
      }
    }
    if (repeated == outcome.count) {
      answer_repeated_stack(state, request, take == Take::redeem, now, stack, outcome);
      return outcome;
    }
    if (repeated > 0) {
      outcome.reason = Reason::order_conflict;
      outcome.failed = first_new;
      return outcome;
    }
  }

  // Pass one: each code as alone, then together. Nothing is taken.
  for (std::size_t i = 0; i < outcome.count; ++i) {
    Outcome& coupon = outcome.coupons[i];
    if (coupon.reason != Reason::ok) continue;
    CouponSteps& steps = *stack[i].steps;
    coupon.batch = stack[i].batch;
    coupon.reason = steps.check(request, &coupon.discount);
    if (coupon.reason == Reason::ok) coupon.reason = steps.check_uses_left();
    if (coupon.reason == Reason::ok) coupon.reason = steps.check_customer_limit(request, false);
    coupon.uses_left = stack[i].slot->uses_left;
  }
  check_stacking(outcome.count, stack, outcome);
  share_order_amount(request, outcome);
  for (std::size_t i = 0; i < outcome.count; ++i) {
    Outcome& coupon = outcome.coupons[i];
    if (coupon.reason == Reason::ok) {
      coupon.reason = stack[i].steps->check_campaign(coupon.discount.amount, false);
    }
  }
  if (refused_at_first(outcome) || take == Take::none) return outcome;

  // Pass two: take each customer's allowance and each batch's room (others may have taken them
  // meanwhile, in other shards), giving back what was taken when one is refused.
  for (std::size_t i = 0; i < outcome.count; ++i) {
    CouponSteps& steps = *stack[i].steps;
    Reason reason = steps.check_customer_limit(request, true);
    if (reason == Reason::ok) {
      reason = steps.check_campaign(outcome.coupons[i].discount.amount, true);
      if (reason != Reason::ok) steps.give_back_customer_allowance(request);
    }
    if (reason != Reason::ok) {
      give_back_takes(request, outcome, stack, i);
      outcome.reason = outcome.coupons[i].reason = reason;
      outcome.failed = i;
      return outcome;
    }
  }
  const std::size_t full = first_without_room(request, outcome.count, stack);
  if (full < outcome.count) {
    give_back_takes(request, outcome, stack, outcome.count);
    outcome.reason = outcome.coupons[full].reason = Reason::storage_full;
    outcome.failed = full;
    return outcome;
  }

  const Timestamp hold_expires_at = take == Take::reserve ? now + ttl : Timestamp{};
  const std::uint64_t order_hash = hash_order(request.order_id);
  records::ChangesTogether taken;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    Outcome& coupon = outcome.coupons[i];
    stack[i].use = stack[i].steps->take_use(request, order_hash, coupon.discount.amount, hold_expires_at);
    COUPOND_INVARIANT(stack[i].use != 0);  // the room was checked for them all
    const store::UseLog& log = stack[i].shard->side.uses;
    add_change(taken, RecordType::use_taken, use_taken_record(log, stack[i].use));
    coupon.redemption_id = log.at(stack[i].use).redemption_id;
    coupon.hold_expires_at = hold_expires_at;
    coupon.uses_left = stack[i].slot->uses_left;
  }
  journal::fault_point("journal.before_append");
  outcome.journal_sequence = state.journal_change(RecordType::changes_together, taken);
  return outcome;
}

StackRollbackOutcome Engine::rollback_stack(std::span<const std::string_view> codes,
                                            std::string_view order_id,
                                            std::string_view api_key_name) {
  StackRollbackOutcome outcome;
  outcome.request_error = check_stack_size(codes.size());
  if (outcome.request_error.empty()) outcome.request_error = check_rollback_order_id(order_id);
  if (!outcome.request_error.empty()) return outcome;
  EngineState& state = *state_;
  outcome.count = codes.size();
  if (state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  Stack stack;
  if (!resolve_all(state, codes, stack, outcome.coupons, &outcome.request_error)) return outcome;
  if (refused_at_first(outcome)) return outcome;
  LockedShards locked(*state.table, stack, outcome.count, outcome.coupons);
  if (state.refuses_changes()) {
    outcome.reason = Reason::not_primary;
    return outcome;
  }
  const Timestamp now = locked.now(*state.clock);
  find_all(state, outcome.count, now, stack, outcome.coupons);
  if (refused_at_first(outcome)) return outcome;
  outcome.journal_sequence = state.journal_tail();
  const std::uint64_t order_hash = hash_order(order_id);
  for (std::size_t i = 0; i < outcome.count; ++i) {
    RollbackOutcome& coupon = outcome.coupons[i];
    CouponSteps& steps = *stack[i].steps;
    stack[i].use = steps.find_use(order_hash, order_id);
    coupon.uses_left = stack[i].slot->uses_left;
    if (stack[i].use == 0) continue;
    coupon.found = true;
    const store::UseRecord& use = steps.use(stack[i].use);
    const std::string_view taken_with = stack[i].shard->side.uses.text(use.api_key_name);
    coupon.forbidden = !api_key_name.empty() && !taken_with.empty() && taken_with != api_key_name;
    coupon.replayed = use.state == store::UseState::rolled_back;
    if (coupon.forbidden) {
      outcome.forbidden = true;
      outcome.failed = i;
      return outcome;
    }
  }
  records::ChangesTogether given_back;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    RollbackOutcome& coupon = outcome.coupons[i];
    if (!coupon.found || coupon.replayed) continue;
    stack[i].steps->give_back(stack[i].use);
    add_change(given_back, RecordType::use_given_back,
               records::UseChanged{stack[i].code.key, stack[i].use, now});
    coupon.uses_left = stack[i].slot->uses_left;
  }
  if (!given_back.changes.empty()) {
    journal::fault_point("journal.before_append");
    outcome.journal_sequence = state.journal_change(RecordType::changes_together, given_back);
  }
  return outcome;
}

}  // namespace coupond
