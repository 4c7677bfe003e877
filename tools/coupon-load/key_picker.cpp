#include "key_picker.h"

#include <algorithm>
#include <cmath>

namespace coupond::load {

KeyPicker::KeyPicker(KeyDistribution distribution, double zipf_exponent, std::uint64_t count)
    : distribution_(distribution), count_(std::max<std::uint64_t>(count, 1)) {
  if (distribution_ != KeyDistribution::zipf) return;
  cumulative_.resize(count_);
  double total = 0;
  for (std::uint64_t rank = 0; rank < count_; ++rank) {
    total += 1.0 / std::pow(static_cast<double>(rank + 1), zipf_exponent);
    cumulative_[rank] = total;
  }
  for (double& weight : cumulative_) weight /= total;
}

std::uint64_t KeyPicker::pick(std::mt19937_64& random) const {
  if (distribution_ == KeyDistribution::uniform) return random() % count_;
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random);
  const auto found = std::lower_bound(cumulative_.begin(), cumulative_.end(), unit);
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(found - cumulative_.begin()), count_ - 1);
}

}  // namespace coupond::load
