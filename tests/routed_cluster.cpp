#include "routed_cluster.h"

#include <fstream>

#include "election_cluster.h"
#include "http_client.h"
#include "replication_support.h"

namespace coupond::testing {

using namespace std::chrono_literals;

RouterClients::RouterClients(unsigned short router_port, const std::vector<std::string>& codes,
                             Ledger& ledger)
    : port_(router_port), codes_(codes), ledger_(ledger) {
  for (int t = 0; t < failover_client_threads; ++t) threads_.emplace_back([this, t] { shop(t); });
}

void RouterClients::join() {
  stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void RouterClients::failover_began(FailoverClock::time_point at) {
  const std::lock_guard lock(mutex_);
  killed_at_ = at;
}

std::optional<FailoverClock::time_point> RouterClients::first_200_after_kill() const {
  const std::lock_guard lock(mutex_);
  return first_200_after_kill_;
}

std::set<std::string> RouterClients::tried() const {
  const std::lock_guard lock(mutex_);
  return tried_;
}

void RouterClients::shop(int thread) {
  for (std::size_t k = static_cast<std::size_t>(thread); !stop_ && k < codes_.size();
       k += failover_client_threads) {
    const std::string& code = codes_[k];
    {
      const std::lock_guard lock(mutex_);
      tried_.insert(code);
    }
    for (int attempt = 0; !stop_; ++attempt) {
      const std::string order = "o-" + code + "-" + std::to_string(attempt);
      const FailoverClock::time_point sent = FailoverClock::now();
      const HttpResult answer = http_request(port_, "POST", "/v1/redeem", redeem_body(code, order));
      if (answer.status == 200) {
        ledger_.acknowledged(code, order);
        note_acknowledged(sent);
        break;
      }
      if (answer.status == 409) break;
      std::this_thread::sleep_for(20ms);
    }
  }
}

void RouterClients::note_acknowledged(FailoverClock::time_point sent) {
  const std::lock_guard lock(mutex_);
  if (!killed_at_ || sent < *killed_at_) return;
  ++acknowledged_after_kill_;
  if (!first_200_after_kill_) first_200_after_kill_ = FailoverClock::now();
}

void RoutedCluster::SetUp() {
  if (!etcd_installed()) {
    GTEST_SKIP() << etcd_binary << " is missing (apt-get install etcd-server): no failover to test";
  }
  if (!std::filesystem::exists(haproxy_binary)) {
    GTEST_SKIP() << haproxy_binary << " is missing (apt-get install haproxy): no router to test";
  }
  ASSERT_TRUE(etcd_.start()) << "etcd did not come up on " << etcd_.endpoint();
  const std::vector<std::string> prepared = prepare(directory_.path() / "n1", {"--partition", "P1"});
  ASSERT_GE(prepared.size(), failover_codes);
  codes_.assign(prepared.begin(), prepared.begin() + failover_codes);
  std::filesystem::copy(directory_.path() / "n1", directory_.path() / "n2",
                        std::filesystem::copy_options::recursive);
  n1_port_ = free_loopback_port();
  n2_port_ = free_loopback_port();
  std::ofstream(delay_file()) << "on\n";
}

std::unique_ptr<ServerProcess> RoutedCluster::start_node(const std::string& node,
                                                         const std::vector<std::string>& sync_flags) {
  ServerOptions options;
  options.extra_flags = {"--etcd", etcd_.endpoint(), "--partition", "P1", "--node", node,
                         "--lease-ttl", std::to_string(election_lease_ttl_s),
                         "--replication-listen",
                         "127.0.0.1:" + std::to_string(free_loopback_port())};
  options.extra_flags.insert(options.extra_flags.end(), sync_flags.begin(), sync_flags.end());
  options.data_dir = directory_.path() / node;
  options.data_port = node == "n1" ? n1_port_ : n2_port_;
  options.environment = {"COUPOND_FAULT_SWITCH=replication.standby_delay:" + delay_file().string()};
  auto server = std::make_unique<ServerProcess>(options);
  EXPECT_TRUE(server->started()) << node << " did not start";
  return server;
}

::testing::AssertionResult RoutedCluster::start_partition(const std::vector<std::string>& sync_flags,
                                                          ServerProcess** primary,
                                                          ServerProcess** standby) {
  n1_ = start_node("n1", sync_flags);
  n2_ = start_node("n2", sync_flags);
  if (!n1_->started() || !n2_->started()) return ::testing::AssertionFailure() << "a node is down";
  const bool elected = eventually(15s, [&] {
    return (role_of(*n1_).status == 200 && role_of(*n2_).role == "standby") ||
           (role_of(*n2_).status == 200 && role_of(*n1_).role == "standby");
  });
  if (!elected) return ::testing::AssertionFailure() << "no single primary with a standby";
  *primary = role_of(*n1_).status == 200 ? n1_.get() : n2_.get();
  *standby = *primary == n1_.get() ? n2_.get() : n1_.get();
  if (!wait_for_standby(**primary, name_of(*standby))) {
    return ::testing::AssertionFailure() << "the standby never connected to the primary";
  }
  router_port_ = free_loopback_port();
  std::string config;
  const int exit_status = run_program(
      COUPONCTL_BINARY,
      {"cluster", "haproxy-config", "--partition",
       "P1=127.0.0.1:" + std::to_string(n1_port_) + ",127.0.0.1:" + std::to_string(n2_port_),
       "--bind", "127.0.0.1:" + std::to_string(router_port_)},
      &config);
  if (exit_status != 0) return ::testing::AssertionFailure() << config;
  const std::filesystem::path config_file = directory_.path() / "haproxy.cfg";
  std::ofstream(config_file) << config;
  router_ = std::make_unique<HaproxyProcess>(config_file);
  const bool answers = eventually(10s, [&] {
    return http_request(router_port_, "POST", "/v1/validate", redeem_body(codes_[0], "probe"))
               .status == 200;
  });
  if (!answers) return ::testing::AssertionFailure() << "the router never answered\n" << config;
  return ::testing::AssertionSuccess();
}

void expect_acknowledged_once(const ServerProcess& node, const Ledger& ledger,
                              const std::set<std::string>& tried) {
  expect_ledger_holds(node, ledger);
  for (const std::string& code : tried) {
    const HttpResult coupon = http_request(node.data_port(), "GET", "/v1/coupons/" + code);
    ASSERT_EQ(coupon.status, 200) << code;
    EXPECT_LE(json_of(coupon).at("uses").to_number<std::int64_t>(), 1) << code << " has two uses";
  }
}

long long milliseconds_between(FailoverClock::time_point since, FailoverClock::time_point until) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(until - since).count();
}

}  // namespace coupond::testing
