// The campaign rules as pure functions: a batch's cap and budget over its uses in force
// (rules::check_campaign_room) and the stacking groups over one order's codes
// (rules::check_stacking), at their edges. No engine, no counter, no lock.
#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "coupond/limits.h"
#include "rules/rules.h"
#include "test_support.h"

namespace coupond::rules {
namespace {

constexpr Money largest_money = std::numeric_limits<Money>::max();

BatchDefinition limited(std::uint64_t cap, Money budget) {
  BatchDefinition batch = testing::amount_off_batch("campaign");
  batch.max_uses_total = cap;
  batch.budget_discount_max = budget;
  return batch;
}

TEST(CampaignRulesTest, TheCapAdmitsUpToItsLastUseAndRefusesTheNext) {
  const BatchDefinition cap_of_ten = limited(10, 0);
  EXPECT_EQ(check_campaign_room(cap_of_ten, {0, 0}, 500), Reason::ok);
  EXPECT_EQ(check_campaign_room(cap_of_ten, {9, 4500}, 500), Reason::ok);        // the tenth
  EXPECT_EQ(check_campaign_room(cap_of_ten, {10, 5000}, 500), Reason::sold_out);  // the eleventh
  EXPECT_EQ(check_campaign_room(cap_of_ten, {11, 5500}, 0), Reason::sold_out);    // already past
  const BatchDefinition cap_of_one = limited(1, 0);
  EXPECT_EQ(check_campaign_room(cap_of_one, {0, 0}, 0), Reason::ok);
  EXPECT_EQ(check_campaign_room(cap_of_one, {1, 0}, 0), Reason::sold_out);
}

TEST(CampaignRulesTest, TheBudgetAdmitsItsLastMinorUnitAndRefusesOneMore) {
  const BatchDefinition budget = limited(0, 10'000);
  EXPECT_EQ(check_campaign_room(budget, {19, 9'500}, 500), Reason::ok);  // exactly the budget
  EXPECT_EQ(check_campaign_room(budget, {19, 9'501}, 500), Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(budget, {0, 0}, 10'000), Reason::ok);
  EXPECT_EQ(check_campaign_room(budget, {0, 0}, 10'001), Reason::budget_exhausted);
  // A smaller discount may still fit where a larger one did not.
  EXPECT_EQ(check_campaign_room(budget, {19, 9'600}, 500), Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(budget, {19, 9'600}, 400), Reason::ok);
  // A free item (a discount of 0) fits a spent budget, and not one past it.
  EXPECT_EQ(check_campaign_room(budget, {20, 10'000}, 0), Reason::ok);
  EXPECT_EQ(check_campaign_room(budget, {20, 10'001}, 0), Reason::budget_exhausted);
}

TEST(CampaignRulesTest, TheCapIsAnsweredBeforeTheBudget) {
  const BatchDefinition both = limited(2, 1'000);
  EXPECT_EQ(check_campaign_room(both, {2, 1'000}, 1), Reason::sold_out);
  EXPECT_EQ(check_campaign_room(both, {1, 1'000}, 1), Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(both, {1, 999}, 1), Reason::ok);
}

TEST(CampaignRulesTest, ZeroLimitsAreNoLimitsWhateverTheFigures) {
  const BatchDefinition unlimited = limited(0, 0);
  EXPECT_EQ(check_campaign_room(unlimited, {0, 0}, 0), Reason::ok);
  EXPECT_EQ(check_campaign_room(unlimited, {std::numeric_limits<std::uint64_t>::max(), largest_money},
                                money_max),
            Reason::ok);
}

TEST(CampaignRulesTest, HugeFiguresDecideWithoutOverflowing) {
  // discount_in_force + discount would overflow int64 here: the rule must still refuse.
  const BatchDefinition budget = limited(0, money_max);
  EXPECT_EQ(check_campaign_room(budget, {1, largest_money}, money_max), Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(budget, {1, largest_money - 1}, largest_money),
            Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(budget, {0, 0}, largest_money), Reason::budget_exhausted);
  EXPECT_EQ(check_campaign_room(budget, {1, 0}, money_max), Reason::ok);
  EXPECT_EQ(check_campaign_room(budget, {1, 1}, money_max), Reason::budget_exhausted);
  // The largest budget int64 holds, met exactly.
  const BatchDefinition largest_budget = limited(0, largest_money);
  EXPECT_EQ(check_campaign_room(largest_budget, {3, largest_money - money_max}, money_max),
            Reason::ok);
  EXPECT_EQ(check_campaign_room(largest_budget, {3, largest_money - money_max + 1}, money_max),
            Reason::budget_exhausted);
  // The largest cap: one use short of it still fits.
  const BatchDefinition largest_cap = limited(std::numeric_limits<std::uint64_t>::max(), 0);
  EXPECT_EQ(check_campaign_room(largest_cap, {std::numeric_limits<std::uint64_t>::max() - 1, 0}, 1),
            Reason::ok);
  EXPECT_EQ(check_campaign_room(largest_cap, {std::numeric_limits<std::uint64_t>::max(), 0}, 1),
            Reason::sold_out);
}

BatchDefinition in_group(const std::string& group) {
  BatchDefinition batch = testing::amount_off_batch(group.empty() ? "exclusive" : group);
  batch.stacking_group = group;
  return batch;
}

// check_stacking's answer for every code of the order, in order.
std::vector<Reason> stacking_of(const std::vector<const BatchDefinition*>& batches) {
  std::vector<Reason> reasons;
  for (std::size_t i = 0; i < batches.size(); ++i) reasons.push_back(check_stacking(batches, i));
  return reasons;
}

TEST(CampaignRulesTest, CouponsOfDifferentGroupsShareAnOrder) {
  const BatchDefinition platform = in_group("platform");
  const BatchDefinition shipping = in_group("shipping");
  const BatchDefinition shop = in_group("shop");
  EXPECT_EQ(stacking_of({&platform, &shipping, &shop}),
            (std::vector<Reason>{Reason::ok, Reason::ok, Reason::ok}));
}

TEST(CampaignRulesTest, TheSecondOfOneGroupIsRefusedNotTheFirst) {
  const BatchDefinition platform = in_group("platform");
  const BatchDefinition other_platform = in_group("platform");
  const BatchDefinition shipping = in_group("shipping");
  EXPECT_EQ(stacking_of({&platform, &shipping, &other_platform}),
            (std::vector<Reason>{Reason::ok, Reason::ok, Reason::not_stackable}));
  // Two codes of one batch are two of one group too.
  EXPECT_EQ(stacking_of({&platform, &platform}),
            (std::vector<Reason>{Reason::ok, Reason::not_stackable}));
}

TEST(CampaignRulesTest, AnExclusiveCouponIsRefusedBesideAnyOtherAndFineAlone) {
  const BatchDefinition exclusive = in_group("");  // no group: exclusive
  const BatchDefinition shipping = in_group("shipping");
  EXPECT_EQ(stacking_of({&exclusive}), (std::vector<Reason>{Reason::ok}));
  EXPECT_EQ(stacking_of({&exclusive, &shipping}),
            (std::vector<Reason>{Reason::not_stackable, Reason::ok}));
  EXPECT_EQ(stacking_of({&shipping, &exclusive}),
            (std::vector<Reason>{Reason::ok, Reason::not_stackable}));
  // Two exclusive coupons: both refused, the empty group is no group they share.
  EXPECT_EQ(stacking_of({&exclusive, &exclusive}),
            (std::vector<Reason>{Reason::not_stackable, Reason::not_stackable}));
}

TEST(CampaignRulesTest, ACodeNotFoundCountsTowardTheOrderNotTowardAGroup) {
  const BatchDefinition exclusive = in_group("");
  const BatchDefinition platform = in_group("platform");
  // An exclusive coupon beside a code that was not found is still not alone on its order.
  EXPECT_EQ(stacking_of({nullptr, &exclusive}), (std::vector<Reason>{Reason::ok, Reason::not_stackable}));
  EXPECT_EQ(stacking_of({nullptr, &platform}), (std::vector<Reason>{Reason::ok, Reason::ok}));
  EXPECT_EQ(stacking_of({}), std::vector<Reason>{});
  const std::vector<const BatchDefinition*> one = {&platform};
  EXPECT_EQ(check_stacking(one, 5), Reason::ok);  // past the order's codes: nothing to refuse
}

}  // namespace
}  // namespace coupond::rules
