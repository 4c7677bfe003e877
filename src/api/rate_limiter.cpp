#include "api/rate_limiter.h"

#include <algorithm>
#include <bit>

namespace coupond::api {
namespace {

// Sets share this many locks: enough that two I/O threads rarely meet on one.
constexpr std::size_t locks_count = 64;

std::int64_t millis_of(RateLimiter::Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

std::int64_t minute_of(std::int64_t millis) {
  constexpr std::int64_t minute = 60'000;
  return millis >= 0 ? millis / minute : (millis - minute + 1) / minute;
}

}  // namespace

RateLimiter::RateLimiter(std::uint32_t limit_per_minute, std::size_t capacity)
    : limit_per_minute_(limit_per_minute),
      hash_key_(random_hash_key()),
      entries_(std::bit_ceil(std::max(capacity, ways))),
      locks_(std::make_unique<std::mutex[]>(locks_count)) {}

RateLimiter::Place RateLimiter::place_of(std::string_view id) const {
  const std::uint64_t hash = siphash24(hash_key_, id);
  const std::size_t sets = entries_.size() / ways;
  // The low bits pick the set, all 64 make the tag (never 0, which marks a free entry).
  return Place{(hash & (sets - 1)) * ways, hash | 1};
}

std::mutex& RateLimiter::lock_of(const Place& place) const {
  return locks_[(place.first / ways) % locks_count];
}

bool RateLimiter::allows(std::string_view id, Clock::time_point now) const {
  if (limit_per_minute_ == 0 || id.empty()) return true;
  const Place place = place_of(id);
  const std::int64_t minute = minute_of(millis_of(now));
  for (std::size_t i = place.first; i < place.first + ways; ++i) {
    const Entry& entry = entries_[i];
    if (entry.tag.load(std::memory_order_acquire) == place.tag) {
      return minute_of(entry.last_bad_code.load(std::memory_order_relaxed)) != minute ||
             entry.bad_codes.load(std::memory_order_relaxed) < limit_per_minute_;
    }
  }
  return true;
}

void RateLimiter::record_bad_code(std::string_view id, Clock::time_point now) {
  if (limit_per_minute_ == 0 || id.empty()) return;
  const Place place = place_of(id);
  const std::int64_t millis = millis_of(now);
  std::lock_guard lock(lock_of(place));
  // The id's own entry, or else the set's oldest (a free entry is oldest of all).
  Entry* own = nullptr;
  Entry* oldest = nullptr;
  for (std::size_t i = place.first; i < place.first + ways && own == nullptr; ++i) {
    Entry& entry = entries_[i];
    const std::uint64_t tag = entry.tag.load(std::memory_order_relaxed);
    if (tag == place.tag) own = &entry;
    const bool older = oldest == nullptr || tag == 0 ||
                       (oldest->tag.load(std::memory_order_relaxed) != 0 &&
                        entry.last_bad_code.load(std::memory_order_relaxed) <
                            oldest->last_bad_code.load(std::memory_order_relaxed));
    if (older) oldest = &entry;
  }
  Entry& entry = own != nullptr ? *own : *oldest;
  const bool same_minute =
      own != nullptr &&
      minute_of(entry.last_bad_code.load(std::memory_order_relaxed)) == minute_of(millis);
  if (!same_minute) entry.bad_codes.store(0, std::memory_order_relaxed);
  if (own == nullptr) {
    // The count is cleared before the tag changes: a reader that sees the new tag does not see
    // the old id's count.
    entry.last_bad_code.store(millis, std::memory_order_relaxed);
    entry.tag.store(place.tag, std::memory_order_release);
  } else if (entry.last_bad_code.load(std::memory_order_relaxed) < millis) {
    entry.last_bad_code.store(millis, std::memory_order_relaxed);
  }
  const std::uint32_t count = entry.bad_codes.load(std::memory_order_relaxed);
  if (count < limit_per_minute_) entry.bad_codes.store(count + 1, std::memory_order_relaxed);
}

std::size_t RateLimiter::tracked(Clock::time_point now) const {
  const std::int64_t minute = minute_of(millis_of(now));
  std::size_t count = 0;
  for (const Entry& entry : entries_) {
    count += entry.tag.load(std::memory_order_acquire) != 0 &&
             minute_of(entry.last_bad_code.load(std::memory_order_relaxed)) == minute;
  }
  return count;
}

}  // namespace coupond::api
