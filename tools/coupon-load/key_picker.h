// Which code a request uses: uniformly among the codes, or Zipf-skewed, so that a few hot codes
// take most requests, as when a limited coupon drops at midnight and everyone fights over it.
// Immutable once built: one picker serves every thread.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "scenario.h"

namespace coupond::load {

class KeyPicker {
 public:
  // Picks among the first count codes (count >= 1).
  KeyPicker(KeyDistribution distribution, double zipf_exponent, std::uint64_t count);

  // An index in [0, count): index 0 is the hottest code under Zipf.
  std::uint64_t pick(std::mt19937_64& random) const;

 private:
  KeyDistribution distribution_;
  std::uint64_t count_;
  // Zipf: the cumulative weights, normalized to 1; picking is a binary search. At 8 bytes a code
  // it is built for the hot set a scenario names, or for every code (80 MB at ten million).
  std::vector<double> cumulative_;
};

}  // namespace coupond::load
