// What a batch's cap and budget are decided by: the uses in force across the whole batch (redeemed
// plus held) and the sum of their discounts. One counter per batch, under its own mutex, so that
// deciding and counting are one step: whatever the concurrency, a batch never gives more uses than
// max_uses_total nor more discount than its budget, not by one use nor by one minor unit.
//
// Every batch keeps it, limited or not, so that a limit added later starts from the true figures.
// Uses of one batch meet here from every shard: about 16 ns under the lock with two threads on
// it, 3 ns more than atomics would take, measured in docs/benchmarks.md; a batch without limits
// keeps the lock too.
#pragma once

#include <cstdint>
#include <mutex>

#include "coupond/batch.h"
#include "coupond/reason.h"

namespace coupond {

class CampaignCounter {
 public:
  // ok, counting one more use of discount, when it fits under the definition's limits; else
  // sold_out or budget_exhausted, counting nothing.
  Reason admit(const BatchDefinition& definition, Money discount);
  // What admit would answer now; counts nothing.
  Reason check(const BatchDefinition& definition, Money discount) const;
  // A use that came in force without a decision here (replaying the journal, loading a snapshot)
  // or went out of force (rolled back, lapsed, or never stored after admit).
  void add(Money discount);
  void remove(Money discount);

  std::uint64_t uses() const;
  // Saturated at the largest Money, never wrapped.
  Money discount() const;

 private:
  Reason decide(const BatchDefinition& definition, Money discount) const;  // mutex_ held

  mutable std::mutex mutex_;
  std::uint64_t uses_ = 0;
  // Discounts are at most money_max (10^15) each: 128 bits cannot overflow.
  __extension__ __int128 discount_ = 0;
};

}  // namespace coupond
