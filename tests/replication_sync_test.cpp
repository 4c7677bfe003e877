// A primary with a synchronous standby (--sync-standby): an answer leaves only once the standby
// holds its change on disk too. Killed (-9) while shoppers redeem, the primary loses nothing: the
// standby's data directory, started as a plain node, holds every redemption answered 200, none
// twice. With the standby stopped, strict mode answers nothing until it returns; non-strict mode
// answers alone after its timeout; both say so in the log. A standby that is merely a little behind
// under steady load is waited for.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "crash_support.h"
#include "replication_support.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::TemporaryDirectory;

std::string raw_redeem(const std::string& code, const std::string& order) {
  const std::string body = testing::redeem_body(code, order);
  return "POST /v1/redeem HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(ReplicationSyncTest, AKilledPrimaryLosesNoRedemptionItAnswered) {
  TemporaryDirectory primary_dir, standby_dir;
  const unsigned short port = testing::free_loopback_port();
  const std::vector<std::string> codes = testing::prepare(primary_dir.path());
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(testing::crash_codes_count));
  testing::Ledger ledger;
  {
    ServerProcess primary(testing::primary_options(primary_dir.path(), port, {"--sync-standby"}));
    ASSERT_TRUE(primary.started());
    ServerProcess standby(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
    ASSERT_TRUE(standby.started());
    ASSERT_TRUE(testing::wait_for_standby(primary, "standby-1"));
    testing::Shoppers shoppers(primary, codes, ledger, "sync");
    ASSERT_TRUE(testing::wait_for_acknowledged(ledger, 300));
    primary.kill_now();
    shoppers.join();
    EXPECT_EQ(shoppers.bad_replays(), 0);
    // The standby held each answered change on disk before the answer left: it may die too.
    standby.kill_now();
  }
  ServerProcess promoted(ServerOptions{{}, standby_dir.path(), {}, false});
  ASSERT_TRUE(promoted.started());
  testing::expect_ledger_holds(promoted, ledger);
  EXPECT_GE(testing::redeemed_count(promoted), static_cast<std::int64_t>(ledger.size()));
}

// A standby on a slow link (fault switch replication.standby_delay: 50 ms per record) is always a
// few records behind under steady load, yet no answer waits anywhere near the timeout: non-strict
// mode must go on waiting for it, not answer alone as if it were gone.
TEST(ReplicationSyncTest, AStandbyALittleBehindUnderSteadyLoadIsNotTakenForGone) {
  TemporaryDirectory primary_dir, standby_dir;
  const unsigned short port = testing::free_loopback_port();
  const std::vector<std::string> codes = testing::prepare(primary_dir.path());
  const std::filesystem::path slow_link = primary_dir.path() / "slow-link";
  std::ofstream(slow_link) << "on\n";
  ServerOptions options = testing::primary_options(
      primary_dir.path(), port,
      {"--sync-standby", "--sync-standby-strict=false", "--sync-standby-timeout", "1500"});
  options.environment = {"COUPOND_FAULT_SWITCH=replication.standby_delay:" + slow_link.string()};
  options.capture_error_output = true;
  ServerProcess primary(options);
  ASSERT_TRUE(primary.started());
  ServerProcess standby(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
  ASSERT_TRUE(standby.started());
  ASSERT_TRUE(testing::wait_for_standby(primary, "standby-1"));
  testing::Ledger ledger;
  {
    testing::Shoppers shoppers(primary, codes, ledger, "steady");
    // Twice the timeout of answers that each wait a few records' delay.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_FALSE(testing::cluster_of(primary).at("sync_suspended").as_bool());
  }
  EXPECT_GT(ledger.size(), 0u);
  primary.stop();
  EXPECT_EQ(primary.error_output().find("answering without a standby"), std::string::npos)
      << primary.error_output();
}

// Starts a primary (its log kept) with sync_flags and a standby, redeems once with both up, and
// stops the standby (SIGSTOP): what the primary then answers is each test's.
class ReplicationStoppedStandby : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& sync_flags) {
    port = testing::free_loopback_port();
    codes = testing::prepare(primary_dir.path());
    ServerOptions options = testing::primary_options(primary_dir.path(), port, sync_flags);
    options.capture_error_output = true;
    primary.emplace(options);
    ASSERT_TRUE(primary->started());
    standby.emplace(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
    ASSERT_TRUE(standby->started());
    ASSERT_TRUE(testing::wait_for_standby(*primary, "standby-1"));
    ASSERT_EQ(http_request(primary->data_port(), "POST", "/v1/redeem",
                           testing::redeem_body(codes[0], "both-up")).status,
              200);
    ASSERT_EQ(::kill(standby->pid(), SIGSTOP), 0);
  }
  void TearDown() override {
    if (standby && standby->pid() > 0) ::kill(standby->pid(), SIGCONT);
  }

  TemporaryDirectory primary_dir, standby_dir;
  unsigned short port = 0;
  std::vector<std::string> codes;
  std::optional<ServerProcess> primary;
  std::optional<ServerProcess> standby;
};

TEST_F(ReplicationStoppedStandby, StrictModeAnswersNothingUntilTheStandbyReturns) {
  start({"--sync-standby", "--sync-standby-timeout", "300"});
  // The redeem stays pending: no answer within a bounded wait, well past the timeout.
  EXPECT_EQ(testing::raw_exchange(primary->data_port(), raw_redeem(codes[1], "while-stopped"),
                                  std::chrono::milliseconds(1500)),
            "");
  ASSERT_EQ(::kill(standby->pid(), SIGCONT), 0);
  const HttpResult after = http_request(primary->data_port(), "POST", "/v1/redeem",
                                        testing::redeem_body(codes[2], "after-return"));
  EXPECT_EQ(after.status, 200) << after.body;
  // The pending one was taken and is answered now that the standby holds it.
  EXPECT_EQ(http_request(primary->data_port(), "POST", "/v1/redeem",
                         testing::redeem_body(codes[1], "while-stopped")).status,
            200);
  primary->stop();
  EXPECT_NE(primary->error_output().find("answers keep waiting for a standby"), std::string::npos)
      << primary->error_output();
  EXPECT_NE(primary->error_output().find("answers wait for a standby again"), std::string::npos)
      << primary->error_output();
}

TEST_F(ReplicationStoppedStandby, NonStrictModeAnswersAloneAfterItsTimeoutAndResumes) {
  start({"--sync-standby", "--sync-standby-strict=false", "--sync-standby-timeout", "300"});
  const HttpResult alone = http_request(primary->data_port(), "POST", "/v1/redeem",
                                        testing::redeem_body(codes[1], "alone"));
  EXPECT_EQ(alone.status, 200) << alone.body;
  EXPECT_TRUE(testing::cluster_of(*primary).at("sync_suspended").as_bool());
  ASSERT_EQ(::kill(standby->pid(), SIGCONT), 0);
  ASSERT_TRUE(testing::wait_until_caught_up(*primary, *standby));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (testing::cluster_of(*primary).at("sync_suspended").as_bool() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(testing::cluster_of(*primary).at("sync_suspended").as_bool());
  primary->stop();
  EXPECT_NE(primary->error_output().find("answering without a standby"), std::string::npos)
      << primary->error_output();
  EXPECT_NE(primary->error_output().find("answers wait for a standby again"), std::string::npos)
      << primary->error_output();
}

}  // namespace
}  // namespace coupond
