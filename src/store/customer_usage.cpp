#include "store/customer_usage.h"

#include <xxhash.h>

namespace coupond::store {

CustomerUsage::CustomerUsage(std::uint32_t shard_bits) {
  const std::uint32_t count = 1u << shard_bits;
  shard_mask_ = count - 1;
  shards_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>());
}

// The customer hash is already a keyed 64-bit hash; mixing in the batch keeps one customer's
// usage in different batches apart. A collision would merge two customers' counts for one batch:
// with 64 bits that needs billions of customers per batch.
std::uint64_t CustomerUsage::usage_key(std::uint32_t batch_number, std::uint64_t customer_hash) {
  const std::uint64_t words[2] = {batch_number, customer_hash};
  return XXH3_64bits(words, sizeof(words));
}

bool CustomerUsage::try_take(std::uint32_t batch_number, std::uint64_t customer_hash,
                             std::uint32_t limit) {
  const std::uint64_t key = usage_key(batch_number, customer_hash);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  std::uint32_t& uses = shard.uses_by_key[key];
  if (uses >= limit) return false;
  ++uses;
  return true;
}

void CustomerUsage::give_back(std::uint32_t batch_number, std::uint64_t customer_hash) {
  const std::uint64_t key = usage_key(batch_number, customer_hash);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.uses_by_key.find(key);
  if (it == shard.uses_by_key.end()) return;
  if (--it->second == 0) shard.uses_by_key.erase(it);
}

std::uint32_t CustomerUsage::uses(std::uint32_t batch_number, std::uint64_t customer_hash) {
  const std::uint64_t key = usage_key(batch_number, customer_hash);
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.uses_by_key.find(key);
  return it == shard.uses_by_key.end() ? 0 : it->second;
}

}  // namespace coupond::store
