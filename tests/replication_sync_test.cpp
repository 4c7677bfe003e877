// A primary with a synchronous standby (--sync-standby): an answer leaves only once the standby
// holds its change on disk too. Killed (-9) while shoppers redeem, the primary loses nothing: the
// standby's data directory, started as a plain node, holds every redemption answered 200, none
// twice. With the standby stopped, strict mode answers nothing until it returns; non-strict mode
// answers alone after its timeout; both say so in the log. A standby that is merely a little behind
// under steady load is waited for, and brings waiting back once non-strict mode went alone.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
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

// A primary (its log kept) with the sync flags and environment given, and a standby, connected.
class ReplicationPair : public ::testing::Test {
 protected:
  void start_pair(const std::vector<std::string>& sync_flags,
                  const std::vector<std::string>& environment = {}) {
    port = testing::free_loopback_port();
    codes = testing::prepare(primary_dir.path());
    ServerOptions options = testing::primary_options(primary_dir.path(), port, sync_flags);
    options.environment = environment;
    options.capture_error_output = true;
    primary.emplace(options);
    ASSERT_TRUE(primary->started());
    standby.emplace(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
    ASSERT_TRUE(standby->started());
    ASSERT_TRUE(testing::wait_for_standby(*primary, "standby-1"));
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

// Synchronous but not strict with the timeout given, the link to the standby slowed (fault switch
// replication.standby_delay: records leave the primary 50 ms late).
class ReplicationSlowLink : public ReplicationPair {
 protected:
  void start(const std::string& timeout_ms) {
    const std::filesystem::path slow_link = primary_dir.path() / "slow-link";
    std::ofstream(slow_link) << "on\n";
    start_pair({"--sync-standby", "--sync-standby-strict=false",
                "--sync-standby-timeout", timeout_ms},
               {"COUPOND_FAULT_SWITCH=replication.standby_delay:" + slow_link.string()});
  }
};

// Always a few records behind under steady load, yet no answer waits anywhere near the timeout:
// non-strict mode must go on waiting for the standby, not answer alone as if it were gone.
TEST_F(ReplicationSlowLink, AStandbyALittleBehindUnderSteadyLoadIsNotTakenForGone) {
  start("1500");
  testing::Ledger ledger;
  {
    testing::Shoppers shoppers(*primary, codes, ledger, "steady");
    // Twice the timeout of answers that each wait a few records' delay.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    EXPECT_FALSE(testing::cluster_of(*primary).at("sync_suspended").as_bool());
  }
  EXPECT_GT(ledger.size(), 0u);
  primary->stop();
  EXPECT_EQ(primary->error_output().find("answering without a standby"), std::string::npos)
      << primary->error_output();
}

// After the standby stopped for longer than the timeout, non-strict mode answers alone. Once the
// standby is back under a dense steady load (coupon-load, keep-alive connections), it keeps up,
// always a little behind: answers must wait for it again while the load still runs, not only
// once it ends.
TEST_F(ReplicationSlowLink, NonStrictModeResumesWithAStandbyBackUnderSteadyLoad) {
  start("800");
  // Codes of many uses and no cap, so that every redemption is a record for as long as the load
  // runs: a load that ran out of codes would let the standby catch up for good, proving nothing.
  const std::vector<std::string> steady = testing::create_batch(*primary, R"({
    "id": "steady", "name": "steady load", "discount": {"type": "amount_off", "amount": 100},
    "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
    "max_uses_per_code": 1000000, "code": {"prefix": "ST"}})", "steady", 8);
  ASSERT_EQ(steady.size(), 8u);
  const std::filesystem::path codes_file = primary_dir.path() / "steady-codes.txt";
  {
    std::ofstream out(codes_file);
    for (const std::string& code : steady) out << code << "\n";
  }
  std::atomic<bool> load_ended{false};
  std::string load_output;
  std::thread load([&] {
    testing::run_program(COUPON_LOAD_BINARY,
                         {"--target", "http://127.0.0.1:" + std::to_string(primary->data_port()),
                          "--codes", codes_file.string(), "--connections", "8", "--duration",
                          "8", "--redeem-share", "1", "--quiet"},
                         &load_output);
    load_ended = true;
  });
  const auto suspended = [&] {
    return testing::cluster_of(*primary).at("sync_suspended").as_bool();
  };
  const auto wait_for = [&](bool wanted) {
    while (suspended() != wanted && !load_ended.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return suspended() == wanted;
  };
  ASSERT_EQ(::kill(standby->pid(), SIGSTOP), 0);
  const bool went_alone = wait_for(true);
  // Answered alone at full speed for a while: the standby comes back to many records to take.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(::kill(standby->pid(), SIGCONT), 0);
  const bool came_back = went_alone && wait_for(false);
  const bool load_still_ran = !load_ended.load();
  load.join();
  ASSERT_TRUE(went_alone) << load_output << primary->error_output();
  EXPECT_TRUE(came_back && load_still_ran)
      << "a standby back and keeping up behind a slow link brought synchronous answers back only "
         "once the load ended: "
      << load_output;
  primary->stop();
  EXPECT_NE(primary->error_output().find("answers wait for a standby again"), std::string::npos)
      << primary->error_output();
}

// The pair started with sync_flags, a redemption once with both up, then the standby stopped
// (SIGSTOP): what the primary then answers is each test's.
class ReplicationStoppedStandby : public ReplicationPair {
 protected:
  void start(const std::vector<std::string>& sync_flags) {
    start_pair(sync_flags);
    ASSERT_EQ(http_request(primary->data_port(), "POST", "/v1/redeem",
                           testing::redeem_body(codes[0], "both-up")).status,
              200);
    ASSERT_EQ(::kill(standby->pid(), SIGSTOP), 0);
  }
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
