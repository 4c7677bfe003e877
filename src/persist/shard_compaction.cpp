#include "persist/shard_compaction.h"

#include "engine/checkout_steps.h"
#include "store/use_compaction.h"

namespace coupond {

void compact_shard(EngineState& state, std::uint32_t shard_index,
                   store::CouponTable::Shard& shard) {
  // A standby renumbers uses only where its primary's compaction records say: its own would
  // leave the primary's later records naming other uses.
  if (state.refuses_changes()) return;
  records::UsesCompacted record;
  record.dropped = store::droppable_uses(shard.side.uses, compaction_runs_max);
  if (record.dropped.empty()) return;
  record.shard_count = state.table->shard_count();
  record.shard_index = shard_index;
  // Never a renumbering the journal does not know of: without its record, keep the uses.
  const bool journaled =
      !state.journal || state.journal_change(journal::RecordType::uses_compacted, record) != 0;
  if (!journaled) return;
  store::compact_uses(shard, record.dropped);
}

Status replay_compaction(EngineState& state, const records::UsesCompacted& record,
                         store::CouponTable::Shard& shard) {
  store::UseLog& log = shard.side.uses;
  for (const store::UseRun& run : record.dropped) {
    if (std::uint64_t{run.first} + run.count - 1 > log.size()) {
      return Status::corruption("a compaction drops a use that does not exist");
    }
    for (store::UseNumber use = run.first; use < run.first + run.count; ++use) {
      const store::UseRecord& dropped = log.at(use);
      if (dropped.state == store::UseState::redeemed) {
        return Status::corruption("a compaction drops a redeemed use");
      }
      if (dropped.state != store::UseState::held) continue;
      const store::CouponKey coupon = dropped.coupon;
      store::Slot* slot = shard.slots.find(coupon, store::hash_key(coupon));
      Batch* batch = slot == nullptr ? nullptr : state.batches.by_number(slot->batch_number());
      if (batch == nullptr) return Status::corruption("a compaction drops a use of no coupon");
      CouponSteps steps{state, shard, *slot, *batch, coupon, Timestamp{}};
      steps.give_back(use);
    }
  }
  store::compact_uses(shard, record.dropped);
  return Status::ok();
}

}  // namespace coupond
