// The rules that look beyond one coupon: a batch's cap and budget over its uses in force, and the
// stacking groups over the codes of one order (rules.h). The engine counts and locks; these decide.
#include "rules/rules.h"

#include <algorithm>

namespace coupond::rules {

Reason check_campaign_room(const BatchDefinition& batch, const CampaignInForce& in_force,
                           Money discount) {
  if (batch.max_uses_total > 0 && in_force.uses >= batch.max_uses_total) return Reason::sold_out;
  const Money budget = batch.budget_discount_max;
  if (budget > 0) {
    // Compared without adding, so that no figure can overflow: budget minus a discount of at
    // least 0 stays inside int64. (Discounts are never negative; one would be read as 0.)
    const Money room_needed = std::max<Money>(discount, 0);
    if (room_needed > budget || in_force.discount > budget - room_needed) {
      return Reason::budget_exhausted;
    }
  }
  return Reason::ok;
}

Reason check_stacking(std::span<const BatchDefinition* const> batches, std::size_t index) {
  if (batches.size() < 2 || index >= batches.size() || batches[index] == nullptr) {
    return Reason::ok;
  }
  const std::string& group = batches[index]->stacking_group;
  if (group.empty()) return Reason::not_stackable;
  for (std::size_t before = 0; before < index; ++before) {
    if (batches[before] != nullptr && batches[before]->stacking_group == group) {
      return Reason::not_stackable;
    }
  }
  return Reason::ok;
}

}  // namespace coupond::rules
