// Switchover (POST /admin/v1/cluster/switchover): the primary stops acknowledging at once, waits
// until its standby holds all it holds, gives up its key, and its standby takes it while the old
// primary stands aside and becomes its standby; with no standby caught up it refuses and stays
// primary; a standby or a single node cannot switch over.
#include <gtest/gtest.h>

#include <chrono>

#include "crash_support.h"
#include "election_cluster.h"
#include "http_client.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

HttpResult switch_over(const ServerProcess& node) {
  return http_request(node.admin_port(), "POST", "/admin/v1/cluster/switchover", {},
                      node.admin_token());
}

TEST_F(ElectionCluster, ASwitchoverHandsThePartitionToTheStandby) {
  // The switchover waits for a standby that holds everything: one must be connected.
  std::unique_ptr<ServerProcess> n1, n2;
  ASSERT_NO_FATAL_FAILURE(start_primary_and_standby(&n1, &n2));

  const HttpResult refused = switch_over(*n2);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json_of(refused).at("error").at("code").as_string(), "not_primary");

  const HttpResult switched = switch_over(*n1);
  ASSERT_EQ(switched.status, 200) << switched.body;
  EXPECT_EQ(json_of(switched).at("node").as_string(), "n1");
  // From the answer on, the old primary acknowledges nothing.
  EXPECT_NE(role_of(*n1).status, 200);
  const HttpResult late =
      http_request(n1->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-0"));
  EXPECT_EQ(late.status, 503);
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n2).status == 200; }))
      << "the standby never took the key";
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n1).role == "standby"; }))
      << "the old primary did not follow the new one";
  EXPECT_EQ(http_request(n2->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-0")).status,
            200);
}

TEST_F(ElectionCluster, APrimaryWithoutACaughtUpStandbyRefusesAndStaysPrimary) {
  auto n1 = start_node("n1");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n1).status == 200; }));

  const HttpResult refused = switch_over(*n1);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(json_of(refused).at("error").at("code").as_string(), "conflict");
  // Nobody could take the partition: it goes on acknowledging.
  EXPECT_EQ(role_of(*n1).status, 200);
  EXPECT_EQ(http_request(n1->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-0")).status,
            200);
}

TEST(ElectionSwitchover, ASingleNodeHasNothingToHandOver) {
  ServerProcess node;
  ASSERT_TRUE(node.started());
  const HttpResult refused = http_request(node.admin_port(), "POST", "/admin/v1/cluster/switchover",
                                          {}, node.admin_token());
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(http_request(node.admin_port(), "GET", "/admin/v1/cluster/switchover", {},
                         node.admin_token())
                .status,
            405);
}

}  // namespace
}  // namespace coupond::testing
