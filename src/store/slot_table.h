// One shard's coupons: an open-addressing hash table with linear probing over a memory-mapped
// file (see slot_format.h). Not thread-safe: the CouponTable's shard lock guards it.
//
// Capacity need not be a power of two: the slot index is the hash scaled into [0, capacity)
// (Lemire's multiply-shift), so a table presized for N coupons holds them at the load it was
// sized for instead of rounding up to the next power of two (which would cost up to 2x memory).
// Slots are never deleted (a revoked or spent coupon keeps its slot), so probing needs no
// tombstones.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>
#include <filesystem>

#include "store/coupon_key.h"
#include "store/mapped_file.h"
#include "store/slot_format.h"

namespace coupond::store {

class SlotTable {
 public:
  SlotTable() = default;
  SlotTable(SlotTable&& other) noexcept { *this = std::move(other); }
  SlotTable& operator=(SlotTable&& other) noexcept;
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

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

  // Starts loading the cache line of hash's home slot. Safe to call without the shard lock, from
  // any thread: it reads only the atomic hints below, and a prefetch of a stale address (the
  // table grew meanwhile) is harmless. The engine calls it before verifying a code's HMAC, so the
  // memory access of the lookup overlaps the hash computation.
  void prefetch(std::uint64_t hash) const {
    const Slot* slots = hint_slots_.load(std::memory_order_relaxed);
    const std::uint64_t capacity = hint_capacity_.load(std::memory_order_relaxed);
    if (slots == nullptr) return;
    // A 40-byte slot straddles two cache lines five times in eight: fetch both ends.
    const Slot* slot = &slots[scale(hash, capacity)];
    __builtin_prefetch(slot);
    __builtin_prefetch(reinterpret_cast<const char*>(slot + 1) - 1);
  }

  std::uint64_t count() const { return header_->count; }
  std::uint64_t capacity() const { return capacity_; }
  std::uint64_t size_bytes() const { return file_.size_bytes(); }

  // The slot array, capacity() slots, empty ones included: what a snapshot copies as it is.
  const Slot* slots() const { return slots_; }
  // Replaces the table by capacity slots copied from a snapshot, count of them occupied. Written
  // to a new file renamed into place, like a grow.
  Status restore(const Slot* slots, std::uint64_t capacity, std::uint64_t count);

  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (std::uint64_t i = 0; i < capacity_; ++i) {
      if (!slots_[i].key.is_empty()) visit(slots_[i]);
    }
  }

 private:
  static std::uint64_t scale(std::uint64_t hash, std::uint64_t capacity) {
    __extension__ using uint128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<uint128>(hash) * capacity) >> 64);
  }
  std::uint64_t home_index(std::uint64_t hash) const { return scale(hash, capacity_); }
  Slot* probe_for_empty(std::uint64_t hash) const;
  Status grow_to(std::uint64_t capacity);
  // A new, empty table in a file beside this one's (its name plus suffix).
  Status create_beside(const char* suffix, std::uint64_t capacity, SlotTable* out) const;
  // Renames replacement's file over this one's and takes its place: a crash part way leaves the
  // old file whole.
  Status take_place(SlotTable&& replacement);

  MappedFile file_;
  ShardHeader* header_ = nullptr;
  Slot* slots_ = nullptr;
  // The header's capacity, kept here too: the header sits on its own page of the mapping, and
  // reading it on every lookup would cost a TLB miss per request in a large table.
  std::uint64_t capacity_ = 0;
  // Copies of slots_ and the capacity for prefetch(), which runs without the lock.
  std::atomic<Slot*> hint_slots_{nullptr};
  std::atomic<std::uint64_t> hint_capacity_{0};
};

}  // namespace coupond::store
