// A batch's definition changed while checkouts read it: each decision reads one whole definition,
// the old or the new, never a mix (run under ThreadSanitizer too), and every use keeps the
// discount it was decided with.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

TEST(BatchUpdateConcurrency, RedeemsRacingUpdatesEachSeeOneWholeDefinition) {
  EngineFixture fixture;
  // 10% off, on the drinks alone or on the whole order: 100 or 300 on the order below.
  BatchDefinition narrow = amount_off_batch("drinks");
  narrow.discount = {};
  narrow.discount.type = DiscountType::percent_off;
  narrow.discount.percent = 10;
  narrow.scope.categories = {"drink"};
  BatchDefinition wide = narrow;
  wide.scope.categories = {"drink", "food"};
  wide.name = std::string("wide");  // not a literal: GCC 12's false -Wrestrict at -O3
  fixture.create(narrow);
  constexpr int threads_count = 4;
  constexpr int codes_per_thread = 300;
  const auto codes = fixture.generate("drinks", threads_count * (codes_per_thread + 1));
  const std::array<OrderItem, 2> items{OrderItem{"TEA", "drink", 1000, 1},
                                       OrderItem{"BUN", "food", 2000, 1}};

  constexpr int updates = 100;
  std::atomic<bool> done{false};
  std::thread updater([&] {
    for (int round = 0; round < updates; ++round) {
      const Batch* batch = nullptr;
      const BatchDefinition& next = round % 2 == 0 ? wide : narrow;
      EXPECT_TRUE(fixture.engine->update_batch("drinks", next, &batch).is_ok());
      // A reader's view of the name and the scope always belongs to one definition.
      const BatchDefinition& seen = fixture.engine->find_batch("drinks")->definition();
      EXPECT_EQ(seen.name == "wide", seen.scope.categories.size() == 2);
    }
    done = true;
  });
  std::atomic<std::int64_t> given{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> checkouts;
  for (int t = 0; t < threads_count; ++t) {
    checkouts.emplace_back([&, t] {
      // Each thread redeems its codes, then validates one more, never redeemed, until the
      // updates end: both read the definition on every call.
      for (int i = 0; i < codes_per_thread || !done.load(); ++i) {
        const bool redeem = i < codes_per_thread;
        const int code = t * (codes_per_thread + 1) + std::min(i, codes_per_thread);
        const std::string order_id = testing::numbered("o", code);
        CouponRequest request = request_for(codes[static_cast<std::size_t>(code)], order_id);
        request.order.amount = 3000;
        request.order.items = items;
        const Outcome outcome =
            redeem ? fixture.engine->redeem(request) : fixture.engine->validate(request);
        if (outcome.reason != Reason::ok ||
            (outcome.discount.amount != 100 && outcome.discount.amount != 300)) {
          ++unexpected;
        }
        if (redeem) given += outcome.discount.amount;
      }
    });
  }
  for (std::thread& thread : checkouts) thread.join();
  updater.join();
  EXPECT_EQ(unexpected.load(), 0);
  BatchReport report;
  ASSERT_TRUE(fixture.engine->batch_report("drinks", &report).is_ok());
  EXPECT_EQ(report.discount_total, given.load());
  EXPECT_EQ(report.counts.redeemed, static_cast<std::uint64_t>(threads_count * codes_per_thread));
}

}  // namespace
}  // namespace coupond
