// A standby following a primary (coupond --follow): started empty, it catches up on everything the
// primary already holds (batches, generated codes, a large import kept beside the journal,
// redemptions and a rollback), then follows the live tail, and answers reads as its primary does
// while refusing every write with 503 not_primary. And the handshake refuses a standby without
// the admin token or with another key file, saying why in both logs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <optional>

#include "crash_support.h"
#include "replication_support.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using testing::http_request;
using testing::HttpResult;
using testing::redeem;
using testing::json_of;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::TemporaryDirectory;

HttpResult coupon(const ServerProcess& server, const std::string& code) {
  return http_request(server.data_port(), "GET", "/v1/coupons/" + code);
}

TEST(ReplicationTest, AnEmptyStandbyCatchesUpFollowsAndAnswersAsItsPrimary) {
  TemporaryDirectory primary_dir, standby_dir;
  const unsigned short port = testing::free_loopback_port();
  ServerProcess primary(testing::primary_options(primary_dir.path(), port));
  ASSERT_TRUE(primary.started());
  const std::vector<std::string> codes = testing::create_flash_sale(primary);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(testing::crash_codes_count));
  ASSERT_EQ(testing::import_large(primary).status, 200);
  ASSERT_GT(testing::count_files(primary_dir.path() / "imports"), 0u);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(redeem(primary, codes[i], testing::numbered("before-", i)).status, 200);
  ASSERT_EQ(redeem(primary, "IMPORTED7", "imported-order").status, 200);
  ASSERT_EQ(http_request(primary.data_port(), "POST", "/v1/rollback",
                         R"({"code": ")" + codes[3] + R"(", "order_id": "before-3"})").status,
            200);

  ServerProcess standby(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
  ASSERT_TRUE(standby.started());
  ASSERT_TRUE(testing::wait_until_caught_up(primary, standby));
  // The import's file came with its record.
  EXPECT_GT(testing::count_files(standby_dir.path() / "imports"), 0u);

  // The live tail.
  for (int i = 20; i < 40; ++i) ASSERT_EQ(redeem(primary, codes[i], testing::numbered("after-", i)).status, 200);
  ASSERT_TRUE(testing::wait_until_caught_up(primary, standby));

  for (const std::string& code : {codes[0], codes[3], codes[25], codes[39], codes[100],
                                  std::string("IMPORTED7"), std::string("IMPORTED4000")}) {
    const HttpResult on_primary = coupon(primary, code);
    ASSERT_EQ(on_primary.status, 200) << code;
    EXPECT_EQ(coupon(standby, code).body, on_primary.body) << code;
  }
  EXPECT_EQ(flash_stats(standby).body, flash_stats(primary).body);
  EXPECT_EQ(json_of(flash_stats(standby)).at("redeemed").to_number<std::int64_t>(), 40);
  // Validate works on the standby.
  EXPECT_EQ(http_request(standby.data_port(), "POST", "/v1/validate",
                         testing::redeem_body(codes[500], "v")).status,
            200);

  // Writes are refused, on the data plane and the admin port alike.
  const HttpResult refused = redeem(standby, codes[500], "on-standby");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(testing::reason_of(refused), "not_primary") << refused.body;
  const HttpResult rollback = http_request(standby.data_port(), "POST", "/v1/rollback",
                                           R"({"code": ")" + codes[0] + R"(", "order_id": "before-0"})");
  EXPECT_EQ(rollback.status, 503) << rollback.body;
  const HttpResult admin_write =
      http_request(standby.admin_port(), "POST", "/admin/v1/batches/flash/generate",
                   R"({"count": 1})", standby.admin_token());
  EXPECT_EQ(admin_write.status, 503) << admin_write.body;
  EXPECT_EQ(testing::reason_of(admin_write), "not_primary") << admin_write.body;
  EXPECT_EQ(http_request(standby.admin_port(), "POST", "/admin/v1/batches/flash/import",
                         "NEWCODE1\n", standby.admin_token()).status,
            503);
  EXPECT_EQ(redeem(primary, codes[500], "on-primary").status, 200);

  // What operators see.
  ASSERT_TRUE(testing::wait_until_caught_up(primary, standby));
  const auto cluster = testing::cluster_of(primary);
  EXPECT_EQ(cluster.at("role").as_string(), "primary");
  ASSERT_EQ(cluster.at("standbys").as_array().size(), 1u);
  EXPECT_EQ(cluster.at("standbys").at(0).at("node").as_string(), "standby-1");
  EXPECT_EQ(testing::cluster_of(standby).at("role").as_string(), "standby");
  const HttpResult metrics =
      http_request(primary.admin_port(), "GET", "/metrics", {}, primary.admin_token());
  EXPECT_NE(metrics.body.find("coupond_replication_standbys 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("coupond_replication_lag_records{node=\"standby-1\"}"),
            std::string::npos);

  // A standby stopped and started again goes on from its own journal.
  EXPECT_EQ(standby.stop(), 0);
  for (int i = 40; i < 50; ++i) ASSERT_EQ(redeem(primary, codes[i], testing::numbered("later-", i)).status, 200);
  ServerProcess again(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
  ASSERT_TRUE(again.started());
  ASSERT_TRUE(testing::wait_until_caught_up(primary, again));
  EXPECT_EQ(flash_stats(again).body, flash_stats(primary).body);
}

TEST(ReplicationTest, AStandbyReconnectsWhenItsPrimaryRestarts) {
  TemporaryDirectory primary_dir, standby_dir;
  const unsigned short port = testing::free_loopback_port();
  std::vector<std::string> codes;
  std::optional<ServerProcess> primary;
  primary.emplace(testing::primary_options(primary_dir.path(), port));
  ASSERT_TRUE(primary->started());
  codes = testing::create_flash_sale(*primary);
  ServerProcess standby(testing::standby_options(primary_dir.path(), standby_dir.path(), port));
  ASSERT_TRUE(standby.started());
  ASSERT_TRUE(testing::wait_until_caught_up(*primary, standby));
  // Idle when the primary goes: nothing new to acknowledge when the connection breaks.
  EXPECT_EQ(primary->stop(), 0);
  primary.emplace(testing::primary_options(primary_dir.path(), port));
  ASSERT_TRUE(primary->started());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(redeem(*primary, codes[static_cast<std::size_t>(i)], testing::numbered("o", i)).status, 200);
  ASSERT_TRUE(testing::wait_for_standby(*primary, "standby-1"));
  ASSERT_TRUE(testing::wait_until_caught_up(*primary, standby));
  EXPECT_EQ(flash_stats(standby).body, flash_stats(*primary).body);
}

TEST(ReplicationTest, TheHandshakeRefusesAWrongTokenAndAnotherKeyFile) {
  TemporaryDirectory primary_dir, wrong_token_dir, wrong_keys_dir, other_keys_source;
  const unsigned short port = testing::free_loopback_port();
  ServerProcess primary(ServerOptions{
      testing::primary_options(primary_dir.path(), port).extra_flags, primary_dir.path(), {}, true});
  ASSERT_TRUE(primary.started());

  ServerOptions wrong_token =
      testing::standby_options(primary_dir.path(), wrong_token_dir.path(), port, "wrong-token");
  std::ofstream(wrong_token_dir.path() / "admin-token") << "not-the-primary-token\n";
  wrong_token.capture_error_output = true;
  ServerProcess without_token(wrong_token);
  ASSERT_TRUE(without_token.started());

  // A key file of another node: made by a server of its own.
  {
    ServerProcess other(ServerOptions{{}, other_keys_source.path(), {}, false});
    ASSERT_TRUE(other.started());
  }
  ServerOptions wrong_keys =
      testing::standby_options(primary_dir.path(), wrong_keys_dir.path(), port, "wrong-keys");
  fs::copy_file(other_keys_source.path() / "keys", wrong_keys_dir.path() / "keys",
                fs::copy_options::overwrite_existing);
  wrong_keys.capture_error_output = true;
  ServerProcess with_other_keys(wrong_keys);
  ASSERT_TRUE(with_other_keys.started());

  // A peer that has not proved anything gets no room for a large message: it is cut off at once.
  const int raw = testing::connect_loopback(port);
  ASSERT_GE(raw, 0);
  const std::string claim = {'\x02', '\x00', '\x00', '\x00', '\x0c'};  // a hello of 200 MiB
  ASSERT_TRUE(testing::send_all(raw, claim));
  std::string received;
  EXPECT_TRUE(testing::read_until_closed(raw, std::chrono::seconds(5), &received));
  EXPECT_EQ(received.substr(0, 1), "\x01");  // the challenge came first
  ::close(raw);

  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(testing::cluster_of(primary).at("standbys").as_array().size(), 0u);
  without_token.stop();
  with_other_keys.stop();
  primary.stop();
  EXPECT_NE(without_token.error_output().find("wrong admin token"), std::string::npos)
      << without_token.error_output();
  EXPECT_NE(with_other_keys.error_output().find("HMAC key file differs"), std::string::npos)
      << with_other_keys.error_output();
  EXPECT_NE(primary.error_output().find("refused a standby wrong-token: wrong admin token"),
            std::string::npos)
      << primary.error_output();
  EXPECT_NE(primary.error_output().find("refused a standby wrong-keys"), std::string::npos)
      << primary.error_output();
}

}  // namespace
}  // namespace coupond
