// The shard's expiry queue: due holds come out earliest first and only once due, and a
// renumbering of the use log (compaction) maps or drops the use numbers it keeps.
#include "store/hold_expiries.h"

#include <gtest/gtest.h>

#include <vector>

namespace coupond::store {
namespace {

Timestamp at(std::int64_t seconds) { return Timestamp(std::chrono::seconds(seconds)); }

std::vector<UseNumber> pop_all_due(HoldExpiries& queue, Timestamp now) {
  std::vector<UseNumber> uses;
  HoldExpiries::Entry entry;
  while (queue.pop_due(now, &entry)) uses.push_back(entry.use);
  return uses;
}

TEST(HoldExpiries, DueHoldsComeOutEarliestFirstAndOnlyOnceDue) {
  HoldExpiries queue;
  queue.add(at(30), 1);
  queue.add(at(10), 2);
  queue.add(at(20), 3);
  queue.add(at(10), 4);
  EXPECT_EQ(queue.next_expiry(), at(10));
  EXPECT_TRUE(pop_all_due(queue, at(9)).empty());
  EXPECT_EQ(pop_all_due(queue, at(20)), (std::vector<UseNumber>{2, 4, 3}));  // the expiry included
  EXPECT_EQ(queue.next_expiry(), at(30));
  EXPECT_EQ(pop_all_due(queue, at(100)), (std::vector<UseNumber>{1}));
  EXPECT_EQ(queue.next_expiry(), Timestamp::max());
}

TEST(HoldExpiries, RenumberingMapsKeptUsesAndDropsRemovedOnes) {
  HoldExpiries queue;
  queue.add(at(10), 1);
  queue.add(at(20), 2);
  queue.add(at(30), 3);
  // Use 1 was removed; 2 and 3 became 1 and 2.
  const std::vector<UseNumber> new_number{0, 1, 2};
  queue.renumber(new_number);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(pop_all_due(queue, at(30)), (std::vector<UseNumber>{1, 2}));
}

}  // namespace
}  // namespace coupond::store
