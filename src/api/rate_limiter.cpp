#include "api/rate_limiter.h"

#include <functional>

namespace coupond::api {
namespace {

constexpr std::size_t shards_count = 64;

std::int64_t minute_of(std::chrono::system_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count();
}

}  // namespace

RateLimiter::RateLimiter(std::uint32_t limit_per_minute) : limit_per_minute_(limit_per_minute) {
  for (std::size_t i = 0; i < shards_count; ++i) shards_.push_back(std::make_unique<Shard>());
}

RateLimiter::Shard& RateLimiter::shard_for(std::string_view customer) {
  return *shards_[std::hash<std::string_view>{}(customer) % shards_count];
}

bool RateLimiter::allows(std::string_view customer, std::chrono::system_clock::time_point now) {
  if (limit_per_minute_ == 0 || customer.empty()) return true;
  Shard& shard = shard_for(customer);
  std::lock_guard lock(shard.mutex);
  auto it = shard.counts.find(std::string(customer));
  return it == shard.counts.end() || it->second.minute != minute_of(now) ||
         it->second.bad_codes < limit_per_minute_;
}

void RateLimiter::record_bad_code(std::string_view customer,
                                  std::chrono::system_clock::time_point now) {
  if (limit_per_minute_ == 0 || customer.empty()) return;
  const std::int64_t minute = minute_of(now);
  Shard& shard = shard_for(customer);
  std::lock_guard lock(shard.mutex);
  if (shard.swept_minute != minute) {
    // Memory stays bounded by the customers who erred in the last minute.
    std::erase_if(shard.counts, [minute](const auto& entry) { return entry.second.minute != minute; });
    shard.swept_minute = minute;
  }
  Count& count = shard.counts[std::string(customer)];
  if (count.minute != minute) count = Count{minute, 0};
  ++count.bad_codes;
}

}  // namespace coupond::api
