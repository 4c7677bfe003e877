#include "latency_histogram.h"

#include <algorithm>
#include <bit>

namespace coupond::load {

// Values below 16 us get a bucket each; above, each power of two is cut into 16 equal buckets.
std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  if (micros < sub_buckets) return static_cast<std::size_t>(micros);
  const int power = std::bit_width(micros) - 1;  // micros in [2^power, 2^(power+1))
  const int shift = power - 4;                      // 16 sub-buckets: the 4 bits below the top
  const std::size_t sub = static_cast<std::size_t>((micros >> shift) & (sub_buckets - 1));
  const std::size_t bucket = static_cast<std::size_t>(power - 3) * sub_buckets + sub;
  return std::min(bucket, static_cast<std::size_t>(powers * sub_buckets - 1));
}

std::uint64_t LatencyHistogram::upper_bound_of(std::size_t bucket) {
  if (bucket < sub_buckets) return bucket;
  const int power = static_cast<int>(bucket / sub_buckets) + 3;
  const std::uint64_t sub = bucket % sub_buckets;
  return ((sub_buckets + sub + 1) << (power - 4)) - 1;
}

void LatencyHistogram::record(std::uint64_t micros) {
  ++counts_[bucket_of(micros)];
  ++count_;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.5);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= std::max<std::uint64_t>(wanted, 1)) return std::min(upper_bound_of(i), max_);
  }
  return max_;
}

}  // namespace coupond::load
