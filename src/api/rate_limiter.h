// Brute-force protection at checkout: whoever tries more than its allowance of codes that are not
// real (invalid_code or unknown_code) within a minute is answered rate_limited for the rest of
// that minute, whatever code it tries. The data plane keeps two of these: one keyed by customer
// (a shopper guessing) and one keyed by client, the API key's name or the peer address (a
// guesser who changes the customer with every try, or sends none).
//
// The ids are chosen by whoever calls, so the memory is fixed whatever they invent: a table of
// `capacity` entries in sets of `ways`, each id in the set its keyed hash picks (SipHash under a
// key drawn at start, so that nobody can aim many ids at one set), the set's oldest entry giving
// way to a new id. An entry of an earlier minute counts for nothing and is simply overwritten:
// there is no sweep. Counting takes the set's lock for one set's lookup; asking takes no lock at
// all (every request asks, and one API key's requests all ask about the same entry), at the price
// of an answer that may miss a bad code counted at the same instant.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "api/keyed_hash.h"

namespace coupond::api {

class RateLimiter {
 public:
  static constexpr std::size_t ways = 8;
  using Clock = std::chrono::system_clock;

  // limit_per_minute 0 turns the limiter off. capacity is rounded up to a power of two, at least
  // one set.
  RateLimiter(std::uint32_t limit_per_minute, std::size_t capacity);

  // False when id has used up this minute's allowance of bad codes. An empty id is never limited.
  bool allows(std::string_view id, Clock::time_point now) const;
  // Counts one bad code against id.
  void record_bad_code(std::string_view id, Clock::time_point now);

  std::size_t capacity() const { return entries_.size(); }
  // Ids with bad codes counted in now's minute: never more than capacity().
  std::size_t tracked(Clock::time_point now) const;

 private:
  // Written under the set's lock, read without it.
  struct Entry {
    std::atomic<std::uint64_t> tag{0};           // the id's keyed hash; 0: free
    std::atomic<std::int64_t> last_bad_code{0};  // milliseconds since the epoch
    std::atomic<std::uint32_t> bad_codes{0};     // within last_bad_code's minute
  };
  // Where id lives: its set (ways entries from first) and its tag.
  struct Place {
    std::size_t first = 0;
    std::uint64_t tag = 0;
  };
  Place place_of(std::string_view id) const;
  std::mutex& lock_of(const Place& place) const;

  std::uint32_t limit_per_minute_;
  HashKey hash_key_;
  std::vector<Entry> entries_;
  std::unique_ptr<std::mutex[]> locks_;
};

}  // namespace coupond::api
