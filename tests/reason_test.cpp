// Every reason has its own snake_case wire name and a sentence: the API's reasons are a closed
// set that clients switch on.
#include "coupond/reason.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace coupond {
namespace {

TEST(ReasonTest, NamesAreDistinctSnakeCaseAndMatchTheApi) {
  std::set<std::string_view> names;
  for (int value = 0; value <= static_cast<int>(reason_last); ++value) {
    const auto reason = static_cast<Reason>(value);
    const std::string_view name = reason_name(reason);
    EXPECT_TRUE(names.insert(name).second) << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
    EXPECT_FALSE(reason_sentence(reason).empty());
  }
  EXPECT_EQ(reason_name(Reason::already_redeemed), "already_redeemed");
  EXPECT_EQ(reason_name(Reason::customer_limit_reached), "customer_limit_reached");
  EXPECT_EQ(reason_name(Reason::order_conflict), "order_conflict");
  EXPECT_EQ(reason_name(Reason::wrong_partition), "wrong_partition");
  EXPECT_EQ(names.size(), 22u);
}

}  // namespace
}  // namespace coupond
