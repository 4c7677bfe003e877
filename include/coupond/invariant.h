// COUPOND_INVARIANT: a check that stays on in Release builds, for conditions whose breach would
// corrupt data (a use count below zero, a record past its arena, a shard lock not held). assert()
// is compiled out of the Release builds that serve traffic, which is exactly where a silent breach
// would be written to the journal and the snapshots; this aborts instead, naming the place, so the
// process restarts from the last durable state rather than persisting a wrong one.
//
// Keep these off the per-request fast path unless they cost one predictable branch.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace coupond::detail {

[[noreturn]] inline void invariant_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "coupond: invariant failed: %s at %s:%d; stopping before it reaches disk\n",
               condition, file, line);
  std::abort();
}

}  // namespace coupond::detail

#define COUPOND_INVARIANT(condition)                                               \
  do {                                                                             \
    if (__builtin_expect(!(condition), 0)) {                                       \
      ::coupond::detail::invariant_failed(#condition, __FILE__, __LINE__);         \
    }                                                                              \
  } while (false)
