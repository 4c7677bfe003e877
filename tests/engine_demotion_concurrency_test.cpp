// A primary becomes a standby (Engine::set_following(true)) while its changes are in flight: the
// switch is one step. Threads redeem, hold, confirm, stack, import and revoke while another thread
// demotes the engine at a random moment (and promotes it again for the next round). No change
// that passed its check reaches the journal after the switch (the journal would stop the
// process), every change acknowledged before it is in the journal, and every change begun after
// it is refused not_primary. The suite also runs under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::numbered;
using testing::request_for;

constexpr int workers = 4;
constexpr int operations_per_worker = 150;
// redeem, reserve, confirm (the reserve before), stack, import, revoke
constexpr int operation_kinds = 6;

// What one operation came to: a change the engine acknowledged (with its journal sequence, 0 when
// the call gives none), or a refusal, which must be not_primary.
struct Result {
  bool acknowledged = false;
  bool not_primary = false;
  std::uint64_t sequence = 0;
};

Result of_outcome(const Outcome& outcome) {
  return {outcome.ok() && !outcome.replayed, outcome.reason == Reason::not_primary,
          outcome.journal_sequence};
}

Result of_stack(const StackOutcome& outcome) {
  return {outcome.ok() && !outcome.replayed, outcome.reason == Reason::not_primary,
          outcome.journal_sequence};
}

// An operators' change, which answers a Status and says whether it changed anything.
Result of_status(const Status& status, bool changed) {
  return {status.is_ok() && changed, !status.is_ok() && status.message().starts_with("not_primary"),
          0};
}

BatchDefinition grouped(std::string id, std::string group) {
  BatchDefinition batch = amount_off_batch(std::move(id));
  batch.stacking_group = std::move(group);
  return batch;
}

// One demotion of the fixture's engine, promoted first if it follows; returns how many operations
// begun after the demotion were refused.
int race_one_demotion(EngineFixture& fixture, int round, std::mt19937& random) {
  Engine& engine = *fixture.engine;
  if (engine.following()) {
    const Status promoted = engine.set_following(false);
    EXPECT_TRUE(promoted.is_ok()) << promoted.message();
  }
  constexpr int total = workers * operations_per_worker;
  const std::vector<std::string> platform = fixture.generate("platform", total);
  const std::vector<std::string> store = fixture.generate("store", total);
  const std::uint64_t before = engine.last_sequence();
  // After this many acknowledged changes, somewhere in the first half of the run.
  const int demote_after = std::uniform_int_distribution<int>(1, total / 2)(random);

  std::atomic<int> acknowledged{0};
  std::atomic<bool> demoted{false};
  std::uint64_t sequence_at_demotion = 0;
  std::vector<std::vector<std::uint64_t>> sequences(workers);
  std::atomic<int> unexplained{0};       // neither acknowledged nor not_primary
  std::atomic<int> changed_after{0};     // acknowledged though begun after the demotion
  std::atomic<int> refused_after{0};

  testing::run_on_threads(workers + 1, [&](int thread) {
    if (thread == workers) {
      while (acknowledged.load() < demote_after) std::this_thread::yield();
      const Status status = engine.set_following(true);
      EXPECT_TRUE(status.is_ok()) << status.message();
      sequence_at_demotion = engine.last_sequence();
      demoted.store(true);
      return;
    }
    for (int i = 0; i < operations_per_worker; ++i) {
      const int index = thread * operations_per_worker + i;
      const std::string order = numbered("o", index);
      const bool begun_after = demoted.load();
      Result result;
      switch (i % operation_kinds) {
        case 0:
          result = of_outcome(engine.redeem(request_for(platform[index], order)));
          break;
        case 1:
          result = of_outcome(
              engine.reserve(request_for(platform[index], order), std::chrono::minutes(10)));
          break;
        case 2:  // confirms the hold the operation before took, when it took one
          result = of_outcome(
              engine.redeem(request_for(platform[index - 1], numbered("o", index - 1))));
          break;
        case 3: {
          const std::string_view codes[] = {platform[index], store[index]};
          result = of_stack(engine.redeem_stack(request_for({}, order), codes));
          break;
        }
        case 4: {
          const std::string code = numbered("IMPORTED", round * total + index);
          const ImportLine line{code, {}, {}};
          ImportResult imported;
          const Status status = engine.import_codes("store", std::span(&line, 1), &imported);
          result = of_status(status, imported.imported == 1);
          break;
        }
        default: {
          std::uint64_t revoked = 0;
          const Status status = engine.revoke_code(platform[index], &revoked);
          result = of_status(status, revoked == 1);
          break;
        }
      }
      if (result.acknowledged) {
        acknowledged.fetch_add(1);
        if (result.sequence != 0) sequences[thread].push_back(result.sequence);
        if (begun_after) changed_after.fetch_add(1);
      } else if (result.not_primary) {
        if (begun_after) refused_after.fetch_add(1);
      } else {
        unexplained.fetch_add(1);
      }
    }
  });

  EXPECT_EQ(unexplained.load(), 0);
  EXPECT_EQ(changed_after.load(), 0);
  EXPECT_TRUE(engine.following());
  // Nothing was appended once the switch returned, and everything acknowledged was before it.
  EXPECT_EQ(engine.last_sequence(), sequence_at_demotion);
  EXPECT_EQ(sequence_at_demotion, before + static_cast<std::uint64_t>(acknowledged.load()));
  std::vector<bool> seen(static_cast<std::size_t>(acknowledged.load()) + 1, false);
  for (const std::vector<std::uint64_t>& own : sequences) {
    for (const std::uint64_t sequence : own) {
      EXPECT_GT(sequence, before);
      EXPECT_LE(sequence, sequence_at_demotion);
      if (sequence <= before || sequence > sequence_at_demotion) continue;
      EXPECT_FALSE(seen[sequence - before]) << "two changes answered with sequence " << sequence;
      seen[sequence - before] = true;
    }
  }
  return refused_after.load();
}

TEST(EngineDemotionConcurrencyTest, DemotionWaitsForChangesInFlightAndRefusesEveryLaterOne) {
  std::random_device seed_source;
  const unsigned seed = seed_source();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  EngineFixture fixture;
  // Written, not synced: what is asked here is the order of appends and refusals, and imports and
  // loads would each wait for a sync.
  fixture.options.durability = Durability::none;
  ASSERT_TRUE(fixture.reopen().is_ok());
  fixture.create(grouped("platform", "platform"));
  fixture.create(grouped("store", "store"));
  constexpr int rounds = 40;
  int refused_after_demotion = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    refused_after_demotion += race_one_demotion(fixture, round, random);
  }
  // The demotion comes halfway through at the latest: operations go on after it.
  EXPECT_GT(refused_after_demotion, 0);

  // A restart as a standby finds every acknowledged change in the journal.
  const std::uint64_t last = fixture.engine->last_sequence();
  fixture.options.follow = true;
  const Status reopened = fixture.reopen();
  ASSERT_TRUE(reopened.is_ok()) << reopened.message();
  EXPECT_EQ(fixture.engine->recovery().journal_last_sequence, last);
}

}  // namespace
}  // namespace coupond
