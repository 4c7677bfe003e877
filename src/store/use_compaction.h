// Compaction of a shard's use log: the uses no longer in force (rolled back, lapsed) are dropped,
// so that the log, and the snapshots that copy it, stay proportional to the uses in force rather
// than to every use ever taken and given back. The kept uses are numbered anew; renumber_uses is
// the one place that brings everything holding use numbers along.
#pragma once

#include <cstddef>
#include <vector>

#include "store/coupon_table.h"
#include "store/side_tables.h"

namespace coupond::store {

// The uses of log that a compaction may drop (rolled back or lapsed), as ascending runs, at most
// runs_max of them (the rest wait for the next compaction).
std::vector<UseRun> droppable_uses(const UseLog& log, std::size_t runs_max);

// Drops dropped (ascending runs of uses that are rolled back or lapsed) from shard's use log and
// renumbers the rest everywhere. The caller holds the shard's lock.
UseRenumbering compact_uses(CouponTable::Shard& shard, const std::vector<UseRun>& dropped);

// Applies a compaction's renumbering to everything in the shard that holds use numbers: the use
// log's chains and order index, each slot's latest use (and the order tag that goes with it) and
// the shard's hold expiries.
// A structure that comes to hold use numbers is renumbered here too.
void renumber_uses(CouponTable::Shard& shard, const UseRenumbering& renumbering);

}  // namespace coupond::store
