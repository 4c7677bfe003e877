// Latencies in microseconds, kept in log-linear buckets (16 per power of two, so a percentile is
// within about 6% of the truth) instead of a list: constant memory however long the run, and
// percentiles rather than an average that hides the tail.
#pragma once

#include <array>
#include <cstdint>

namespace coupond::load {

class LatencyHistogram {
 public:
  void record(std::uint64_t micros);
  void merge(const LatencyHistogram& other);
  // The latency below which a fraction q (0..1) of the recorded ones fall.
  std::uint64_t percentile(double q) const;
  std::uint64_t max() const { return max_; }
  std::uint64_t count() const { return count_; }

 private:
  static constexpr int sub_buckets = 16;
  static constexpr int powers = 40;  // up to 2^40 us: twelve days
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t upper_bound_of(std::size_t bucket);

  std::array<std::uint64_t, powers * sub_buckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace coupond::load
