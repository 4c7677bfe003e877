// The leader key's value: what a primary writes reads back the same, and a value that names no
// node (written by something else) is not taken for a leader.
#include <gtest/gtest.h>

#include "cluster/leader_value.h"

namespace coupond::cluster {
namespace {

TEST(ElectionLeaderValue, ReadsBackWhatThePrimaryWrote) {
  const LeaderValue written{"n1", "10.0.0.7:7000", "10.0.0.7:8080", "127.0.0.1:8081"};
  LeaderValue read;
  ASSERT_TRUE(parse_leader_value(leader_value_json(written), &read));
  EXPECT_EQ(read, written);
  EXPECT_EQ(leader_key("p1"), "/coupond/partitions/p1/leader");
}

TEST(ElectionLeaderValue, AValueNamingNoNodeIsNoLeader) {
  LeaderValue read;
  EXPECT_FALSE(parse_leader_value("", &read));
  EXPECT_FALSE(parse_leader_value("n1", &read));
  EXPECT_FALSE(parse_leader_value(R"(["n1"])", &read));
  EXPECT_FALSE(parse_leader_value(R"({"node": 7})", &read));
  EXPECT_FALSE(parse_leader_value(R"({"data": "10.0.0.7:8080"})", &read));
  EXPECT_TRUE(read.node.empty());
  // Fields it does not know are left alone; those it knows are read.
  ASSERT_TRUE(parse_leader_value(R"({"node": "n2", "zone": "a"})", &read));
  EXPECT_EQ(read.node, "n2");
  EXPECT_TRUE(read.replication.empty());
}

}  // namespace
}  // namespace coupond::cluster
