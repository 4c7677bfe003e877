// Fencing: a primary cut off from etcd while it keeps running (the fault switch etcd.unreachable)
// stops acknowledging within its lease's ttl: writes answer 503 not_primary and /v1/role 503
// fenced, and the standby takes the key once the lease lapses. Both nodes are driven with redeems
// through the whole transition: every 200 of the old primary arrives before the new primary's
// first 200 was even asked for, so at no instant did both acknowledge.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "cluster/etcd_client.h"
#include "cluster/leader_value.h"
#include "crash_support.h"
#include "election_cluster.h"
#include "http_client.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// One redeem as the client saw it.
struct Exchange {
  Clock::time_point sent;
  Clock::time_point answered;
  int status = 0;
  std::string error;
};

// Redeems codes on node, one after another, until stopped or out of codes.
class Shopper {
 public:
  Shopper(const ServerProcess& node, std::vector<std::string> codes, std::string prefix)
      : thread_([this, port = node.data_port(), codes = std::move(codes), prefix] {
          for (std::size_t i = 0; i < codes.size() && !stop_.load(); ++i) {
            Exchange exchange;
            exchange.sent = Clock::now();
            const HttpResult answer = http_request(
                port, "POST", "/v1/redeem", redeem_body(codes[i], prefix + std::to_string(i)));
            exchange.answered = Clock::now();
            exchange.status = answer.status;
            if (answer.status == 503) {
              exchange.error = std::string(json_of(answer).at("error").at("code").as_string());
            }
            {
              std::lock_guard lock(mutex_);
              exchanges_.push_back(exchange);
            }
            std::this_thread::sleep_for(5ms);
          }
        }) {}
  ~Shopper() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Exchange> exchanges() const {
    std::lock_guard lock(mutex_);
    return exchanges_;
  }
  std::size_t acknowledged() const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const Exchange& exchange : exchanges_) count += exchange.status == 200;
    return count;
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Exchange> exchanges_;
  std::thread thread_;
};

std::optional<cluster::EtcdKeyValue> leader_key_of(const EtcdProcess& etcd) {
  std::vector<cluster::EtcdEndpoint> endpoints;
  EXPECT_TRUE(cluster::parse_etcd_endpoints(etcd.endpoint(), &endpoints).is_ok());
  cluster::EtcdClient client(endpoints, 2000ms);
  std::optional<cluster::EtcdKeyValue> found;
  EXPECT_TRUE(client.get(cluster::leader_key("p1"), &found).is_ok());
  return found;
}

std::string node_named(const std::optional<cluster::EtcdKeyValue>& key) {
  cluster::LeaderValue value;
  return key && cluster::parse_leader_value(key->value, &value) ? value.node : "";
}

TEST_F(ElectionCluster, APrimaryCutOffFromEtcdStopsAcknowledgingBeforeTheStandbyBegins) {
  const std::filesystem::path cut = directory_.path() / "cut-n1-from-etcd";
  auto n1 = start_node("n1", {"COUPOND_FAULT_SWITCH=etcd.unreachable:" + cut.string()});
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n1).status == 200; }));
  auto n2 = start_node("n2");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(*n2).role == "standby"; }));
  const auto first_key = leader_key_of(etcd_);
  ASSERT_EQ(node_named(first_key), "n1");

  const std::size_t half = codes_.size() / 2;
  Shopper at_n1(*n1, {codes_.begin(), codes_.begin() + half}, "n1-");
  Shopper at_n2(*n2, {codes_.begin() + half, codes_.end()}, "n2-");
  ASSERT_TRUE(eventually(10s, [&] { return at_n1.acknowledged() >= 20; }));

  const Clock::time_point cut_at = Clock::now();
  std::ofstream(cut).put('\n');
  ASSERT_TRUE(eventually(10s, [&] { return role_of(*n1).role == "fenced"; }))
      << "n1 never fenced itself";
  const auto fenced_after = Clock::now() - cut_at;
  ASSERT_TRUE(eventually(20s, [&] { return role_of(*n2).status == 200; }))
      << "n2 never became primary";
  const auto promoted_after = Clock::now() - cut_at;
  ASSERT_TRUE(eventually(10s, [&] { return at_n2.acknowledged() >= 20; }));
  at_n1.stop();
  at_n2.stop();
  std::cout << "[ election  ] cut off at 0 ms: n1 fenced by "
            << std::chrono::duration_cast<std::chrono::milliseconds>(fenced_after).count()
            << " ms, n2 primary by "
            << std::chrono::duration_cast<std::chrono::milliseconds>(promoted_after).count()
            << " ms (lease ttl " << election_lease_ttl_s << " s)\n";

  // Fenced, still running: it refuses changes, and says why.
  const RoleAnswer fenced = role_of(*n1);
  EXPECT_EQ(fenced.status, 503);
  EXPECT_EQ(fenced.role, "fenced");
  const HttpResult refused = http_request(n1->data_port(), "POST", "/v1/redeem",
                                          redeem_body(codes_[half - 1], "late"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(json_of(refused).at("error").at("code").as_string(), "not_primary");

  // The key changed hands: a new key (a later revision) naming n2.
  const auto second_key = leader_key_of(etcd_);
  EXPECT_EQ(node_named(second_key), "n2");
  ASSERT_TRUE(first_key && second_key);
  EXPECT_GT(second_key->create_revision, first_key->create_revision);

  // No overlap: the old primary's last 200 came back before the new one's first was asked for.
  Clock::time_point n1_last_200 = Clock::time_point::min();
  std::size_t n1_200s = 0, n1_not_primary = 0;
  for (const Exchange& exchange : at_n1.exchanges()) {
    if (exchange.status == 200) {
      n1_last_200 = std::max(n1_last_200, exchange.answered);
      ++n1_200s;
    }
    n1_not_primary += exchange.error == "not_primary";
    EXPECT_TRUE(exchange.status == 200 || exchange.error == "not_primary")
        << "n1 answered " << exchange.status << " " << exchange.error;
  }
  Clock::time_point n2_first_200 = Clock::time_point::max();
  std::size_t n2_200s = 0;
  for (const Exchange& exchange : at_n2.exchanges()) {
    if (exchange.status == 200) {
      n2_first_200 = std::min(n2_first_200, exchange.sent);
      ++n2_200s;
    } else {
      EXPECT_EQ(exchange.error, "not_primary") << "n2 answered " << exchange.status;
    }
  }
  EXPECT_GE(n1_200s, 20u);
  EXPECT_GT(n1_not_primary, 0u);
  EXPECT_GE(n2_200s, 20u);
  EXPECT_LT(n1_last_200, n2_first_200)
      << "both nodes acknowledged redeems at the same time";
  std::cout << "[ election  ] n1: " << n1_200s << " redeems acknowledged, then " << n1_not_primary
            << " refused; n2: " << n2_200s << " acknowledged; gap between n1's last 200 and n2's "
            << "first request answered 200: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(n2_first_200 - n1_last_200)
                   .count()
            << " ms\n";
}

}  // namespace
}  // namespace coupond::testing
