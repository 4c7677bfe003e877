// Heap allocations counted per benchmark iteration. allocation_count.cpp replaces operator new for
// the whole benchmark binary, so every allocation of every thread is counted: a request's
// allocations cost more than their malloc (they contend across threads and scatter the request's
// data), and the scorecard wants none on the data plane's steady path.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace coupond {

// Every operator new of this program so far, on any thread.
std::uint64_t allocations_made();

// Allocations per iteration of state's timed loop, from construction to report(), as the counter
// "allocs" beside the time.
class AllocationCount {
 public:
  AllocationCount() : start_(allocations_made()) {}
  void report(benchmark::State& state) const {
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations_made() - start_),
                                                  benchmark::Counter::kAvgIterations);
  }

 private:
  std::uint64_t start_;
};

}  // namespace coupond
