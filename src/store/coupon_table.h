// All coupons: 2^shard_bits shards, each a SlotTable in its own file plus its side tables, each
// guarded by its own short lock. A key's shard is chosen by the low bits of its hash, its slot
// by the high bits. There is no global lock: two redemptions wait for each other only when their
// coupons share a shard, and a shard that grows stops only itself.
//
// A CouponTable is safe for concurrent use: callers lock a shard (lock_shard) and touch only that
// shard's slots and side tables while holding it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "coupond/status.h"
#include "store/side_tables.h"
#include "store/slot_table.h"

namespace coupond::store {

class CouponTable {
 public:
  struct alignas(64) Shard {
    std::mutex mutex;
    SlotTable slots;
    SideTables side;
    // The time the shard last decided by. Every decision reads "now" under the lock through
    // now_from, never below this, so that a clock stepped back cannot make a later decision see
    // an earlier time than one already made (a hold that lapsed would be in force again).
    Timestamp last_now{};

    Timestamp now_from(Timestamp clock_reading) {
      if (clock_reading > last_now) last_now = clock_reading;
      return last_now;
    }
  };

  // Creates a fresh table under directory (created if missing; old shard files are replaced).
  static Status create(const std::filesystem::path& directory, std::uint32_t shard_bits,
                       std::unique_ptr<CouponTable>* out);

  std::uint32_t shard_count() const { return static_cast<std::uint32_t>(shards_.size()); }
  Shard& shard_for(std::uint64_t hash) { return *shards_[hash & shard_mask_]; }
  std::uint32_t shard_index_for(std::uint64_t hash) const {
    return static_cast<std::uint32_t>(hash & shard_mask_);
  }
  Shard& shard(std::uint32_t index) { return *shards_[index]; }

  // Makes room for additional more coupons spread evenly over the shards, so that a batch load
  // neither stops to rehash nor fails half way for want of space.
  Status reserve(std::uint64_t additional);

  // Sums over the shards, taking each lock in turn: a consistent figure per shard, not a
  // point-in-time total.
  std::uint64_t count();
  std::uint64_t size_bytes();

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
  std::uint64_t shard_mask_ = 0;
};

}  // namespace coupond::store
