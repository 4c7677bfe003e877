// Changing a live batch's definition (PATCH): the checks that keep what was already issued and
// taken consistent with the new definition, and the swap that readers see whole. A replaced
// definition is kept for the engine's life, since a checkout may still be reading it; updates are
// operators' actions, so the few kept cost little.
#include <mutex>

#include "engine/engine_state.h"

namespace coupond {
namespace {

// What an update may not change, and why: each of these was fixed into the coupons issued or the
// uses taken under the current definition.
std::string unchangeable_field(const BatchDefinition& now, const BatchDefinition& next) {
  if (next.id != now.id) return "id cannot change";
  // A use keeps the discount it was given; a second discount would make the batch's totals mix two.
  if (next.discount != now.discount) return "discount cannot change";
  // Signed codes carry the settings they were made with.
  if (next.code != now.code) return "code cannot change";
  // Its codes begin with the partition's name, and routers send them there by it.
  if (next.partition != now.partition) return "partition cannot change";
  // Each issued coupon holds its count of uses left, and multi-use coupons index their orders.
  if (next.max_uses_per_code != now.max_uses_per_code) return "max_uses_per_code cannot change";
  // Uses taken under a limit counted toward it and give it back; uses taken without one did not.
  if ((next.max_uses_per_customer == 0) != (now.max_uses_per_customer == 0)) {
    return "max_uses_per_customer cannot change to or from 0 (no limit)";
  }
  return {};
}

}  // namespace

void EngineState::replace_definition(Batch& batch, BatchDefinition definition) {
  batch.definitions_.push_back(std::make_unique<const BatchDefinition>(std::move(definition)));
  batch.definition_.store(batch.definitions_.back().get(), std::memory_order_release);
}

Status Engine::update_batch(std::string_view batch_id, BatchDefinition definition,
                            const Batch** out) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  Batch* batch = state_->batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  std::uint64_t sequence = 0;
  {
    // Against a concurrent revocation or update, and so that a snapshot holds the definition its
    // sequence covers.
    std::lock_guard catalog(state_->catalog_mutex);
    if (state_->refuses_changes()) return EngineState::not_primary_status();
    if (batch->is_revoked()) {
      return Status::failed_precondition("batch " + batch->id() +
                                         " is revoked: its definition no longer changes");
    }
    if (std::string field = unchangeable_field(batch->definition(), definition); !field.empty()) {
      return Status::invalid_argument(std::move(field));
    }
    Status status = check_batch_definition(definition);
    if (!status.is_ok()) return status;
    EngineState::replace_definition(*batch, std::move(definition));
    sequence = state_->journal_change(journal::RecordType::batch_updated,
                                      records::BatchCreated{batch->number(), batch->definition()});
  }
  *out = batch;
  return state_->wait_durable(sequence);
}

}  // namespace coupond
