// The shard's side tables: the order index hashes with a secret seed drawn per process, so order
// ids ground offline to share a bucket do not; the use log refuses a use whose text it cannot hold
// instead of writing past its 32-bit offsets.
#include "store/side_tables.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string>

namespace coupond::store {
namespace {

constexpr CouponKey coupon{CouponKey::signed_marker | 7, 42};

// A use of coupon whose order index key (order hash ^ coupon hash) is key.
UseRecord use_keyed(std::uint64_t key) {
  UseRecord record;
  record.coupon = coupon;
  record.order_hash = key ^ hash_key(coupon);
  return record;
}

std::size_t largest_bucket(const UseLog& log) {
  const UseLog::OrderIndex& index = log.order_index();
  std::size_t largest = 0;
  for (std::size_t b = 0; b < index.bucket_count(); ++b)
    largest = std::max(largest, index.bucket_size(b));
  return largest;
}

TEST(SideTablesTest, OrderIdsGroundToShareABucketDoNot) {
  constexpr int uses = 2'000;
  // The bucket count after this many inserts, to aim keys at one bucket of an unseeded table.
  UseLog probe;
  for (int i = 1; i <= uses; ++i)
    probe.index_by_order(probe.append(use_keyed(static_cast<std::uint64_t>(i)), "", "", "", ""));
  const std::uint64_t buckets = probe.order_index().bucket_count();

  UseLog log;
  for (int i = 1; i <= uses; ++i) {
    log.index_by_order(
        log.append(use_keyed(static_cast<std::uint64_t>(i) * buckets), "o", "", "", ""));
  }
  ASSERT_EQ(log.order_index().bucket_count(), buckets);
  // Identity hashing would put all 2,000 in bucket 0.
  EXPECT_LT(largest_bucket(log), 20u);
}

TEST(SideTablesTest, BucketPlacementDependsOnTheSeed) {
  UseLog first(1), second(2);
  for (UseLog* log : {&first, &second}) {
    for (int i = 1; i <= 100; ++i)
      log->index_by_order(log->append(use_keyed(static_cast<std::uint64_t>(i)), "", "", "", ""));
  }
  ASSERT_EQ(first.order_index().bucket_count(), second.order_index().bucket_count());
  int moved = 0;
  for (std::uint64_t key = 1; key <= 100; ++key) {
    moved += first.order_index().bucket(key) != second.order_index().bucket(key);
  }
  EXPECT_GT(moved, 50);
}

// Run in a child process by the test below: prints where this process puts key 1.
TEST(SideTablesTest, DISABLED_PrintTheProcessPlacement) {
  std::printf("placement %zu\n", SeededHash{}(std::uint64_t{1}));
}

std::string child_placement() {
  const std::string command = "/proc/" + std::to_string(::getpid()) +
                              "/exe --gtest_also_run_disabled_tests "
                              "--gtest_filter=SideTablesTest.DISABLED_PrintTheProcessPlacement";
  FILE* child = ::popen(command.c_str(), "r");
  if (child == nullptr) return {};
  std::string line, found;
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), child) != nullptr) {
    line = buffer.data();
    if (line.rfind("placement ", 0) == 0) found = line.substr(10);
  }
  ::pclose(child);
  return found;
}

TEST(SideTablesTest, EachProcessDrawsItsOwnSeed) {
  const std::string first = child_placement();
  const std::string second = child_placement();
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_NE(first, std::to_string(SeededHash{}(std::uint64_t{1})) + "\n");
  // And the tables use it: a default log's index hashes with the process's seed.
  EXPECT_EQ(UseLog().order_index().hash_function()(1), SeededHash{}(std::uint64_t{1}));
}

TEST(SideTablesTest, AUseWhoseTextDoesNotFitIsRefusedAndNothingIsStored) {
  UseLog log;
  log.limit_text_bytes(100);
  EXPECT_EQ(log.append(use_keyed(1), std::string(60, 'a'), "app", "", ""), 1u);
  EXPECT_EQ(log.append(use_keyed(2), std::string(36, 'b'), "app", "", ""), 0u);
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log.text_bytes(), 63u);
  EXPECT_EQ(log.append(use_keyed(3), std::string(34, 'c'), "app", "", ""), 2u);
  EXPECT_EQ(log.text_bytes(), 100u);
  EXPECT_EQ(log.text(log.at(2).order_id), std::string(34, 'c'));
  // A limit lowered below what the log already holds refuses every new use.
  log.limit_text_bytes(50);
  EXPECT_EQ(log.append(use_keyed(4), "", "", "", ""), 0u);
}

}  // namespace
}  // namespace coupond::store
