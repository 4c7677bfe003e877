// Uses per (batch, customer), for max_uses_per_customer. Sharded like the coupon table, with its
// own locks: a redemption takes its coupon's shard lock first and then, while holding it, the
// customer's usage lock. Locks of the two families are always taken in that order and never two
// of the same family at once, so they cannot deadlock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace coupond::store {

class CustomerUsage {
 public:
  explicit CustomerUsage(std::uint32_t shard_bits);

  // Takes one use if fewer than limit are taken; false when the limit is reached.
  bool try_take(std::uint32_t batch_number, std::uint64_t customer_hash, std::uint32_t limit);
  // Gives one use back (a rollback or a lapsed hold).
  void give_back(std::uint32_t batch_number, std::uint64_t customer_hash);
  std::uint32_t uses(std::uint32_t batch_number, std::uint64_t customer_hash);

 private:
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::uint64_t, std::uint32_t> uses_by_key;
  };
  Shard& shard_for(std::uint64_t key) { return *shards_[key & shard_mask_]; }
  static std::uint64_t usage_key(std::uint32_t batch_number, std::uint64_t customer_hash);

  std::vector<std::unique_ptr<Shard>> shards_;
  std::uint64_t shard_mask_ = 0;
};

}  // namespace coupond::store
