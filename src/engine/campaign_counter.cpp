#include "coupond/campaign_counter.h"

#include <limits>

namespace coupond {

Reason CampaignCounter::decide(const BatchDefinition& definition, Money discount) const {
  if (definition.max_uses_total > 0 && uses_ >= definition.max_uses_total) return Reason::sold_out;
  if (definition.budget_discount_max > 0 && discount_ + discount > definition.budget_discount_max) {
    return Reason::budget_exhausted;
  }
  return Reason::ok;
}

Reason CampaignCounter::admit(const BatchDefinition& definition, Money discount) {
  std::lock_guard lock(mutex_);
  const Reason reason = decide(definition, discount);
  if (reason == Reason::ok) {
    ++uses_;
    discount_ += discount;
  }
  return reason;
}

Reason CampaignCounter::check(const BatchDefinition& definition, Money discount) const {
  std::lock_guard lock(mutex_);
  return decide(definition, discount);
}

void CampaignCounter::add(Money discount) {
  std::lock_guard lock(mutex_);
  ++uses_;
  discount_ += discount;
}

void CampaignCounter::remove(Money discount) {
  std::lock_guard lock(mutex_);
  --uses_;
  discount_ -= discount;
}

std::uint64_t CampaignCounter::uses() const {
  std::lock_guard lock(mutex_);
  return uses_;
}

Money CampaignCounter::discount() const {
  std::lock_guard lock(mutex_);
  constexpr Money largest = std::numeric_limits<Money>::max();
  return discount_ > largest ? largest : static_cast<Money>(discount_);
}

}  // namespace coupond
