// A standby whose journal cannot go on from its primary's gets a base copy: its data is moved
// aside (never deleted) into DATA_DIR/diverged-<time>/, the primary's newest snapshot installed,
// coupond starts again on it and catches up. Two ways there: the primary no longer holds the
// records the standby needs (a snapshot removed their segments), and a former primary that wrote
// records nobody acknowledged comes back as a standby of the node promoted in its place.
#include <gtest/gtest.h>

#include <thread>

#include "crash_support.h"
#include "replication_support.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using testing::http_request;
using testing::HttpResult;
using testing::redeem;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::TemporaryDirectory;

std::string coupon_state(const ServerProcess& server, const std::string& code) {
  const HttpResult found = http_request(server.data_port(), "GET", "/v1/coupons/" + code);
  if (found.status != 200) return "status " + std::to_string(found.status);
  return std::string(testing::json_of(found).at("state").as_string());
}

std::vector<fs::path> diverged_directories(const fs::path& data_dir) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(data_dir)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with("diverged-")) {
      found.push_back(entry.path());
    }
  }
  return found;
}

std::uint64_t first_segment(const fs::path& data_dir) {
  std::uint64_t first = 0;
  for (const auto& entry : fs::directory_iterator(data_dir / "journal")) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".log")) continue;
    const std::uint64_t sequence = std::stoull(name.substr(0, name.size() - 4));
    if (first == 0 || sequence < first) first = sequence;
  }
  return first;
}

TEST(ReplicationBaseCopyTest, AStandbyBehindTheRemovedSegmentsGetsTheNewestSnapshot) {
  TemporaryDirectory primary_dir, standby_dir;
  const unsigned short port = testing::free_loopback_port();
  ServerProcess primary(testing::primary_options(primary_dir.path(), port,
                                                 {"--journal-segment-bytes", "4096"}));
  ASSERT_TRUE(primary.started());
  const std::vector<std::string> codes = testing::create_flash_sale(primary);
  ASSERT_EQ(testing::import_large(primary).status, 200);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 30; ++i) {
      const int n = round * 30 + i;
      ASSERT_EQ(redeem(primary, codes[static_cast<std::size_t>(n)], testing::numbered("o", n)).status, 200);
    }
    ASSERT_EQ(http_request(primary.admin_port(), "POST", "/admin/v1/snapshot", {},
                           primary.admin_token()).status, 200);
  }
  ASSERT_GT(first_segment(primary_dir.path()), 1u) << "no segment was removed";

  ServerOptions options = testing::standby_options(primary_dir.path(), standby_dir.path(), port);
  options.capture_error_output = true;
  ServerProcess standby(options);
  ASSERT_TRUE(standby.started());
  // It moves its (empty) data aside, starts again on the snapshot and catches up.
  if (!testing::wait_for_standby(primary, "standby-1")) {
    standby.stop();
    FAIL() << standby.error_output();
  }
  for (int n = 90; n < 100; ++n) ASSERT_EQ(redeem(primary, codes[static_cast<std::size_t>(n)], testing::numbered("o", n)).status, 200);
  ASSERT_TRUE(testing::wait_until_caught_up(primary, standby));
  EXPECT_EQ(testing::flash_stats(standby).body, testing::flash_stats(primary).body);
  EXPECT_EQ(coupon_state(standby, codes[5]), "redeemed");
  EXPECT_EQ(coupon_state(standby, codes[95]), "redeemed");
  EXPECT_EQ(coupon_state(standby, "IMPORTED10"), "active");
  EXPECT_EQ(diverged_directories(standby_dir.path()).size(), 1u);
  standby.stop();
  EXPECT_NE(standby.error_output().find("moved aside to " + (standby_dir.path() / "diverged-").string()),
            std::string::npos)
      << standby.error_output();
}

TEST(ReplicationBaseCopyTest, ADivergedFormerPrimaryIsMovedAsideAndRebuilt) {
  TemporaryDirectory a_dir, b_dir;
  const unsigned short a_port = testing::free_loopback_port();
  const unsigned short b_port = testing::free_loopback_port();
  std::vector<std::string> codes;
  {
    ServerProcess a(testing::primary_options(a_dir.path(), a_port));
    ASSERT_TRUE(a.started());
    codes = testing::create_flash_sale(a);
    for (int i = 0; i < 10; ++i) ASSERT_EQ(redeem(a, codes[static_cast<std::size_t>(i)], testing::numbered("both-", i)).status, 200);
    {
      ServerProcess b(testing::standby_options(a_dir.path(), b_dir.path(), a_port, "node-b"));
      ASSERT_TRUE(b.started());
      ASSERT_TRUE(testing::wait_until_caught_up(a, b));
      EXPECT_EQ(b.stop(), 0);
    }
    // Records only A ever held: nobody acknowledged them, and A dies.
    for (int i = 10; i < 20; ++i) ASSERT_EQ(redeem(a, codes[static_cast<std::size_t>(i)], testing::numbered("only-a-", i)).status, 200);
    a.kill_now();
  }
  // B is promoted (started as a primary) and writes records of its own at the same sequences.
  ServerProcess b(testing::primary_options(b_dir.path(), b_port));
  ASSERT_TRUE(b.started());
  for (int i = 100; i < 120; ++i) ASSERT_EQ(redeem(b, codes[static_cast<std::size_t>(i)], testing::numbered("only-b-", i)).status, 200);

  ServerOptions options = testing::standby_options(b_dir.path(), a_dir.path(), b_port, "node-a");
  options.capture_error_output = true;
  ServerProcess a(options);
  ASSERT_TRUE(a.started());
  ASSERT_TRUE(testing::wait_for_standby(b, "node-a"));
  ASSERT_TRUE(testing::wait_until_caught_up(b, a));
  EXPECT_EQ(testing::flash_stats(a).body, testing::flash_stats(b).body);
  EXPECT_EQ(coupon_state(a, codes[15]), "active");  // A's own redemption is gone from its state
  EXPECT_EQ(coupon_state(a, codes[110]), "redeemed");
  EXPECT_EQ(coupon_state(a, codes[5]), "redeemed");
  const std::vector<fs::path> aside = diverged_directories(a_dir.path());
  ASSERT_EQ(aside.size(), 1u);
  // What A held is kept there, journal and all.
  EXPECT_GT(testing::count_files(aside[0] / "journal"), 0u);
  a.stop();
  EXPECT_NE(a.error_output().find("diverged"), std::string::npos) << a.error_output();
  EXPECT_NE(a.error_output().find("moved aside to " + aside[0].string()), std::string::npos)
      << a.error_output();
}

}  // namespace
}  // namespace coupond
