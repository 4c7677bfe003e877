// Data-plane traffic alone cannot make memory or snapshots grow without bound: a snapshot compacts
// each shard's use log, so uses rolled back or lapsed are gone from memory and from the snapshot,
// while the uses in force, the replays they answer, the stats and a restart (from that snapshot,
// or from an older one through the journaled compaction) stay right.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

CouponRequest order(std::string_view code, std::string_view order_id) {
  CouponRequest request = request_for(code, order_id, "alice");
  request.order.amount = 12'000;
  request.order.channel = "app";
  return request;
}

// What a client can see of a code and its batch.
std::string observed(Engine& engine, const std::string& code, const std::string& batch) {
  std::ostringstream out;
  CouponDescription description;
  EXPECT_TRUE(engine.describe_coupon(code, &description).is_ok());
  out << description.state << " uses " << description.uses << " held " << description.held
      << " left " << description.uses_left << "\n";
  for (const RedemptionView& use : description.redemptions) {
    out << use.order_id << " " << use.redemption_id << " " << use.state << "\n";
  }
  BatchReport report;
  EXPECT_TRUE(engine.batch_report(batch, &report).is_ok());
  out << "redeemed " << report.counts.redeemed << " rolled_back " << report.counts.rolled_back
      << " held " << report.counts.held << " discount " << report.discount_total << " orders "
      << report.order_amount_total << "\n";
  for (const auto& [channel, count] : report.by_channel) out << channel << " " << count << "\n";
  return out.str();
}

TEST(UseCompactionTest, RedeemRollbackCyclesLeaveAHandfulOfUsesAfterASnapshot) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 2);
  const std::string& code = codes[0];
  SnapshotInfo baseline;
  ASSERT_TRUE(fixture.engine->snapshot(&baseline).is_ok());

  ASSERT_TRUE(fixture.engine->redeem(order(codes[1], "other")).ok());
  for (int i = 0; i < 10'000; ++i) {
    const std::string order_id = testing::numbered("o-", i);
    ASSERT_TRUE(fixture.engine->redeem(order(code, order_id)).ok()) << i;
    ASSERT_TRUE(fixture.engine->rollback(code, order_id).found) << i;
  }
  const Outcome kept = fixture.engine->redeem(order(code, "final"));
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 10'002u);

  SnapshotInfo compacted;
  ASSERT_TRUE(fixture.engine->snapshot(&compacted).is_ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 2u);
  // Two uses and their tallies, not 10,002 records of 112 bytes and their text.
  EXPECT_LT(compacted.bytes, baseline.bytes + 1'000);

  const std::string after_snapshot = observed(*fixture.engine, code, "b1");
  EXPECT_NE(after_snapshot.find("final " + std::to_string(kept.redemption_id) + " redeemed"),
            std::string::npos)
      << after_snapshot;
  EXPECT_EQ(after_snapshot.find("o-"), std::string::npos) << after_snapshot;
  EXPECT_NE(after_snapshot.find("redeemed 2 rolled_back 10000 held 0 discount 1000 orders 24000"),
            std::string::npos)
      << after_snapshot;
  const Outcome replay = fixture.engine->redeem(order(code, "final"));
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.redemption_id, kept.redemption_id);
  EXPECT_EQ(fixture.engine->redeem(order(code, "o-3")).reason, Reason::already_redeemed);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[1], "other")).replayed);

  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 2u);
  EXPECT_EQ(observed(*fixture.engine, code, "b1"), after_snapshot);
  EXPECT_TRUE(fixture.engine->redeem(order(code, "final")).replayed);

  // Changes after the compaction name the uses by their new numbers, and replay so.
  ASSERT_TRUE(fixture.engine->rollback(code, "final").found);
  ASSERT_TRUE(fixture.engine->redeem(order(code, "after")).ok());
  const std::string before_restart = observed(*fixture.engine, code, "b1");
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(observed(*fixture.engine, code, "b1"), before_restart);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[1], "other")).replayed);
}

TEST(UseCompactionTest, ReleasedAndLapsedHoldsOfAMultiUseCodeAreCompacted) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("multi");
  definition.max_uses_per_code = 3;
  fixture.create(definition);
  const std::string code = fixture.generate("multi", 1).front();
  const auto ttl = std::chrono::seconds(60);
  ASSERT_TRUE(fixture.engine->reserve(order(code, "lapses"), ttl).ok());
  for (int i = 0; i < 2'000; ++i) {
    const std::string order_id = testing::numbered("r-", i);
    ASSERT_TRUE(fixture.engine->reserve(order(code, order_id), ttl).ok()) << i;
    ASSERT_TRUE(fixture.engine->rollback(code, order_id).found) << i;
  }
  fixture.clock.advance(ttl);
  ASSERT_TRUE(fixture.engine->validate(order(code, {})).ok());  // gives the lapsed hold's use back
  ASSERT_TRUE(fixture.engine->redeem(order(code, "kept")).ok());
  ASSERT_TRUE(fixture.engine->reserve(order(code, "held"), ttl).ok());

  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 2u);
  const std::string after_snapshot = observed(*fixture.engine, code, "multi");
  EXPECT_NE(after_snapshot.find("uses 1 held 1 left 1"), std::string::npos) << after_snapshot;

  // The order index finds both kept uses under their new numbers.
  EXPECT_TRUE(fixture.engine->redeem(order(code, "kept")).replayed);
  EXPECT_TRUE(fixture.engine->reserve(order(code, "held"), ttl).replayed);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(observed(*fixture.engine, code, "multi"), after_snapshot);
  const Outcome confirmed = fixture.engine->redeem(order(code, "held"));
  ASSERT_TRUE(confirmed.ok());
  EXPECT_FALSE(confirmed.replayed);
  EXPECT_EQ(fixture.engine->find_batch("multi")->stats().redeemed, 2u);
}

TEST(UseCompactionTest, ReplayFromAnOlderSnapshotDropsTheSameUsesAtTheSamePoint) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("multi");
  definition.max_uses_per_code = 4;
  fixture.create(definition);
  const auto codes = fixture.generate("multi", 3);
  ASSERT_TRUE(fixture.engine->redeem(order(codes[0], "first")).ok());
  SnapshotInfo older;
  ASSERT_TRUE(fixture.engine->snapshot(&older).is_ok());

  for (int i = 0; i < 50; ++i) {
    const std::string order_id = testing::numbered("c-", i);
    ASSERT_TRUE(fixture.engine->redeem(order(codes[i % 2], order_id)).ok());
    ASSERT_TRUE(fixture.engine->rollback(codes[i % 2], order_id).found);
  }
  // A hold that lapses without a journaled change touching its coupon: replay finds it held.
  ASSERT_TRUE(fixture.engine->reserve(order(codes[2], "lapses"), std::chrono::seconds(60)).ok());
  fixture.clock.advance(std::chrono::seconds(61));
  ASSERT_TRUE(fixture.engine->validate(order(codes[2], {})).ok());
  ASSERT_TRUE(fixture.engine->redeem(order(codes[1], "second")).ok());
  SnapshotInfo newer;
  ASSERT_TRUE(fixture.engine->snapshot(&newer).is_ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 2u);
  // Changes after the compaction, naming uses by their new numbers.
  ASSERT_TRUE(fixture.engine->rollback(codes[0], "first").found);
  ASSERT_TRUE(fixture.engine->redeem(order(codes[2], "third")).ok());
  ASSERT_TRUE(fixture.engine->reserve(order(codes[1], "fourth"), std::chrono::seconds(600)).ok());

  std::string before;
  for (const std::string& code : codes) before += observed(*fixture.engine, code, "multi");
  fixture.engine.reset();
  // As if the newer snapshot had never been completed.
  std::filesystem::remove(newer.path);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->recovery().snapshot, older.path);
  std::string after;
  for (const std::string& code : codes) after += observed(*fixture.engine, code, "multi");
  EXPECT_EQ(after, before);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[1], "second")).replayed);
  EXPECT_TRUE(fixture.engine->redeem(order(codes[1], "fourth")).ok());
}

TEST(UseCompactionConcurrency, SnapshotsCompactWhileOrdersRedeemAndRollBack) {
  EngineFixture fixture;
  BatchDefinition definition = amount_off_batch("busy");
  definition.max_uses_per_code = 1'000;
  fixture.create(definition);
  const auto codes = fixture.generate("busy", 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const std::string& code = codes[static_cast<std::size_t>((t * 2 + i) % 8)];
        const std::string order_id = testing::numbered(testing::numbered("t", t) + "-", i);
        EXPECT_TRUE(fixture.engine->redeem(order(code, order_id)).ok());
        // Every other order is given back.
        if (i % 2 == 0) {
          EXPECT_TRUE(fixture.engine->rollback(code, order_id).found);
        }
      }
    });
  }
  for (int i = 0; i < 3; ++i) {
    SnapshotInfo snapshot;
    ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(fixture.engine->find_batch("busy")->stats().redeemed, 800u);
  EXPECT_EQ(fixture.engine->find_batch("busy")->stats().rolled_back, 800u);
  std::string before;
  for (const std::string& code : codes) before += observed(*fixture.engine, code, "busy");
  ASSERT_TRUE(fixture.reopen().is_ok());
  std::string after;
  for (const std::string& code : codes) after += observed(*fixture.engine, code, "busy");
  EXPECT_EQ(after, before);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_EQ(fixture.engine->use_record_count(), 800u);
}

}  // namespace
}  // namespace coupond
