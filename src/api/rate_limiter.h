// Brute-force protection at checkout: a customer who tries more than a few codes that are not
// real (invalid_code or unknown_code) within a minute is answered rate_limited for the rest of
// that minute, whatever code it tries. Counted per customer, not per client address: checkouts
// call from a few servers on behalf of many shoppers. Requests without a customer are not
// limited here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace coupond::api {

class RateLimiter {
 public:
  // limit_per_minute 0 turns the limiter off.
  explicit RateLimiter(std::uint32_t limit_per_minute);

  // False when customer has used up this minute's allowance of bad codes.
  bool allows(std::string_view customer, std::chrono::system_clock::time_point now);
  // Counts one bad code against customer.
  void record_bad_code(std::string_view customer, std::chrono::system_clock::time_point now);

 private:
  struct Count {
    std::int64_t minute = 0;
    std::uint32_t bad_codes = 0;
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Count> counts;
    std::int64_t swept_minute = 0;  // entries of older minutes are dropped once a minute
  };
  Shard& shard_for(std::string_view customer);

  std::uint32_t limit_per_minute_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace coupond::api
