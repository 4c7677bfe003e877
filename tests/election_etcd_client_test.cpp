// The etcd client against a real etcd: leases granted, kept alive and revoked; the leader key's
// create-if-absent transaction won once and lost once; a dead endpoint answers an error within
// the timeout instead of hanging.
#include <gtest/gtest.h>

#include "cluster/etcd_client.h"
#include "etcd_process.h"
#include "server_process.h"

namespace coupond::testing {
namespace {

using cluster::EtcdClient;
using cluster::EtcdEndpoint;
using cluster::EtcdLease;
using cluster::EtcdTxnResult;
using namespace std::chrono_literals;

std::vector<EtcdEndpoint> endpoints_of(const std::string& text) {
  std::vector<EtcdEndpoint> endpoints;
  EXPECT_TRUE(cluster::parse_etcd_endpoints(text, &endpoints).is_ok()) << text;
  return endpoints;
}

class ElectionEtcdClient : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!etcd_installed()) GTEST_SKIP() << etcd_binary << " is missing: apt-get install etcd-server";
    ASSERT_TRUE(etcd_.start()) << "etcd did not come up on " << etcd_.endpoint();
  }
  EtcdProcess etcd_;
};

TEST_F(ElectionEtcdClient, GrantsKeepsAliveAndRevokesALease) {
  EtcdClient client(endpoints_of(etcd_.endpoint()), 2000ms);
  EtcdLease lease;
  ASSERT_TRUE(client.grant(5s, &lease).is_ok());
  EXPECT_NE(lease.id, 0);
  EXPECT_GE(lease.ttl, 5s);
  std::chrono::seconds left{0};
  ASSERT_TRUE(client.keepalive(lease.id, &left).is_ok());
  EXPECT_GT(left.count(), 0);
  ASSERT_TRUE(client.revoke(lease.id).is_ok());
  // Revoked: a keepalive finds it gone, and revoking it again is no error.
  ASSERT_TRUE(client.keepalive(lease.id, &left).is_ok());
  EXPECT_EQ(left.count(), 0);
  EXPECT_TRUE(client.revoke(lease.id).is_ok());
}

TEST_F(ElectionEtcdClient, CreateIfAbsentIsWonOnceAndLostOnce) {
  EtcdClient client(endpoints_of(etcd_.endpoint()), 2000ms);
  EtcdLease first, second;
  ASSERT_TRUE(client.grant(10s, &first).is_ok());
  ASSERT_TRUE(client.grant(10s, &second).is_ok());
  const std::string key = "/coupond/partitions/p1/leader";
  EtcdTxnResult won, lost;
  ASSERT_TRUE(client.create_if_absent(key, R"({"node":"n1"})", first.id, &won).is_ok());
  EXPECT_TRUE(won.created);
  EXPECT_GT(won.revision, 0);
  ASSERT_TRUE(client.create_if_absent(key, R"({"node":"n2"})", second.id, &lost).is_ok());
  EXPECT_FALSE(lost.created);
  ASSERT_TRUE(lost.holder.has_value());
  EXPECT_EQ(lost.holder->value, R"({"node":"n1"})");
  EXPECT_EQ(lost.holder->lease, first.id);
  EXPECT_EQ(lost.holder->create_revision, won.revision);

  std::optional<cluster::EtcdKeyValue> found;
  ASSERT_TRUE(client.get(key, &found).is_ok());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->value, R"({"node":"n1"})");
  // Revoking the holder's lease deletes the key: the other lease can take it now.
  ASSERT_TRUE(client.revoke(first.id).is_ok());
  ASSERT_TRUE(client.get(key, &found).is_ok());
  EXPECT_FALSE(found.has_value());
  EtcdTxnResult taken;
  ASSERT_TRUE(client.create_if_absent(key, R"({"node":"n2"})", second.id, &taken).is_ok());
  EXPECT_TRUE(taken.created);
  EXPECT_GT(taken.revision, won.revision);
  ASSERT_TRUE(client.remove(key).is_ok());
  ASSERT_TRUE(client.get(key, &found).is_ok());
  EXPECT_FALSE(found.has_value());
}

TEST_F(ElectionEtcdClient, ADeadEndpointFailsWithinTheTimeoutAndTheNextOneAnswers) {
  // The first endpoint refuses connections; the client moves on to the live one.
  const std::string dead = "http://127.0.0.1:" + std::to_string(free_loopback_port());
  EtcdClient client(endpoints_of(dead + "," + etcd_.endpoint()), 500ms);
  EtcdLease lease;
  const Status refused = client.grant(5s, &lease);
  EXPECT_EQ(refused.code(), Status::Code::io_error) << refused.message();
  EXPECT_NE(refused.message().find(dead.substr(7)), std::string::npos) << refused.message();
  EXPECT_TRUE(client.grant(5s, &lease).is_ok());
}

TEST(ElectionEtcdEndpoints, ParsesAListAndRefusesWhatIsNotHttpHostPort) {
  std::vector<EtcdEndpoint> endpoints;
  ASSERT_TRUE(cluster::parse_etcd_endpoints("http://127.0.0.1:2379,http://[::1]:2380/", &endpoints)
                  .is_ok());
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(endpoints[0].port, 2379);
  EXPECT_EQ(endpoints[1].host, "::1");
  EXPECT_EQ(endpoints[1].port, 2380);
  EXPECT_FALSE(cluster::parse_etcd_endpoints("", &endpoints).is_ok());
  EXPECT_FALSE(cluster::parse_etcd_endpoints("https://127.0.0.1:2379", &endpoints).is_ok());
  EXPECT_FALSE(cluster::parse_etcd_endpoints("http://127.0.0.1", &endpoints).is_ok());
  EXPECT_FALSE(cluster::parse_etcd_endpoints("http://127.0.0.1:99999", &endpoints).is_ok());
}

}  // namespace
}  // namespace coupond::testing
