// A failover as clients see it: one etcd, partition P1 on two nodes (election, replication,
// --sync-standby) and HAProxy routing to whichever answers GET /v1/role with 200. Clients redeem
// through HAProxy while the primary is killed with SIGKILL; they keep trying until the standby is
// primary and HAProxy sends them to it. On the new primary every redemption answered 200 is there
// under its order id, and no code has two uses. The time without a primary is printed, not
// asserted. Skipped when etcd or HAProxy is not installed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "crash_support.h"
#include "election_cluster.h"
#include "etcd_process.h"
#include "haproxy_process.h"
#include "http_client.h"
#include "replication_support.h"
#include "server_process.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int failover_client_threads = 4;
// Fewer codes than the flash batch's cap: every refusal the clients see is the failover's.
constexpr std::size_t failover_codes = 1000;
// Redemptions acknowledged before the kill, and after the standby took over.
constexpr std::size_t acknowledged_before_kill = 40;
constexpr std::size_t acknowledged_after_takeover = 20;

// Redeems distinct codes through the router from several threads. A 200 goes into the ledger; a
// refusal or a lost connection is tried again, on the same code with a new order id (a shopper
// pressing the button again), and is never counted as acknowledged; a 409 (the lost attempt did
// land) moves on. Notes the first 200 of a request sent after failover_began().
class RouterClients {
 public:
  RouterClients(unsigned short router_port, const std::vector<std::string>& codes, Ledger& ledger)
      : port_(router_port), codes_(codes), ledger_(ledger) {
    for (int t = 0; t < failover_client_threads; ++t) threads_.emplace_back([this, t] { shop(t); });
  }
  ~RouterClients() { join(); }
  void join() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  void failover_began(Clock::time_point at) {
    const std::lock_guard lock(mutex_);
    killed_at_ = at;
  }
  // The first 200 of a request sent after the kill, if there was one.
  std::optional<Clock::time_point> first_200_after_kill() const {
    const std::lock_guard lock(mutex_);
    return first_200_after_kill_;
  }
  std::size_t acknowledged_after_kill() const { return acknowledged_after_kill_.load(); }
  // The codes some request tried.
  std::set<std::string> tried() const {
    const std::lock_guard lock(mutex_);
    return tried_;
  }

 private:
  void shop(int thread) {
    for (std::size_t k = static_cast<std::size_t>(thread); !stop_ && k < codes_.size();
         k += failover_client_threads) {
      const std::string& code = codes_[k];
      {
        const std::lock_guard lock(mutex_);
        tried_.insert(code);
      }
      for (int attempt = 0; !stop_; ++attempt) {
        const std::string order = "o-" + code + "-" + std::to_string(attempt);
        const Clock::time_point sent = Clock::now();
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
  void note_acknowledged(Clock::time_point sent) {
    const std::lock_guard lock(mutex_);
    if (!killed_at_ || sent < *killed_at_) return;
    ++acknowledged_after_kill_;
    if (!first_200_after_kill_) first_200_after_kill_ = Clock::now();
  }

  unsigned short port_;
  const std::vector<std::string>& codes_;
  Ledger& ledger_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> acknowledged_after_kill_{0};
  mutable std::mutex mutex_;
  std::optional<Clock::time_point> killed_at_;
  std::optional<Clock::time_point> first_200_after_kill_;
  std::set<std::string> tried_;
  std::vector<std::thread> threads_;
};

std::unique_ptr<ServerProcess> start_p1_node(const EtcdProcess& etcd,
                                             const std::filesystem::path& data_dir,
                                             const std::string& node) {
  ServerOptions options;
  // Not strict: the new primary has no standby until the killed node is back, and must answer
  // alone (after a second) rather than wait for one.
  options.extra_flags = {"--etcd", etcd.endpoint(), "--partition", "P1", "--node", node,
                         "--lease-ttl", std::to_string(election_lease_ttl_s),
                         "--replication-listen",
                         "127.0.0.1:" + std::to_string(free_loopback_port()), "--sync-standby",
                         "--sync-standby-strict=false", "--sync-standby-timeout", "1000"};
  options.data_dir = data_dir;
  auto server = std::make_unique<ServerProcess>(options);
  EXPECT_TRUE(server->started()) << node << " did not start";
  return server;
}

TEST(ClusterFailover, EveryRedemptionAcknowledgedThroughHaproxySurvivesThePrimarysKill) {
  if (!etcd_installed()) {
    GTEST_SKIP() << etcd_binary << " is missing (apt-get install etcd-server): no failover to test";
  }
  if (!std::filesystem::exists(haproxy_binary)) {
    GTEST_SKIP() << haproxy_binary << " is missing (apt-get install haproxy): no router to test";
  }
  EtcdProcess etcd;
  ASSERT_TRUE(etcd.start()) << "etcd did not come up on " << etcd.endpoint();
  // The nodes of a partition share the admin token and key file: the second is a copy.
  TemporaryDirectory directory;
  const std::vector<std::string> prepared = prepare(directory.path() / "n1", {"--partition", "P1"});
  ASSERT_GE(prepared.size(), failover_codes);
  const std::vector<std::string> codes(prepared.begin(), prepared.begin() + failover_codes);
  std::filesystem::copy(directory.path() / "n1", directory.path() / "n2",
                        std::filesystem::copy_options::recursive);
  auto n1 = start_p1_node(etcd, directory.path() / "n1", "n1");
  auto n2 = start_p1_node(etcd, directory.path() / "n2", "n2");
  ASSERT_TRUE(n1->started() && n2->started());
  ASSERT_TRUE(eventually(15s, [&] {
    return (role_of(*n1).status == 200 && role_of(*n2).role == "standby") ||
           (role_of(*n2).status == 200 && role_of(*n1).role == "standby");
  })) << "no single primary with a standby";
  ServerProcess* primary = role_of(*n1).status == 200 ? n1.get() : n2.get();
  ServerProcess* standby = primary == n1.get() ? n2.get() : n1.get();
  ASSERT_TRUE(wait_for_standby(*primary, primary == n1.get() ? "n2" : "n1"))
      << "the standby never connected to the primary";

  const unsigned short router_port = free_loopback_port();
  std::string config;
  ASSERT_EQ(run_program(COUPONCTL_BINARY,
                        {"cluster", "haproxy-config", "--partition",
                         "P1=127.0.0.1:" + std::to_string(n1->data_port()) + ",127.0.0.1:" +
                             std::to_string(n2->data_port()),
                         "--bind", "127.0.0.1:" + std::to_string(router_port)},
                        &config),
            0)
      << config;
  const std::filesystem::path config_file = directory.path() / "haproxy.cfg";
  std::ofstream(config_file) << config;
  HaproxyProcess router(config_file);
  ASSERT_TRUE(eventually(10s, [&] {
    return http_request(router_port, "POST", "/v1/validate", redeem_body(codes[0], "probe")).status ==
           200;
  })) << "the router never answered\n"
      << config;

  Ledger ledger;
  RouterClients clients(router_port, codes, ledger);
  ASSERT_TRUE(wait_for_acknowledged(ledger, acknowledged_before_kill))
      << "nothing acknowledged through the router before the kill";
  const Clock::time_point killed_at = Clock::now();
  clients.failover_began(killed_at);
  primary->kill_now();
  const bool took_over = eventually(20s, [&] {
    return clients.acknowledged_after_kill() >= acknowledged_after_takeover;
  });
  clients.join();
  ASSERT_TRUE(took_over) << "no redemption through the router succeeded after the kill";
  const auto first_200 = clients.first_200_after_kill();
  ASSERT_TRUE(first_200.has_value());
  std::cout << "[ failover  ] no primary through the router for "
            << std::chrono::duration_cast<std::chrono::milliseconds>(*first_200 - killed_at).count()
            << " ms after the primary was killed (lease ttl " << election_lease_ttl_s << " s, "
            << ledger.size() << " redemptions acknowledged)\n";

  ASSERT_EQ(role_of(*standby).status, 200) << "the standby is not primary";
  expect_ledger_holds(*standby, ledger);
  for (const std::string& code : clients.tried()) {
    const HttpResult coupon = http_request(standby->data_port(), "GET", "/v1/coupons/" + code);
    ASSERT_EQ(coupon.status, 200) << code;
    EXPECT_LE(json_of(coupon).at("uses").to_number<std::int64_t>(), 1) << code << " has two uses";
  }
}

}  // namespace
}  // namespace coupond::testing
