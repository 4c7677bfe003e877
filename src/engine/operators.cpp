// The operators' operations on coupons: revoke and describe.
#include <algorithm>
#include <mutex>

#include "engine/checkout_steps.h"
#include "engine/engine_state.h"
#include "engine/hold_lapses.h"
#include "rules/rules.h"

namespace coupond {

std::string_view use_state_name(store::UseState state) {
  switch (state) {
    case store::UseState::held:
      return "held";
    case store::UseState::redeemed:
      return "redeemed";
    case store::UseState::rolled_back:
      return "rolled_back";
    case store::UseState::lapsed:
      return "lapsed";
  }
  return "unknown";
}

namespace {

// A hold past its expiry that is still held (the shard had more due than one run lapses) is shown
// as lapsed. The chain runs newest first; the answer lists oldest first.
void describe_uses(const store::UseLog& log, store::UseNumber latest, Timestamp now,
                   CouponDescription* out) {
  for (store::UseNumber number = latest; number != 0; number = log.at(number).previous_use) {
    const store::UseRecord& use = log.at(number);
    store::UseState state = use.state;
    if (state == store::UseState::held && use.hold_expires_at <= now) state = store::UseState::lapsed;
    if (state == store::UseState::redeemed) ++out->uses;
    if (state == store::UseState::held) ++out->held;
    RedemptionView view;
    view.order_id = log.text(use.order_id);
    view.redemption_id = use.redemption_id;
    view.state = use_state_name(state);
    view.at = use.at;
    view.hold_expires_at = use.hold_expires_at;
    view.channel = log.text(use.channel);
    view.store = log.text(use.store);
    view.api_key_name = log.text(use.api_key_name);
    if (use.has_order_amount) view.amount = use.order_amount;
    view.discount_amount = use.discount_amount;
    out->redemptions.push_back(std::move(view));
  }
  std::reverse(out->redemptions.begin(), out->redemptions.end());
}

}  // namespace

Status Engine::revoke_code(std::string_view code_text, std::uint64_t* revoked) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  EngineState& state = *state_;
  ResolvedCode code;
  if (state.resolve(code_text, &code) != Reason::ok) {
    return Status::invalid_argument("not a valid coupon code");
  }
  LockedSlot locked(*state.table, code);
  if (state.refuses_changes()) return EngineState::not_primary_status();
  store::Slot* slot = locked.slot();
  if (slot == nullptr) return Status::not_found("no such coupon");
  Batch& batch = *state.batches.by_number(slot->batch_number());
  *revoked = 0;
  // Whatever the answer, it may rest on a revocation not yet durable.
  std::uint64_t sequence = state.journal_tail();
  CouponSteps steps{state, locked.shard(), *slot, batch, code.key, locked.now(*state.clock)};
  if (steps.revoke()) {
    sequence = state.journal_change(journal::RecordType::code_revoked, records::CodeRevoked{code.key});
    *revoked = 1;
  }
  locked.unlock();
  return state.wait_durable(sequence);
}

Status Engine::revoke_batch(std::string_view batch_id, std::uint64_t* revoked) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  Batch* batch = state_->batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  *revoked = 0;
  std::uint64_t sequence = 0;
  {
    std::lock_guard catalog(state_->catalog_mutex);
    if (state_->refuses_changes()) return EngineState::not_primary_status();
    sequence = state_->journal_tail();
    if (!batch->revoked_.exchange(true, std::memory_order_acq_rel)) {
      // Every coupon of the batch now answers revoked; those revoked one by one before were.
      const std::uint64_t issued = batch->issued_.load();
      const std::uint64_t before = batch->revoked_codes_.load();
      *revoked = issued - std::min(issued, before);
      sequence = state_->journal_change(journal::RecordType::batch_revoked,
                                        records::BatchRevoked{batch->number()});
    }
  }
  return state_->wait_durable(sequence);
}

Status Engine::batch_report(std::string_view batch_id, BatchReport* out) {
  const Batch* batch = state_->batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  *out = BatchReport();
  out->counts = batch->stats();
  store::CouponTable& table = *state_->table;
  store::MoneySum discount_total = 0;
  store::MoneySum order_amount_total = 0;
  for (std::uint32_t i = 0; i < table.shard_count(); ++i) {
    store::CouponTable::Shard& shard = table.shard(i);
    std::lock_guard lock(shard.mutex);
    auto tally = shard.side.tallies.find(batch->number());
    if (tally == shard.side.tallies.end()) continue;
    discount_total += tally->second.discount_total;
    order_amount_total += tally->second.order_amount_total;
    for (const auto& [channel, count] : tally->second.by_channel) out->by_channel[channel] += count;
    for (const auto& [segment, count] : tally->second.by_segment) out->by_segment[segment] += count;
    for (const auto& [hour, count] : tally->second.by_hour) {
      out->by_hour[Timestamp(std::chrono::hours(hour))] += count;
    }
  }
  out->discount_total = store::saturated_money(discount_total);
  out->order_amount_total = store::saturated_money(order_amount_total);
  // Keys whose redemptions were all rolled back say nothing.
  std::erase_if(out->by_channel, [](const auto& entry) { return entry.second == 0; });
  std::erase_if(out->by_segment, [](const auto& entry) { return entry.second == 0; });
  std::erase_if(out->by_hour, [](const auto& entry) { return entry.second == 0; });
  return Status::ok();
}

Status Engine::describe_coupon(std::string_view code_text, CouponDescription* out) {
  EngineState& state = *state_;
  ResolvedCode code;
  if (state.resolve(code_text, &code) != Reason::ok) {
    return Status::invalid_argument("not a valid coupon code");
  }
  *out = CouponDescription();
  out->code.assign(code.canonical.view());
  LockedSlot locked(*state.table, code);
  store::Slot* slot = locked.slot();
  if (slot == nullptr) return Status::not_found("no such coupon");
  const Timestamp now = locked.now(*state.clock);
  store::SideTables& side = locked.shard().side;
  Batch& batch = *state.batches.by_number(slot->batch_number());
  CouponSteps steps{state, locked.shard(), *slot, batch, code.key, now};
  lapse_before_deciding(state, locked.shard(), steps, *slot, now);
  out->batch = &batch;
  out->max_uses = batch.definition().max_uses_per_code;
  out->uses_left = slot->uses_left;
  describe_uses(side.uses, slot->latest_use, now, out);
  if (slot->has_flag(store::slot_flag_has_binding)) {
    auto it = side.bindings.find(code.key);
    if (it != side.bindings.end()) {
      out->customer = it->second.customer;
      out->segment = it->second.segment;
    }
  }
  if (slot->has_flag(store::slot_flag_revoked) || batch.is_revoked()) {
    out->state = "revoked";
  } else if (out->uses >= out->max_uses) {
    out->state = "redeemed";
  } else if (rules::check_window(batch.definition(), now) == Reason::expired) {
    out->state = "expired";
  } else {
    out->state = "active";
  }
  return Status::ok();
}

}  // namespace coupond
