// Hashing for the side tables keyed by what clients choose (order ids, channel names): seeded with
// a secret drawn once per process, so that keys ground offline to fall into one bucket do so only
// by chance here, and a client cannot make one shard's lookups walk a long bucket chain while its
// lock is held. The values stored in snapshots and journals (UseRecord::order_hash) stay unseeded:
// the seed is applied on top of them, by the tables alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coupond::store {

// Random, drawn on first use; the same for the rest of the process.
std::uint64_t process_hash_seed();

// xxh3-64 under a seed, for std::unordered_* tables. Default-constructed, it uses the process's.
struct SeededHash {
  using is_transparent = void;  // looks text up by string_view, allocating nothing
  std::uint64_t seed = process_hash_seed();
  std::size_t operator()(std::uint64_t key) const;
  std::size_t operator()(std::string_view text) const;
};

}  // namespace coupond::store
