// The primary's sender and the standby's follower in one process, under races (this suite also
// runs under ThreadSanitizer): threads redeem on the primary while the follower appends and
// applies the same records on the standby and other threads validate there; the standby ends
// with the primary's figures and, promoted, takes changes of its own after the primary's last.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "replication/follower.h"
#include "replication/primary.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

template <typename Condition>
bool wait_until(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

TEST(ReplicationConcurrencyTest, AFollowerAppliesWhileThePrimaryRedeemsAndItsReadersRead) {
  EngineFixture primary_fixture;
  primary_fixture.create(amount_off_batch("race"));
  const std::vector<std::string> codes = primary_fixture.generate("race", 400);
  Engine& primary_engine = *primary_fixture.engine;

  replication::PrimaryOptions primary_options;
  primary_options.listen = "127.0.0.1:0";
  primary_options.admin_token = "token";
  primary_options.sync_standby = true;
  replication::Primary primary(primary_engine, primary_options);
  std::string bound;
  ASSERT_TRUE(primary.start(&bound).is_ok());

  testing::TemporaryDirectory standby_dir;
  std::unique_ptr<Engine> standby;
  ASSERT_TRUE(primary_fixture.open_standby(standby_dir.path(), &standby).is_ok());
  replication::FollowerOptions follower_options;
  follower_options.node = "standby-1";
  follower_options.admin_token = "token";
  follower_options.retry_interval = std::chrono::milliseconds(20);
  replication::Follower follower(*standby, follower_options);
  follower.start(bound);

  std::atomic<int> redeemed{0};
  std::atomic<bool> redeeming{true};
  std::atomic<int> refused_on_standby{0};
  testing::run_on_threads(6, [&](int thread) {
    if (thread >= 4) {
      // Readers on the standby, while it applies.
      while (redeeming.load()) {
        for (std::size_t i = static_cast<std::size_t>(thread); i < codes.size(); i += 7) {
          (void)standby->validate(request_for(codes[i], "reader"));
        }
        if (standby->redeem(request_for(codes[0], "on-standby")).reason == Reason::not_primary) {
          refused_on_standby.fetch_add(1);
        }
      }
      return;
    }
    for (std::size_t i = static_cast<std::size_t>(thread); i < codes.size(); i += 4) {
      if (primary_engine.redeem(request_for(codes[i], testing::numbered("o", static_cast<std::int64_t>(i)))).ok()) {
        redeemed.fetch_add(1);
      }
    }
    if (thread == 0) {
      // The last writer lets the readers go once the standby holds everything.
      EXPECT_TRUE(wait_until([&] {
        return standby->local_durable_sequence() >= primary_engine.local_durable_sequence() &&
               primary_engine.durable_sequence() >= primary_engine.last_sequence();
      }));
      redeeming.store(false);
    }
  });
  EXPECT_EQ(redeemed.load(), static_cast<int>(codes.size()));
  EXPECT_GT(refused_on_standby.load(), 0);
  EXPECT_EQ(standby->find_batch("race")->stats().redeemed, codes.size());
  EXPECT_EQ(standby->last_sequence(), primary_engine.last_sequence());
  EXPECT_EQ(primary.standbys().size(), 1u);

  // Promotion: the follower stops, the engine takes changes again after the primary's last.
  follower.stop();
  ASSERT_TRUE(standby->set_following(false).is_ok());
  const std::uint64_t before = standby->last_sequence();
  const Outcome again = standby->redeem(request_for(codes[0], "after-promotion"));
  EXPECT_EQ(again.reason, Reason::already_redeemed);
  BatchDefinition next = amount_off_batch("after");
  const Batch* created = nullptr;
  ASSERT_TRUE(standby->create_batch(next, &created).is_ok());
  EXPECT_EQ(standby->last_sequence(), before + 1);
}

}  // namespace
}  // namespace coupond
