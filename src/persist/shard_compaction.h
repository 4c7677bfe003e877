// Compacting a shard's use log when a snapshot copies the shard, and the same compaction replayed
// from the journal. The compaction is journaled because it renumbers uses and the records after it
// name uses by their new numbers: a replay that starts from an older snapshot must drop the same
// uses at the same point to read them right.
#pragma once

#include <cstdint>

#include "coupond/status.h"
#include "engine/engine_state.h"
#include "persist/journal_records.h"

namespace coupond {

// Drops the shard's rolled-back and lapsed uses (store::compact_uses), journaling them first. The
// caller, a snapshot about to copy the shard, holds the shard's lock.
void compact_shard(EngineState& state, std::uint32_t shard_index, store::CouponTable::Shard& shard);

// Drops the uses the record names. A use still held here had lapsed when the compaction was made,
// and the replay has not come upon its lapse yet: it is given back first, as its lapse did. A use
// still redeemed is corruption. The caller holds the shard's lock.
Status replay_compaction(EngineState& state, const records::UsesCompacted& record,
                         store::CouponTable::Shard& shard);

}  // namespace coupond
