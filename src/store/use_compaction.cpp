#include "store/use_compaction.h"

namespace coupond::store {

std::vector<UseRun> droppable_uses(const UseLog& log, std::size_t runs_max) {
  std::vector<UseRun> runs;
  for (UseNumber use = 1; use <= log.size(); ++use) {
    const UseState state = log.at(use).state;
    if (state != UseState::rolled_back && state != UseState::lapsed) continue;
    if (!runs.empty() && runs.back().first + runs.back().count == use) {
      ++runs.back().count;
    } else if (runs.size() < runs_max) {
      runs.push_back({use, 1});
    } else {
      break;
    }
  }
  return runs;
}

UseRenumbering compact_uses(CouponTable::Shard& shard, const std::vector<UseRun>& dropped) {
  UseRenumbering renumbering = shard.side.uses.compact(dropped);
  renumber_uses(shard, renumbering);
  return renumbering;
}

void renumber_uses(CouponTable::Shard& shard, const UseRenumbering& renumbering) {
  if (!renumbering.changes_anything()) return;
  UseLog& log = shard.side.uses;
  log.renumber(renumbering);
  shard.side.hold_expiries.renumber(renumbering.kept_from_first());
  shard.slots.for_each([&](Slot& slot) {
    if (slot.latest_use < renumbering.first_changed()) return;
    const UseNumber latest = renumbering.in_chain(slot.latest_use);
    // A dropped latest use leaves an older one latest: the tag follows it.
    if (renumbering.kept(slot.latest_use) == 0) {
      slot.order_tag = latest == 0 ? 0 : static_cast<std::uint32_t>(log.at(latest).order_hash);
    }
    slot.latest_use = latest;
  });
}

}  // namespace coupond::store
