// The on-disk layout of a shard file, shared by the writer and every reader (snapshot, dump).
//
//   shard file = ShardHeader (64 bytes) + capacity * Slot (40 bytes each)
//
// A slot holds everything a redemption needs without a second lookup: the key, the batch, the
// uses left, the bound customer (hashed), and the latest use (for idempotent replay): its number
// in the shard's use log and a 32-bit tag of its order, enough to answer the loser of a race on a
// single-use coupon without reading the log. Use details live in the shard's side tables.
// Integers are little-endian, as the machine writes them; the header names the layout version.
#pragma once

#include <cstdint>

#include "store/coupon_key.h"

namespace coupond::store {

inline constexpr std::uint64_t shard_magic = 0x31445248534e5043;  // "CPNSHRD1"
inline constexpr std::uint32_t shard_format_version = 1;

struct ShardHeader {
  std::uint64_t magic = shard_magic;
  std::uint32_t format_version = shard_format_version;
  std::uint32_t slot_bytes = 0;
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 0;
  std::uint64_t capacity = 0;  // slots
  std::uint64_t count = 0;     // occupied slots
  std::uint8_t reserved[24] = {};
};
static_assert(sizeof(ShardHeader) == 64);

// Slot flags, in the top byte of batch_and_flags.
inline constexpr std::uint8_t slot_flag_revoked = 1u << 0;
inline constexpr std::uint8_t slot_flag_has_holds = 1u << 1;  // a use is held by a pending payment
inline constexpr std::uint8_t slot_flag_has_binding = 1u << 2;  // side table has customer text

struct Slot {
  CouponKey key;                     // key.high == 0: the slot is empty
  std::uint64_t customer_hash = 0;   // 0: not bound to a customer
  std::uint32_t latest_use = 0;      // its latest use in the shard's use log; 0: none yet
  std::uint32_t order_tag = 0;       // low 32 bits of that use's order hash
  std::uint32_t batch_and_flags = 0; // low 24 bits batch number, high 8 bits flags
  std::uint32_t uses_left = 0;

  std::uint32_t batch_number() const { return batch_and_flags & 0x00ffffffu; }
  std::uint8_t flags() const { return static_cast<std::uint8_t>(batch_and_flags >> 24); }
  bool has_flag(std::uint8_t flag) const { return (flags() & flag) != 0; }
  void set_flag(std::uint8_t flag, bool on) {
    const std::uint32_t bit = std::uint32_t{flag} << 24;
    batch_and_flags = on ? (batch_and_flags | bit) : (batch_and_flags & ~bit);
  }
  void set_batch_number(std::uint32_t batch_number) {
    batch_and_flags = (batch_and_flags & 0xff000000u) | (batch_number & 0x00ffffffu);
  }
};
static_assert(sizeof(Slot) == 40);

}  // namespace coupond::store
