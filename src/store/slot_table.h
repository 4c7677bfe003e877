// One shard's coupons: an open-addressing hash table with linear probing over a memory-mapped
// file (see slot_format.h). Not thread-safe: the CouponTable's shard lock guards it.
//
// Capacity need not be a power of two: the slot index is the hash scaled into [0, capacity)
// (Lemire's multiply-shift), so a table presized for N coupons holds them at the load it was
// sized for instead of rounding up to the next power of two (which would cost up to 2x memory).
// Slots are never deleted (a revoked or spent coupon keeps its slot), so probing needs no
// tombstones.
#pragma once

#include <cstdint>
#include <filesystem>

#include "store/coupon_key.h"
#include "store/mapped_file.h"
#include "store/slot_format.h"

namespace coupond::store {

class SlotTable {
 public:
  // Creates path holding an empty table of capacity slots (at least shard_slots_min).
  static Status create(const std::filesystem::path& path, std::uint32_t shard_index,
                       std::uint32_t shard_count, std::uint64_t capacity, SlotTable* out);

  // The slot holding key, or null. hash must be hash_key(key).
  Slot* find(const CouponKey& key, std::uint64_t hash) const;

  // Inserts slot (its key must not be in the table), growing the table first when the insert
  // would pass table_load_max. *out points at the stored slot until the next insert or grow.
  Status insert(const Slot& slot, std::uint64_t hash, Slot** out);

  // Grows now, if needed, so that count_total slots fit at table_load_presized: a batch load
  // calls it first so that its inserts never stop to rehash, and so that I/O errors come before
  // any coupon is inserted.
  Status reserve(std::uint64_t count_total);

  std::uint64_t count() const { return header_->count; }
  std::uint64_t capacity() const { return header_->capacity; }
  std::uint64_t size_bytes() const { return file_.size_bytes(); }

  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (std::uint64_t i = 0; i < header_->capacity; ++i) {
      if (!slots_[i].key.is_empty()) visit(slots_[i]);
    }
  }

 private:
  std::uint64_t home_index(std::uint64_t hash) const;
  Slot* probe_for_empty(std::uint64_t hash) const;
  Status grow_to(std::uint64_t capacity);

  MappedFile file_;
  ShardHeader* header_ = nullptr;
  Slot* slots_ = nullptr;
};

}  // namespace coupond::store
