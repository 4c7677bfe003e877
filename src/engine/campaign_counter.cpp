// The campaign counter (campaign_counter.h): the counting under one lock. Whether a use fits is
// rules::check_campaign_room's to say.
#include "coupond/campaign_counter.h"

#include <limits>

#include "rules/rules.h"

namespace coupond {

namespace {

__extension__ typedef __int128 WideMoney;

Money saturated(WideMoney sum) {
  constexpr Money largest = std::numeric_limits<Money>::max();
  return sum > largest ? largest : static_cast<Money>(sum);
}

}  // namespace

Reason CampaignCounter::decide(const BatchDefinition& definition, Money discount) const {
  return rules::check_campaign_room(definition, {uses_, saturated(discount_)}, discount);
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
  return saturated(discount_);
}

}  // namespace coupond
