// Recovery in process: whatever the engine acknowledged is there after a restart, from the journal
// alone, from a snapshot alone, and from a snapshot plus the journal after it, with every figure
// (uses, holds, customer allowances, campaign stats) as it was. Damaged snapshots are passed over.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace coupond {
namespace {

using coupond::testing::EngineFixture;
using coupond::testing::amount_off_batch;
using coupond::testing::request_for;

// Everything observable about the given codes and batches, as one text: two engines with the same
// fingerprint answer every lookup and every stats call the same.
std::string fingerprint(Engine& engine, const std::vector<std::string>& codes,
                        const std::vector<std::string>& batch_ids) {
  std::ostringstream out;
  for (const std::string& code : codes) {
    CouponDescription description;
    const Status status = engine.describe_coupon(code, &description);
    out << code << " " << static_cast<int>(status.code()) << " " << description.state << " uses "
        << description.uses << " held " << description.held << " left " << description.uses_left
        << " customer " << description.customer << "/" << description.segment << "\n";
    for (const RedemptionView& use : description.redemptions) {
      out << "  " << use.order_id << " " << use.redemption_id << " " << use.state << " "
          << use.at.time_since_epoch().count() << " " << use.channel << " " << use.store << " "
          << use.discount_amount << " " << use.amount.value_or(-1) << "\n";
    }
  }
  for (const std::string& id : batch_ids) {
    BatchReport report;
    EXPECT_TRUE(engine.batch_report(id, &report).is_ok());
    out << id << " issued " << report.counts.issued << " redeemed " << report.counts.redeemed
        << " rolled_back " << report.counts.rolled_back << " revoked " << report.counts.revoked
        << " held " << report.counts.held << " discount " << report.discount_total << " orders "
        << report.order_amount_total << " revoked_batch " << engine.find_batch(id)->is_revoked()
        << "\n";
    for (const auto& [channel, count] : report.by_channel) out << "  channel " << channel << " " << count << "\n";
    for (const auto& [segment, count] : report.by_segment) out << "  segment " << segment << " " << count << "\n";
    for (const auto& [hour, count] : report.by_hour) {
      out << "  hour " << hour.time_since_epoch().count() << " " << count << "\n";
    }
  }
  return out.str();
}

CouponRequest order_request(std::string_view code, std::string_view order_id,
                            std::string_view customer = {}, std::string_view channel = "app") {
  CouponRequest request = request_for(code, order_id, customer);
  request.order.amount = 12'000;
  request.order.channel = channel;
  request.order.store = "sh-001";
  return request;
}

// A campaign's worth of every kind of change: redemptions, holds confirmed, released and lapsed,
// rollbacks, revocations, imported and customer-bound codes. Returns the codes it touched.
struct Campaign {
  std::vector<std::string> codes;
  // codes: plain 0-39, multi 40-44, bound 45-47 (alice, bob, carol), partner 48-50, limited 51-53
  std::vector<std::string> batch_ids{"plain", "multi", "bound", "partner", "limited"};

  void run_first_half(EngineFixture& fixture) {
    fixture.create(amount_off_batch("plain"));
    BatchDefinition multi = amount_off_batch("multi", 300);
    multi.max_uses_per_code = 3;
    fixture.create(multi);
    BatchDefinition bound = amount_off_batch("bound", 800);
    bound.max_uses_per_customer = 1;
    fixture.create(bound);
    fixture.create(amount_off_batch("partner", 200));

    codes = fixture.generate("plain", 40);
    const auto multi_codes = fixture.generate("multi", 5);
    codes.insert(codes.end(), multi_codes.begin(), multi_codes.end());
    const std::vector<CustomerCode> customers = {{"alice", "gold"}, {"bob", ""}, {"carol", "new"}};
    ASSERT_TRUE(fixture.engine
                    ->generate_for_customers("bound", customers,
                                             [&](std::string_view, std::string_view code) {
                                               codes.emplace_back(code);
                                             })
                    .is_ok());
    const std::vector<ImportLine> lines = {{"PAPER-0001", "", ""}, {"PAPER-0002", "dave", "vip"},
                                           {"PAPER-0003", "", ""}};
    ImportResult imported;
    ASSERT_TRUE(fixture.engine->import_codes("partner", lines, &imported).is_ok());
    for (const char* code : {"PAPER-0001", "PAPER-0002", "PAPER-0003"}) codes.emplace_back(code);
    BatchDefinition limited = amount_off_batch("limited", 100);
    limited.max_uses_per_customer = 1;
    fixture.create(limited);
    const auto limited_codes = fixture.generate("limited", 3);
    codes.insert(codes.end(), limited_codes.begin(), limited_codes.end());

    Engine& engine = *fixture.engine;
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(engine.redeem(order_request(codes[i], testing::numbered("o-", i))).ok());
    }
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(engine.rollback(codes[i], testing::numbered("o-", i)).found);
    // Multi-use: three orders on one code, one rolled back, then a fourth.
    for (int order = 0; order < 3; ++order) {
      ASSERT_TRUE(engine.redeem(order_request(codes[40], testing::numbered("m-", order), {}, "store")).ok());
    }
    ASSERT_TRUE(engine.rollback(codes[40], "m-1").found);
    ASSERT_TRUE(engine.redeem(order_request(codes[40], "m-3", {}, "store")).ok());
    ASSERT_TRUE(engine.redeem(order_request(codes[45], "b-1", "alice")).ok());
    ASSERT_TRUE(engine.redeem(order_request(codes[49], "p-2", "dave", "web")).ok());
    ASSERT_TRUE(engine.redeem(order_request(codes[51], "l-1", "erin")).ok());
  }

  void run_second_half(EngineFixture& fixture) {
    Engine& engine = *fixture.engine;
    // Holds: one confirmed, one released, one left to lapse and then taken by another order.
    ASSERT_TRUE(engine.reserve(order_request(codes[30], "h-1"), std::chrono::seconds(60)).ok());
    ASSERT_TRUE(engine.redeem(order_request(codes[30], "h-1")).ok());
    ASSERT_TRUE(engine.reserve(order_request(codes[31], "h-2"), std::chrono::seconds(60)).ok());
    ASSERT_TRUE(engine.rollback(codes[31], "h-2").found);
    ASSERT_TRUE(engine.reserve(order_request(codes[32], "h-3"), std::chrono::seconds(60)).ok());
    fixture.clock.advance(std::chrono::minutes(2));
    ASSERT_TRUE(engine.redeem(order_request(codes[32], "h-4")).ok());
    std::uint64_t revoked = 0;
    ASSERT_TRUE(engine.revoke_code(codes[34], &revoked).is_ok());
    ASSERT_TRUE(engine.revoke_batch("partner", &revoked).is_ok());
    ASSERT_TRUE(engine.redeem(order_request(codes[46], "b-2", "bob", "web")).ok());
    fixture.clock.advance(std::chrono::hours(1));
    ASSERT_TRUE(engine.redeem(order_request(codes[35], "late")).ok());
    ASSERT_TRUE(engine.reserve(order_request(codes[33], "h-5"), std::chrono::seconds(600)).ok());
  }
};

TEST(Recovery, EveryChangeComesBackFromTheJournalAlone) {
  EngineFixture fixture;
  Campaign campaign;
  campaign.run_first_half(fixture);
  campaign.run_second_half(fixture);
  const std::string before = fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_TRUE(fixture.engine->recovery().snapshot.empty());
  EXPECT_GT(fixture.engine->recovery().records_replayed, 40u);
  EXPECT_EQ(fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids), before);
}

TEST(Recovery, ASnapshotAndTheJournalAfterItGiveTheSameState) {
  EngineFixture fixture;
  Campaign campaign;
  campaign.run_first_half(fixture);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_GT(snapshot.sequence, 0u);
  EXPECT_GT(snapshot.bytes, 0u);
  campaign.run_second_half(fixture);
  const std::string before = fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->recovery().snapshot, snapshot.path);
  EXPECT_EQ(fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids), before);

  // And once more from a snapshot that covers everything, with nothing after it but the records of
  // its own compactions, which its shard copies already hold. The uses it dropped (h-2 rolled
  // back, h-3 lapsed) are gone from the histories; nothing else changed.
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  const std::string compacted = fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids);
  EXPECT_EQ(compacted.find(" h-2 "), std::string::npos);
  EXPECT_EQ(compacted.find(" h-3 "), std::string::npos);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_LE(fixture.engine->recovery().records_replayed, 2u);
  EXPECT_EQ(fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids), compacted);
}

TEST(Recovery, RecoveredStateKeepsEnforcingUsesAllowancesAndNewSerials) {
  EngineFixture fixture;
  Campaign campaign;
  campaign.run_first_half(fixture);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  campaign.run_second_half(fixture);
  ASSERT_TRUE(fixture.reopen().is_ok());
  Engine& engine = *fixture.engine;
  // A spent code stays spent, for another order; the same order is a replay.
  EXPECT_EQ(engine.redeem(order_request(campaign.codes[10], "other")).reason, Reason::already_redeemed);
  const Outcome replay = engine.redeem(order_request(campaign.codes[10], "o-10"));
  EXPECT_TRUE(replay.ok());
  EXPECT_TRUE(replay.replayed);
  // A hold still in force is still held.
  EXPECT_EQ(engine.redeem(order_request(campaign.codes[33], "other")).reason, Reason::reserved);
  // erin used her one allowance of "limited" before the snapshot: it is spent still, for her only.
  EXPECT_EQ(engine.redeem(order_request(campaign.codes[52], "l-2", "erin")).reason,
            Reason::customer_limit_reached);
  EXPECT_TRUE(engine.redeem(order_request(campaign.codes[52], "l-3", "frank")).ok());
  // A bound code still belongs to its customer.
  EXPECT_EQ(engine.validate(order_request(campaign.codes[47], "b-9", "alice")).reason,
            Reason::customer_mismatch);
  // New redemption ids and serials never repeat old ones.
  const Outcome fresh = engine.redeem(order_request(campaign.codes[36], "new-order"));
  ASSERT_TRUE(fresh.ok());
  CouponDescription described;
  ASSERT_TRUE(engine.describe_coupon(campaign.codes[35], &described).is_ok());
  EXPECT_GT(fresh.redemption_id, described.redemptions.back().redemption_id);
  const auto more = fixture.generate("plain", 3);
  for (const std::string& code : more) {
    EXPECT_EQ(std::find(campaign.codes.begin(), campaign.codes.end(), code), campaign.codes.end());
    EXPECT_TRUE(engine.validate(request_for(code)).ok());
  }
}

TEST(Recovery, ADamagedSnapshotIsPassedOverForTheOneBefore) {
  EngineFixture fixture;
  Campaign campaign;
  campaign.run_first_half(fixture);
  SnapshotInfo older;
  ASSERT_TRUE(fixture.engine->snapshot(&older).is_ok());
  campaign.run_second_half(fixture);
  SnapshotInfo newer;
  ASSERT_TRUE(fixture.engine->snapshot(&newer).is_ok());
  ASSERT_NE(older.path, newer.path);
  const std::string before = fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids);
  fixture.engine.reset();
  {
    std::fstream file(newer.path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(newer.bytes / 2));
    file.put('\x5a');
  }
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->recovery().snapshot, older.path);
  ASSERT_EQ(fixture.engine->recovery().notes.size(), 1u);
  EXPECT_NE(fixture.engine->recovery().notes[0].find("checksum"), std::string::npos);
  EXPECT_EQ(fingerprint(*fixture.engine, campaign.codes, campaign.batch_ids), before);
}

TEST(Recovery, OnlyTwoSnapshotsAreKeptAndTheJournalTheyCoverIsRemoved) {
  EngineFixture fixture;
  fixture.options.journal_segment_bytes_max = 512;
  ASSERT_TRUE(fixture.reopen().is_ok());
  fixture.create(amount_off_batch("plain"));
  const auto codes = fixture.generate("plain", 60);
  SnapshotInfo snapshot;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 15; ++i) {
      const std::string& code = codes[static_cast<std::size_t>(round * 15 + i)];
      const Outcome outcome = fixture.engine->redeem(order_request(code, "o-" + code));
      ASSERT_TRUE(outcome.ok());
      // One record per sync, so that the small segments rotate.
      std::atomic<bool> done{false};
      fixture.engine->when_durable(outcome.journal_sequence, [&](bool) { done = true; });
      while (!done) std::this_thread::yield();
    }
    ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  }
  std::size_t snapshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixture.directory.path() / "snapshots")) {
    snapshots += entry.path().extension() == ".snap";
  }
  EXPECT_EQ(snapshots, 2u);
  std::size_t segments = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixture.directory.path() / "journal")) {
    segments += entry.path().extension() == ".log";
  }
  EXPECT_LT(segments, 20u);
  const std::string before = fingerprint(*fixture.engine, codes, {"plain"});
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fingerprint(*fixture.engine, codes, {"plain"}), before);
}

TEST(RecoveryConcurrency, ASnapshotTakenDuringRedemptionsMissesNothing) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("race"));
  const auto codes = fixture.generate("race", 4000);
  std::vector<std::thread> threads;
  std::atomic<int> redeemed{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < codes.size(); i += 4) {
        if (fixture.engine->redeem(order_request(codes[i], "o-" + codes[i])).ok()) ++redeemed;
      }
    });
  }
  for (int i = 0; i < 3; ++i) {
    SnapshotInfo snapshot;
    ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(redeemed.load(), 4000);
  const std::string before = fingerprint(*fixture.engine, codes, {"race"});
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fingerprint(*fixture.engine, codes, {"race"}), before);
  EXPECT_EQ(fixture.engine->find_batch("race")->stats().redeemed, 4000u);
}

}  // namespace
}  // namespace coupond
