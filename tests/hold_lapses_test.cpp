// Holds and time: a hold lapses by itself at its expiry, journaled, giving back its use and its
// customer's allowance whether or not anyone touches its coupon again; a revocation ends the holds
// on a coupon; time is read under the shard's lock and never goes back within a shard; and a
// restart replays exactly what was acknowledged, whatever the clock did meanwhile.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "test_support.h"

namespace coupond {
namespace {

using coupond::testing::EngineFixture;
using coupond::testing::amount_off_batch;
using coupond::testing::request_for;
using namespace std::chrono_literals;

// An engine whose holds lapse only when a test says so (no lapse thread), on the given clock.
void reopen_with(EngineFixture& fixture, const Clock* clock) {
  fixture.options.hold_lapse_interval = 0ms;
  if (clock != nullptr) fixture.options.clock = clock;
  ASSERT_TRUE(fixture.reopen().is_ok());
}

// What was acknowledged about these codes and batches, as one text: each coupon's uses (state and
// time), holds and uses left, each batch's counts, and for each customer whether the batch's
// allowance is left (asked of probe, a code of the batch nobody uses).
std::string acknowledged(Engine& engine, const std::vector<std::string>& codes,
                         const std::vector<std::string>& batch_ids, const std::string& probe,
                         const std::vector<std::string>& customers) {
  std::ostringstream out;
  for (const std::string& code : codes) {
    CouponDescription description;
    EXPECT_TRUE(engine.describe_coupon(code, &description).is_ok());
    out << code << " " << description.state << " uses " << description.uses << " held "
        << description.held << " left " << description.uses_left << "\n";
    for (const RedemptionView& use : description.redemptions) {
      out << "  " << use.order_id << " " << use.state << " " << use.at.time_since_epoch().count()
          << "\n";
    }
  }
  for (const std::string& id : batch_ids) {
    const BatchStats stats = engine.find_batch(id)->stats();
    out << id << " redeemed " << stats.redeemed << " held " << stats.held << " rolled_back "
        << stats.rolled_back << "\n";
  }
  for (const std::string& customer : customers) {
    out << customer << " " << reason_name(engine.validate(request_for(probe, {}, customer)).reason)
        << "\n";
  }
  return out.str();
}

BatchDefinition one_per_customer(std::string id) {
  BatchDefinition definition = amount_off_batch(std::move(id));
  definition.max_uses_per_customer = 1;
  return definition;
}

// Batch b1 of count codes, one use per customer, on an engine without a lapse thread.
struct OnePerCustomerFixture : EngineFixture {
  std::vector<std::string> codes;
  explicit OnePerCustomerFixture(std::uint64_t count) {
    reopen_with(*this, nullptr);
    create(one_per_customer("b1"));
    codes = generate("b1", count);
  }
};

TEST(HoldLapses, AClockSteppedBackAnHourNeitherUndoesALapseNorStopsARestart) {
  OnePerCustomerFixture fixture(2);
  const auto& codes = fixture.codes;
  Engine& engine = *fixture.engine;
  const Timestamp expiry = fixture.clock.now() + 60s;

  ASSERT_TRUE(engine.reserve(request_for(codes[0], "o1", "carol"), 60s).ok());
  fixture.clock.set(expiry);
  EXPECT_TRUE(engine.validate(request_for(codes[0], {}, "erin")).ok());  // the hold lapses here
  fixture.clock.set(expiry - 1h);                               // an NTP step backwards
  const Outcome taken = engine.redeem(request_for(codes[0], "o2", "dave"));
  ASSERT_TRUE(taken.ok()) << reason_name(taken.reason);

  // The shard decided the lapse at the expiry: its later redemption is not dated before it.
  CouponDescription description;
  ASSERT_TRUE(engine.describe_coupon(codes[0], &description).is_ok());
  ASSERT_EQ(description.redemptions.size(), 2u);
  EXPECT_EQ(description.redemptions[0].state, "lapsed");
  EXPECT_EQ(description.redemptions[1].at, expiry);

  const std::vector<std::string> customers{"carol", "dave"};
  const std::string before =
      acknowledged(*fixture.engine, {codes[0]}, {"b1"}, codes[1], customers);
  EXPECT_NE(before.find("carol ok"), std::string::npos) << before;
  EXPECT_NE(before.find("dave customer_limit_reached"), std::string::npos) << before;
  const Status reopened = fixture.reopen();
  ASSERT_TRUE(reopened.is_ok()) << reopened.message();
  EXPECT_EQ(acknowledged(*fixture.engine, {codes[0]}, {"b1"}, codes[1], customers), before);
}

// A clock that, once armed, runs a hook inside the next reading, after taking it: the hook can let
// another request run between this request's reading of the clock and whatever follows it.
class HookedClock final : public Clock {
 public:
  explicit HookedClock(Timestamp start) : clock_(start) {}
  Timestamp now() const override {
    const Timestamp reading = clock_.now();
    if (armed_.exchange(false)) hook_();
    return reading;
  }
  void set(Timestamp t) { clock_.set(t); }
  void arm(std::function<void()> hook) {
    hook_ = std::move(hook);
    armed_.store(true);
  }

 private:
  ManualClock clock_;
  mutable std::atomic<bool> armed_{false};
  std::function<void()> hook_;
};

TEST(HoldLapses, ARequestThatReadTheClockBeforeAnExpiryCannotTakeAUseFreedAfterIt) {
  HookedClock clock(coupond::testing::campaign_start() + 1h);
  EngineFixture fixture;
  reopen_with(fixture, &clock);
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 1);
  Engine& engine = *fixture.engine;
  const Timestamp expiry = clock.now() + 60s;
  ASSERT_TRUE(engine.reserve(request_for(codes[0], "o1"), 60s).ok());

  // The redemption reads the clock a microsecond before the expiry; a validation that reads it
  // at the expiry runs meanwhile if it can. Whichever of the two decides first decides at its own
  // time: the redemption may not find the use the validation freed.
  clock.set(expiry - 1us);
  std::mutex mutex;
  std::condition_variable done;
  bool validated = false;
  Outcome validation;
  std::thread other;
  clock.arm([&] {
    clock.set(expiry);
    other = std::thread([&] {
      validation = engine.validate(request_for(codes[0]));
      std::lock_guard lock(mutex);
      validated = true;
      done.notify_one();
    });
    // Bounded: where the clock is read under the shard's lock, the validation waits for it.
    std::unique_lock lock(mutex);
    done.wait_for(lock, 300ms, [&] { return validated; });
  });
  const Outcome redemption = engine.redeem(request_for(codes[0], "o2"));
  other.join();
  EXPECT_EQ(redemption.reason, Reason::reserved);
  EXPECT_TRUE(validation.ok());

  const std::string before = acknowledged(engine, codes, {"b1"}, codes[0], {});
  const Status reopened = fixture.reopen();
  ASSERT_TRUE(reopened.is_ok()) << reopened.message();
  EXPECT_EQ(acknowledged(*fixture.engine, codes, {"b1"}, codes[0], {}), before);
  EXPECT_NE(before.find("o1 lapsed"), std::string::npos) << before;
}

TEST(HoldLapses, AnAbandonedHoldGivesTheCustomersAllowanceBackWithoutItsCouponBeingTouched) {
  OnePerCustomerFixture fixture(3);
  const auto& codes = fixture.codes;
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[0], "o1", "carol"), 30s).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(codes[1], "o2", "carol")).reason,
            Reason::customer_limit_reached);
  fixture.clock.advance(30s);
  EXPECT_EQ(fixture.engine->lapse_due_holds(), 1u);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 0u);

  // The lapse was journaled: a restart finds it without deciding it again.
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 0u);
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[1], "o2", "carol")).ok());
  EXPECT_EQ(fixture.engine->lapse_due_holds(), 0u);
  const std::string before = acknowledged(*fixture.engine, codes, {"b1"}, codes[2], {"carol"});
  EXPECT_NE(before.find("o1 lapsed"), std::string::npos) << before;
  EXPECT_NE(before.find("carol customer_limit_reached"), std::string::npos) << before;
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(acknowledged(*fixture.engine, codes, {"b1"}, codes[2], {"carol"}), before);
}

TEST(HoldLapses, ADecisionLapsesABoundedRunOfItsShardsDueHoldsAndItsOwnAndThePassTheRest) {
  EngineFixture fixture(/*shard_bits=*/0);  // one shard: every hold in one queue
  reopen_with(fixture, nullptr);
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 200);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    ASSERT_TRUE(fixture.engine->reserve(request_for(codes[i], testing::numbered("o", i)), 60s).ok());
  }
  fixture.clock.advance(60s);
  // The last hold is not among the first run's, yet its coupon's answer is exact at the expiry.
  EXPECT_TRUE(fixture.engine->validate(request_for(codes.back())).ok());
  const std::uint64_t left = 200 - hold_lapses_per_lock_max - 1;
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, left);
  EXPECT_EQ(fixture.engine->lapse_due_holds(), left);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 0u);
}

TEST(HoldLapses, ConfirmingAHoldOnARevokedCouponOrBatchAnswersRevokedAndReleasesIt) {
  EngineFixture fixture;
  reopen_with(fixture, nullptr);
  fixture.create(one_per_customer("single"));
  fixture.create(one_per_customer("whole"));
  const auto single = fixture.generate("single", 3);
  const auto whole = fixture.generate("whole", 1);
  Engine& engine = *fixture.engine;
  ASSERT_TRUE(engine.reserve(request_for(single[0], "o1", "alice"), 600s).ok());
  ASSERT_TRUE(engine.reserve(request_for(whole[0], "o2", "bob"), 600s).ok());
  ASSERT_TRUE(engine.reserve(request_for(single[2], "o3", "carol"), 600s).ok());
  std::uint64_t revoked = 0;
  ASSERT_TRUE(engine.revoke_code(single[0], &revoked).is_ok());
  ASSERT_TRUE(engine.revoke_batch("whole", &revoked).is_ok());
  ASSERT_TRUE(engine.revoke_code(single[2], &revoked).is_ok());
  // The same order reserving again is not answered with the hold it had.
  EXPECT_EQ(engine.reserve(request_for(single[2], "o3", "carol"), 600s).reason, Reason::revoked);

  const Outcome code_revoked = engine.redeem(request_for(single[0], "o1", "alice"));
  EXPECT_EQ(code_revoked.reason, Reason::revoked);
  EXPECT_EQ(code_revoked.uses_left, 1u);
  EXPECT_EQ(engine.redeem(request_for(whole[0], "o2", "bob")).reason, Reason::revoked);
  // Released, not only refused: again it answers revoked, and nothing is held or redeemed.
  EXPECT_EQ(engine.redeem(request_for(single[0], "o1", "alice")).reason, Reason::revoked);
  for (const char* id : {"single", "whole"}) {
    EXPECT_EQ(engine.find_batch(id)->stats().held, 0u) << id;
    EXPECT_EQ(engine.find_batch(id)->stats().redeemed, 0u) << id;
  }

  const std::vector<std::string> codes{single[0], whole[0], single[2]};
  const std::string before =
      acknowledged(engine, codes, {"single", "whole"}, single[1], {"alice", "carol"});
  EXPECT_NE(before.find("o1 lapsed"), std::string::npos) << before;
  EXPECT_NE(before.find("o2 lapsed"), std::string::npos) << before;
  EXPECT_NE(before.find("o3 lapsed"), std::string::npos) << before;
  // Their allowances came back.
  EXPECT_NE(before.find("alice ok"), std::string::npos) << before;
  EXPECT_NE(before.find("carol ok"), std::string::npos) << before;
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(acknowledged(*fixture.engine, codes, {"single", "whole"}, single[1], {"alice", "carol"}),
            before);
}

TEST(HoldLapses, ASnapshotKeepsLapsesAndTheExpiryQueueComesBackFromTheHeldUses) {
  OnePerCustomerFixture fixture(4);
  const auto& codes = fixture.codes;
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[0], "o1", "carol"), 60s).ok());
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[1], "o2", "dave"), 600s).ok());
  fixture.clock.advance(60s);
  EXPECT_EQ(fixture.engine->lapse_due_holds(), 1u);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());

  ASSERT_TRUE(fixture.reopen().is_ok());
  // All from the snapshot, but for the compaction of the lapsed use that the snapshot journaled.
  EXPECT_LE(fixture.engine->recovery().records_replayed, 1u);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 1u);
  fixture.clock.advance(540s);
  EXPECT_EQ(fixture.engine->lapse_due_holds(), 1u);  // dave's hold, found again at load
  const std::vector<std::string> customers{"carol", "dave"};
  const std::string before = acknowledged(*fixture.engine, codes, {"b1"}, codes[3], customers);
  EXPECT_NE(before.find("carol ok"), std::string::npos) << before;
  EXPECT_NE(before.find("dave ok"), std::string::npos) << before;
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(acknowledged(*fixture.engine, codes, {"b1"}, codes[3], customers), before);
}

// A journal as coupond wrote it before lapses were recorded: the same records without hold_lapsed.
void copy_journal_without_lapses(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::copy_file(from / "keys", to / "keys");
  journal::JournalOptions options;
  options.directory = to / "journal";
  std::unique_ptr<journal::Journal> copy;
  ASSERT_TRUE(journal::Journal::open(options, 1, &copy).is_ok());
  journal::ReplayOptions source;
  source.directory = from / "journal";
  journal::ReplayReport report;
  const Status read = journal::replay_journal(
      source,
      [&](const journal::JournalRecord& record) {
        if (record.type != journal::RecordType::hold_lapsed) copy->append(record.type, record.payload);
        return Status::ok();
      },
      &report);
  ASSERT_TRUE(read.is_ok()) << read.message();
}

TEST(HoldLapses, AJournalWrittenBeforeLapsesWereRecordedStillReplays) {
  OnePerCustomerFixture fixture(2);
  const auto& codes = fixture.codes;
  ASSERT_TRUE(fixture.engine->reserve(request_for(codes[0], "o1", "carol"), 60s).ok());
  fixture.clock.advance(60s);
  ASSERT_TRUE(fixture.engine->redeem(request_for(codes[0], "o2", "dave")).ok());
  const std::vector<std::string> customers{"carol", "dave"};
  const std::string before = acknowledged(*fixture.engine, {codes[0]}, {"b1"}, codes[1], customers);
  fixture.engine.reset();

  coupond::testing::TemporaryDirectory legacy;
  copy_journal_without_lapses(fixture.directory.path(), legacy.path());
  fixture.options.data_dir = legacy.path();
  const Status reopened = fixture.reopen();
  ASSERT_TRUE(reopened.is_ok()) << reopened.message();
  EXPECT_EQ(acknowledged(*fixture.engine, {codes[0]}, {"b1"}, codes[1], customers), before);
}

TEST(HoldLapsesConcurrency, TheEnginesOwnThreadLapsesHoldsWhileCheckoutsGoOn) {
  EngineFixture fixture;
  fixture.options.hold_lapse_interval = 1ms;
  ASSERT_TRUE(fixture.reopen().is_ok());
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 400);
  for (std::size_t i = 0; i < 200; ++i) {
    ASSERT_TRUE(fixture.engine->reserve(request_for(codes[i], testing::numbered("h", i)), 30s).ok());
  }
  fixture.clock.advance(30s);
  std::thread redeemer([&] {
    for (std::size_t i = 200; i < codes.size(); ++i) {
      EXPECT_TRUE(fixture.engine->redeem(request_for(codes[i], testing::numbered("r", i))).ok());
    }
  });
  // Nobody touches the held coupons: the engine's thread lapses them. Bounded, not timed.
  for (int round = 0; round < 10'000 && fixture.engine->find_batch("b1")->stats().held > 0; ++round) {
    std::this_thread::sleep_for(1ms);
  }
  redeemer.join();
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().held, 0u);
  EXPECT_EQ(fixture.engine->find_batch("b1")->stats().redeemed, 200u);
  const std::string before = acknowledged(*fixture.engine, codes, {"b1"}, codes[0], {});
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(acknowledged(*fixture.engine, codes, {"b1"}, codes[0], {}), before);
}

}  // namespace
}  // namespace coupond
