#include "store/side_tables.h"

namespace coupond::store {

Redemption* CouponHistory::find(std::uint64_t order_hash, std::string_view order_id) {
  if (uses_.size() < index_threshold) {
    for (Redemption& use : uses_) {
      if (use.order_hash == order_hash && use.order_id == order_id) return &use;
    }
    return nullptr;
  }
  auto [first, last] = index_by_order_.equal_range(order_hash);
  for (auto it = first; it != last; ++it) {
    Redemption& use = uses_[it->second];
    if (use.order_id == order_id) return &use;
  }
  return nullptr;
}

Redemption& CouponHistory::append(Redemption redemption) {
  uses_.push_back(std::move(redemption));
  if (uses_.size() == index_threshold) {
    for (std::uint32_t i = 0; i < uses_.size(); ++i) index_by_order_.emplace(uses_[i].order_hash, i);
  } else if (uses_.size() > index_threshold) {
    index_by_order_.emplace(uses_.back().order_hash, static_cast<std::uint32_t>(uses_.size() - 1));
  }
  return uses_.back();
}

}  // namespace coupond::store
