// etcd down: a primary fences itself within its lease's ttl; a node started while etcd cannot be
// reached stays electing (503) and logs why; once etcd is back, the partition has one primary
// again.
#include <gtest/gtest.h>

#include <chrono>

#include "crash_support.h"
#include "election_cluster.h"
#include "http_client.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ElectionCluster, EtcdDownFencesThePrimaryAndEtcdBackElectsOneAgain) {
  auto n1 = start_node("n1");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n1).status == 200; }));
  ASSERT_EQ(http_request(n1->data_port(), "POST", "/v1/redeem", redeem_body(codes_[0], "o-0")).status,
            200);

  etcd_.kill_now();
  ASSERT_TRUE(eventually(std::chrono::seconds(3 * election_lease_ttl_s),
                         [&] { return role_of(*n1).role == "fenced"; }))
      << "the primary went on acknowledging without etcd";
  EXPECT_EQ(role_of(*n1).status, 503);
  const HttpResult refused =
      http_request(n1->data_port(), "POST", "/v1/redeem", redeem_body(codes_[1], "o-1"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json_of(refused).at("error").at("code").as_string(), "not_primary");

  auto n2 = start_node("n2", {}, /*capture_error_output=*/true);
  ASSERT_TRUE(n2->started());
  // Give it a few election rounds: it cannot win without etcd.
  for (int i = 0; i < 10; ++i) {
    const RoleAnswer electing = role_of(*n2);
    EXPECT_EQ(electing.status, 503);
    EXPECT_EQ(electing.role, "electing");
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(http_request(n2->data_port(), "POST", "/v1/redeem", redeem_body(codes_[2], "o-2")).status,
            503);

  ASSERT_TRUE(etcd_.start()) << "etcd did not come back";
  ASSERT_TRUE(eventually(30s, [&] {
    return (role_of(*n1).status == 200) != (role_of(*n2).status == 200);
  })) << "no primary once etcd was back";
  ServerProcess* primary = role_of(*n1).status == 200 ? n1.get() : n2.get();
  EXPECT_EQ(http_request(primary->data_port(), "POST", "/v1/redeem", redeem_body(codes_[3], "o-3"))
                .status,
            200);

  EXPECT_EQ(n2->stop(), 0);
  EXPECT_NE(n2->error_output().find("electing: cannot reach etcd"), std::string::npos)
      << n2->error_output();
}

}  // namespace
}  // namespace coupond::testing
