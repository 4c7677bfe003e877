// Two coupond nodes of one partition against a real etcd: exactly one is primary (/v1/role 200,
// redeems acknowledged), the other a standby (503, redeems refused not_primary); after the
// primary is killed with SIGKILL, the standby becomes primary once the lease lapses.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "crash_support.h"
#include "election_cluster.h"
#include "http_client.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ElectionCluster, ExactlyOnePrimaryAndTheStandbyTakesOverWhenItIsKilled) {
  auto n1 = start_node("n1");
  auto n2 = start_node("n2");
  ASSERT_TRUE(n1->started() && n2->started());
  ASSERT_TRUE(eventually(15s, [&] {
    const RoleAnswer one = role_of(*n1), two = role_of(*n2);
    return (one.status == 200) != (two.status == 200) &&
           (one.role == "standby" || two.role == "standby");
  })) << "no single primary with a standby";
  ServerProcess* primary = role_of(*n1).status == 200 ? n1.get() : n2.get();
  ServerProcess* standby = primary == n1.get() ? n2.get() : n1.get();
  // Never both: the roles hold for a while (several renewals).
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(role_of(*primary).status, 200);
    const RoleAnswer other = role_of(*standby);
    EXPECT_EQ(other.status, 503);
    EXPECT_EQ(other.role, "standby");
    std::this_thread::sleep_for(100ms);
  }
  const boost::json::object role = json_of(http_request(primary->data_port(), "GET", "/v1/role"));
  EXPECT_EQ(role.at("role").as_string(), "primary");
  EXPECT_EQ(role.at("partition").as_string(), "p1");
  EXPECT_TRUE(role.at("node").as_string() == "n1" || role.at("node").as_string() == "n2");

  EXPECT_EQ(http_request(primary->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-0"))
                .status,
            200);
  const HttpResult refused =
      http_request(standby->data_port(), "POST", "/v1/redeem", redeem_body(codes_[1], "o-1"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json_of(refused).at("error").at("code").as_string(), "not_primary");
  // Validation is a read: a standby answers it.
  EXPECT_EQ(http_request(standby->data_port(), "POST", "/v1/validate",
                         redeem_body(codes_[1], "o-1"))
                .status,
            200);
  // So are the admin's reads; its changes are refused.
  EXPECT_EQ(http_request(standby->admin_port(), "GET", "/admin/v1/batches", {},
                         standby->admin_token())
                .status,
            200);
  const HttpResult admin_refused =
      http_request(standby->admin_port(), "POST", "/admin/v1/batches/flash/revoke", {},
                   standby->admin_token());
  EXPECT_EQ(admin_refused.status, 503);
  EXPECT_EQ(json_of(admin_refused).at("error").at("code").as_string(), "not_primary");

  // The standby follows the primary the leader key names: the redemption reaches it.
  EXPECT_TRUE(eventually(10s, [&] {
    const HttpResult coupon =
        http_request(standby->data_port(), "GET", "/v1/coupons/" + codes_[0]);
    return coupon.status == 200 && json_of(coupon).at("uses").to_number<std::int64_t>() == 1;
  })) << "the standby never received the primary's redemption";

  const auto killed_at = std::chrono::steady_clock::now();
  primary->kill_now();
  ASSERT_TRUE(eventually(20s, [&] { return role_of(*standby).status == 200; }))
      << "the standby never became primary";
  std::cout << "[ election  ] the standby became primary "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed_at)
                   .count()
            << " ms after the primary was killed (lease ttl " << election_lease_ttl_s << " s)\n";
  EXPECT_EQ(http_request(standby->data_port(), "POST", "/v1/redeem", redeem_body(codes_[1], "o-1"))
                .status,
            200);
  // What the old primary acknowledged holds on the new one: never a second use of that code.
  const HttpResult again =
      http_request(standby->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-other"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(reason_of(again), "already_redeemed");
}

TEST_F(ElectionCluster, AStoppedPrimaryHandsOverAtOnce) {
  auto n1 = start_node("n1");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n1).status == 200; }));
  auto n2 = start_node("n2");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n2).role == "standby"; }));
  // A clean stop revokes the lease: the standby need not wait for it to lapse.
  EXPECT_EQ(n1->stop(), 0);
  ASSERT_TRUE(eventually(20s, [&] { return role_of(*n2).status == 200; }));
}

TEST(ElectionSingle, ANodeWithoutEtcdIsSingleAndAcknowledges) {
  ServerProcess node;
  ASSERT_TRUE(node.started());
  const HttpResult role = http_request(node.data_port(), "GET", "/v1/role");
  EXPECT_EQ(role.status, 200);
  EXPECT_EQ(json_of(role).at("role").as_string(), "single");
  EXPECT_EQ(http_request(node.data_port(), "POST", "/v1/role").status, 405);
}

TEST(ElectionSingle, EtcdWithoutPartitionOrNodeIsRefused) {
  std::string output;
  EXPECT_NE(run_coupond({"--data-dir", "/nonexistent", "--etcd", "http://127.0.0.1:1"}, &output), 0);
  EXPECT_NE(output.find("--etcd needs --partition and --node"), std::string::npos) << output;
  EXPECT_NE(run_coupond({"--data-dir", "/nonexistent", "--etcd", "127.0.0.1:1", "--partition", "p1",
                         "--node", "n1"},
                        &output),
            0);
  EXPECT_NE(output.find("http://HOST:PORT"), std::string::npos) << output;
  // A standby that could not follow its primary must never become primary.
  EXPECT_NE(run_coupond({"--data-dir", "/nonexistent", "--etcd", "http://127.0.0.1:1",
                         "--partition", "p1", "--node", "n1"},
                        &output),
            0);
  EXPECT_NE(output.find("--etcd needs --replication-listen"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond::testing
