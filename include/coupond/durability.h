// How a change reaches the disk before it is acknowledged.
#pragma once

#include <cstdint>

namespace coupond {

enum class Durability : std::uint8_t {
  // One fdatasync per group of changes: each answer waits for its group's sync. The default.
  group,
  // One fdatasync per change: the simple way, for comparison.
  sync,
  // Written, never synced, answered at once: a crash of the machine can lose acknowledged
  // redemptions. For benchmarks only.
  none,
};

}  // namespace coupond
