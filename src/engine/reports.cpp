// The operators' exports: a batch's redemptions, its customer-bound coupons still unused, and its
// bound coupons by segment. Each walks one shard under its lock and copies what it finds, so that
// a long export never holds a lock while it writes.
#include <mutex>

#include "engine/checkout_steps.h"
#include "engine/engine_state.h"

namespace coupond {
namespace {

// The batch a coupon of this shard belongs to: a signed key says it, an imported one is looked up.
std::uint32_t batch_number_of(store::CouponTable::Shard& shard, const store::CouponKey& key) {
  if (key.is_signed()) return key.signed_batch_number();
  const store::Slot* slot = shard.slots.find(key, store::hash_key(key));
  return slot == nullptr ? 0 : slot->batch_number();
}

void code_text(const EngineState& state, const Batch& batch, const store::CouponKey& key, CodeText* out) {
  out->size = 0;
  if (key.is_signed()) state.format_signed_code(batch, state.signer->signing_key_id(), key.signed_serial(), out);
}

}  // namespace

std::uint32_t Engine::shard_count() const { return state_->table->shard_count(); }

Status Engine::batch_redemptions(std::string_view batch_id, std::uint32_t shard_index,
                                 std::vector<RedemptionRow>* out) {
  EngineState& state = *state_;
  const Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  out->clear();
  if (shard_index >= state.table->shard_count()) return Status::ok();
  store::CouponTable::Shard& shard = state.table->shard(shard_index);
  std::lock_guard lock(shard.mutex);
  const store::UseLog& log = shard.side.uses;
  for (const store::UseRecord& use : log.records()) {
    if (batch_number_of(shard, use.coupon) != batch->number()) continue;
    RedemptionRow& row = out->emplace_back();
    code_text(state, *batch, use.coupon, &row.code);
    row.order_id = log.text(use.order_id);
    row.at = use.at;
    if (auto binding = shard.side.bindings.find(use.coupon); binding != shard.side.bindings.end()) {
      row.customer = binding->second.customer;
    }
    row.channel = log.text(use.channel);
    row.store = log.text(use.store);
    if (use.has_order_amount) row.amount = use.order_amount;
    row.discount = use.discount_amount;
    row.state = use_state_name(use.state);
  }
  return Status::ok();
}

Status Engine::unused_bound_codes(std::string_view batch_id, std::uint32_t shard_index,
                                  std::vector<UnusedBoundCode>* out) {
  EngineState& state = *state_;
  const Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  out->clear();
  if (shard_index >= state.table->shard_count() || batch->is_revoked()) return Status::ok();
  store::CouponTable::Shard& shard = state.table->shard(shard_index);
  std::lock_guard lock(shard.mutex);
  for (const auto& [key, binding] : shard.side.bindings) {
    const store::Slot* slot = shard.slots.find(key, store::hash_key(key));
    if (slot == nullptr || slot->batch_number() != batch->number()) continue;
    if (slot->uses_left == 0 || slot->has_flag(store::slot_flag_revoked)) continue;
    UnusedBoundCode& unused = out->emplace_back();
    unused.customer = binding.customer;
    code_text(state, *batch, key, &unused.code);
  }
  return Status::ok();
}

Status Engine::issued_by_segment(std::string_view batch_id, std::map<std::string, std::uint64_t>* out) {
  EngineState& state = *state_;
  const Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  out->clear();
  for (std::uint32_t i = 0; i < state.table->shard_count(); ++i) {
    store::CouponTable::Shard& shard = state.table->shard(i);
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, binding] : shard.side.bindings) {
      if (batch_number_of(shard, key) == batch->number()) ++(*out)[binding.segment];
    }
  }
  return Status::ok();
}

}  // namespace coupond
