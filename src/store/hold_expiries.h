// Every hold of one shard by the time it expires, so that the holds due now are found at the top
// of a heap instead of by walking coupons' histories, and a lapse costs O(log n) whoever asks.
//
// These are the only use numbers the shard keeps outside its use log and slots: a change that
// renumbers the log (compaction) applies the same renumbering here, through renumber().
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "coupond/clock.h"

namespace coupond::store {

using UseNumber = std::uint32_t;

class HoldExpiries {
 public:
  struct Entry {
    Timestamp expires_at{};
    UseNumber use = 0;
  };

  // A hold taken (or found held in a restored use log).
  void add(Timestamp expires_at, UseNumber use);
  // Removes and returns the earliest entry when it is due at now (expires_at <= now). Entries are
  // not removed when their hold is confirmed or released first: the caller skips a use that is no
  // longer held.
  bool pop_due(Timestamp now, Entry* out);
  // The earliest expiry, or Timestamp::max() when there is none.
  Timestamp next_expiry() const;
  std::size_t size() const { return heap_.size(); }

  // new_number[old - 1] is the use's new number, or 0 when it was removed.
  void renumber(std::span<const UseNumber> new_number);

 private:
  std::vector<Entry> heap_;  // a min-heap by (expires_at, use)
};

}  // namespace coupond::store
