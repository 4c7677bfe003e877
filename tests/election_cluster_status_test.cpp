// GET /admin/v1/cluster on an elected partition: both nodes name the same leader (the node the
// leader key names), and the primary lists its standby with what it has acknowledged; couponctl
// shows it and switches the partition over, after which both name the new leader.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "election_cluster.h"
#include "replication_support.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ElectionCluster, BothNodesNameTheSameLeaderAndThePrimaryListsItsStandby) {
  std::unique_ptr<ServerProcess> n1, n2;
  ASSERT_NO_FATAL_FAILURE(start_primary_and_standby(&n1, &n2));

  const boost::json::object primary = cluster_of(*n1);
  const boost::json::object standby = cluster_of(*n2);
  EXPECT_EQ(primary.at("role").as_string(), "primary");
  EXPECT_EQ(primary.at("leader").as_string(), "n1");
  EXPECT_EQ(standby.at("role").as_string(), "standby");
  EXPECT_EQ(standby.at("leader").as_string(), "n1");
  EXPECT_EQ(standby.at("partition").as_string(), "p1");

  // Once n2 holds all n1 holds, n1 reports it so, with no lag.
  ASSERT_TRUE(eventually(15s, [&] {
    const boost::json::object now = cluster_of(*n1);
    const auto& standbys = now.at("standbys").as_array();
    return standbys.size() == 1 &&
           standbys.at(0).at("acknowledged_seq").to_number<std::int64_t>() ==
               now.at("journal_seq").to_number<std::int64_t>() &&
           standbys.at(0).at("lag_records").to_number<std::int64_t>() == 0;
  })) << boost::json::serialize(cluster_of(*n1));
  EXPECT_EQ(cluster_of(*n1).at("standbys").at(0).at("node").as_string(), "n2");
}

int couponctl(const ServerProcess& node, const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> all = {"--admin", "http://127.0.0.1:" + std::to_string(node.admin_port()),
                                  "--token-file", (node.data_dir() / "admin-token").string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_program(COUPONCTL_BINARY, all, output);
}

TEST_F(ElectionCluster, CouponctlSwitchesOverToTheCaughtUpStandbyAndBothNameTheNewLeader) {
  std::unique_ptr<ServerProcess> n1, n2;
  ASSERT_NO_FATAL_FAILURE(start_primary_and_standby(&n1, &n2));

  std::string output;
  ASSERT_EQ(couponctl(*n2, {"cluster", "status"}, &output), 0) << output;
  EXPECT_NE(output.find("leader"), std::string::npos) << output;
  EXPECT_NE(output.find("n1"), std::string::npos) << output;

  ASSERT_EQ(couponctl(*n1, {"cluster", "switchover"}, &output), 0) << output;
  ASSERT_TRUE(eventually(15s, [&] {
    return cluster_of(*n2).at("leader").as_string() == "n2" &&
           cluster_of(*n1).at("leader").as_string() == "n2";
  })) << "the nodes never agreed that n2 leads";
  // The old primary follows the new one, which lists it under its standbys.
  ASSERT_TRUE(wait_for_standby(*n2, "n1", 30s)) << "n1 never followed n2";
  ASSERT_EQ(couponctl(*n2, {"cluster", "status"}, &output), 0) << output;
  EXPECT_NE(output.find("STANDBY"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond::testing
