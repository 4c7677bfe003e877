// The table key of a coupon. 128 bits, never all zero (an all-zero slot is empty):
//   signed code:   high = signed_marker | batch number, low = serial. No text is stored: the code
//                  itself is rebuilt from (key id, batch, serial) and the signer.
//   imported code: a keyed 128-bit hash (HMAC-SHA256 truncated) of its normalized text, with the
//                  top bit cleared and the next bit set. An attacker cannot aim a code at a loaded
//                  one's hash without the key, and 128 bits make an accidental match negligible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace coupond::store {

struct CouponKey {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  static constexpr std::uint64_t signed_marker = std::uint64_t{1} << 63;
  static constexpr std::uint64_t imported_marker = std::uint64_t{1} << 62;

  static CouponKey for_signed(std::uint32_t batch_number, std::uint32_t serial) {
    return {signed_marker | batch_number, serial};
  }
  static CouponKey for_imported(std::uint64_t hash_high, std::uint64_t hash_low) {
    return {(hash_high & ~signed_marker) | imported_marker, hash_low};
  }

  bool is_empty() const { return high == 0; }
  bool is_signed() const { return (high & signed_marker) != 0; }
  std::uint32_t signed_batch_number() const { return static_cast<std::uint32_t>(high); }
  std::uint32_t signed_serial() const { return static_cast<std::uint32_t>(low); }

  friend bool operator==(const CouponKey&, const CouponKey&) = default;
};

// The hash that places a key in a shard and a slot: xxh3-64 of the 16 key bytes, inlined (it
// runs on every request; a call into the shared library costs as much as the hash).
inline std::uint64_t hash_key(const CouponKey& key) {
  const std::uint64_t words[2] = {key.high, key.low};
  return XXH3_64bits(words, sizeof(words));
}

struct CouponKeyHasher {
  std::size_t operator()(const CouponKey& key) const { return hash_key(key); }
};

}  // namespace coupond::store
