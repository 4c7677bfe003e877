#include "store/slot_table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>
#include <system_error>

#include "coupond/invariant.h"
#include "coupond/limits.h"

namespace coupond::store {
namespace {

std::uint64_t file_bytes_for(std::uint64_t capacity) {
  return sizeof(ShardHeader) + capacity * sizeof(Slot);
}

std::uint64_t capacity_for(std::uint64_t count, double load) {
  const auto wanted = static_cast<std::uint64_t>(std::ceil(static_cast<double>(count) / load));
  return std::max(wanted, shard_slots_min);
}

// The most coupons a table of capacity slots holds before an insert grows it.
std::uint64_t load_limit(std::uint64_t capacity) {
  return static_cast<std::uint64_t>(static_cast<double>(capacity) * table_load_max);
}

}  // namespace

Status SlotTable::create(const std::filesystem::path& path, std::uint32_t shard_index,
                         std::uint32_t shard_count, std::uint64_t capacity, SlotTable* out) {
  capacity = std::max(capacity, shard_slots_min);
  if (capacity > shard_slots_max) {
    return Status::resource_exhausted("a shard cannot hold more than 2^34 slots");
  }
  MappedFile file;
  Status status = MappedFile::create(path, file_bytes_for(capacity), &file);
  if (!status.is_ok()) return status;
  auto* header = new (file.data()) ShardHeader();
  header->slot_bytes = sizeof(Slot);
  header->shard_index = shard_index;
  header->shard_count = shard_count;
  header->capacity = capacity;
  header->count = 0;
  SlotTable table;
  table.file_ = std::move(file);
  table.header_ = header;
  // The slot array starts right after the 64-byte header; the file is zero-filled, and an
  // all-zero Slot is a valid empty slot.
  table.slots_ = reinterpret_cast<Slot*>(table.file_.data() + sizeof(ShardHeader));
  table.capacity_ = capacity;
  *out = std::move(table);
  return Status::ok();
}

SlotTable& SlotTable::operator=(SlotTable&& other) noexcept {
  file_ = std::move(other.file_);
  header_ = std::exchange(other.header_, nullptr);
  slots_ = std::exchange(other.slots_, nullptr);
  capacity_ = std::exchange(other.capacity_, 0);
  other.hint_slots_.store(nullptr, std::memory_order_relaxed);
  hint_slots_.store(slots_, std::memory_order_relaxed);
  hint_capacity_.store(capacity_, std::memory_order_relaxed);
  return *this;
}

Slot* SlotTable::find(const CouponKey& key, std::uint64_t hash) const {
  const std::uint64_t capacity = capacity_;
  std::uint64_t index = home_index(hash);
  // The load never passes table_load_max < 1, so an empty slot always ends the probe.
  while (true) {
    Slot* slot = &slots_[index];
    if (slot->key == key) return slot;
    if (slot->key.is_empty()) return nullptr;
    if (++index == capacity) index = 0;
  }
}

Slot* SlotTable::probe_for_empty(std::uint64_t hash) const {
  const std::uint64_t capacity = capacity_;
  std::uint64_t index = home_index(hash);
  while (!slots_[index].key.is_empty()) {
    if (++index == capacity) index = 0;
  }
  return &slots_[index];
}

Status SlotTable::insert(const Slot& slot, std::uint64_t hash, Slot** out) {
  // An empty key would be stored as an empty slot (ending other coupons' probes early), and a
  // second slot for one key would split its uses between two copies: both lose redemptions.
  COUPOND_INVARIANT(!slot.key.is_empty());
  COUPOND_INVARIANT(find(slot.key, hash) == nullptr);
  if (count() + 1 > load_limit(capacity())) {
    Status status = grow_to(capacity_for(count() + 1, table_load_max / 2));
    if (!status.is_ok()) return status;
  }
  Slot* target = probe_for_empty(hash);
  *target = slot;
  ++header_->count;
  *out = target;
  return Status::ok();
}

Status SlotTable::reserve(std::uint64_t count_total) {
  if (count_total <= load_limit(capacity())) return Status::ok();
  return grow_to(capacity_for(count_total, table_load_presized));
}

// Rehashes into a new file beside the old one, then renames it into place: a crash part way
// leaves the old file whole. Only this shard's lock is held while it runs.
Status SlotTable::grow_to(std::uint64_t capacity) {
  SlotTable grown;
  Status status = create_beside(".grow", capacity, &grown);
  if (!status.is_ok()) return status;
  for_each([&](const Slot& slot) {
    *grown.probe_for_empty(hash_key(slot.key)) = slot;
    ++grown.header_->count;
  });
  return take_place(std::move(grown));
}

Status SlotTable::restore(const Slot* slots, std::uint64_t capacity, std::uint64_t count) {
  SlotTable restored;
  Status status = create_beside(".restore", capacity, &restored);
  if (!status.is_ok()) return status;
  if (restored.capacity_ != capacity) {
    return Status::corruption("a snapshot shard of " + std::to_string(capacity) +
                              " slots is outside the table's bounds");
  }
  std::memcpy(restored.slots_, slots, capacity * sizeof(Slot));
  // A snapshot that verifies was still not necessarily written by a table: its count must be the
  // occupied slots', within the load inserts keep to, or a probe for a missing key would find no
  // empty slot to stop at and loop for ever. (Checked on the copy, which is aligned.)
  std::uint64_t occupied = 0;
  for (std::uint64_t i = 0; i < capacity; ++i) occupied += restored.slots_[i].key.is_empty() ? 0 : 1;
  if (occupied != count || count > load_limit(capacity)) {
    return Status::corruption("a snapshot shard's slots do not match its count (" +
                              std::to_string(count) + " said, " + std::to_string(occupied) +
                              " occupied, of " + std::to_string(capacity) + ")");
  }
  restored.header_->count = count;
  return take_place(std::move(restored));
}

Status SlotTable::create_beside(const char* suffix, std::uint64_t capacity, SlotTable* out) const {
  std::filesystem::path path = file_.path();
  path += suffix;
  return create(path, header_->shard_index, header_->shard_count, capacity, out);
}

Status SlotTable::take_place(SlotTable&& replacement) {
  const std::filesystem::path path = file_.path();
  std::error_code error;
  std::filesystem::rename(replacement.file_.path(), path, error);
  if (error) {
    return Status::io_error("cannot rename " + replacement.file_.path().string() + ": " +
                            error.message());
  }
  replacement.file_.set_path(path);
  *this = std::move(replacement);  // unmaps the old file
  return Status::ok();
}

}  // namespace coupond::store
