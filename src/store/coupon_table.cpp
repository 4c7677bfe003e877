#include "store/coupon_table.h"

#include <cstdio>
#include <system_error>

#include "coupond/limits.h"

namespace coupond::store {
namespace {

std::filesystem::path shard_path(const std::filesystem::path& directory, std::uint32_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "shard-%04u.tbl", index);
  return directory / name;
}

}  // namespace

Status CouponTable::create(const std::filesystem::path& directory, std::uint32_t shard_bits,
                           std::unique_ptr<CouponTable>* out) {
  if (shard_bits > shard_bits_max) {
    return Status::invalid_argument("shard_bits must be at most " + std::to_string(shard_bits_max));
  }
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Status::io_error("cannot create " + directory.string() + ": " + error.message());
  }
  auto table = std::unique_ptr<CouponTable>(new CouponTable());
  const std::uint32_t count = 1u << shard_bits;
  table->shard_mask_ = count - 1;
  table->shards_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto shard = std::make_unique<Shard>();
    Status status = SlotTable::create(shard_path(directory, i), i, count, shard_slots_min,
                                      &shard->slots);
    if (!status.is_ok()) return status;
    table->shards_.push_back(std::move(shard));
  }
  *out = std::move(table);
  return Status::ok();
}

Status CouponTable::reserve(std::uint64_t additional) {
  // Keys spread evenly, but not exactly: 2% and a few slots of headroom per shard cover the
  // spread of a uniform hash at every size that matters (sigma is sqrt(n) per shard).
  const std::uint64_t per_shard = additional / shards_.size();
  const std::uint64_t headroom = per_shard / 50 + 64;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    Status status = shard->slots.reserve(shard->slots.count() + per_shard + headroom);
    if (!status.is_ok()) return status;
  }
  return Status::ok();
}

std::uint64_t CouponTable::count() {
  std::uint64_t total = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->slots.count();
  }
  return total;
}

std::uint64_t CouponTable::size_bytes() {
  std::uint64_t total = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->slots.size_bytes();
  }
  return total;
}

}  // namespace coupond::store
