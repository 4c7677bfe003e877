// The way back after a failover: partition P1 on two nodes with a strict synchronous standby
// (--sync-standby, strict by default), routed by HAProxy. Clients redeem through the router; the
// primary is killed; the standby takes over, and with no standby of its own takes no redemption:
// its answers wait. The killed node is started again on its own data directory and data port: it
// finds the new primary through the election, follows it (rebuilt from a base copy if its journal
// went further than the new primary's: the slowed link of the first era, as in
// cluster_failover_test.cpp, leaves it records it wrote and never sent, so it nearly always is),
// and once it acknowledges, the waiting answers go out and
// new redemptions go through. Then the new primary is killed too: the first node is promoted
// again, and holds every redemption acknowledged in both eras, none twice. The time each step
// took is printed, not asserted. Skipped when etcd or HAProxy is not installed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "election_cluster.h"
#include "replication_support.h"
#include "routed_cluster.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t acknowledged_before_kill = 40;
constexpr std::size_t acknowledged_after_rejoin = 20;

const std::vector<std::string> strict_sync_standby = {"--sync-standby"};

class ClusterRejoin : public RoutedCluster {};

// The directories a base copy moved this node's data aside into.
std::size_t diverged_directories(const std::filesystem::path& data_dir) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with("diverged-")) ++count;
  }
  return count;
}

void print_step(const std::string& step, FailoverClock::time_point since,
                FailoverClock::time_point until) {
  std::cout << "[ rejoin    ] " << step << ": " << milliseconds_between(since, until) << " ms\n";
}

TEST_F(ClusterRejoin, TheKilledPrimaryFollowsTheNewOneAndTakesOverAgainWithEveryRedemption) {
  ServerProcess* first = nullptr;
  ServerProcess* second = nullptr;
  ASSERT_TRUE(start_partition(strict_sync_standby, &first, &second));
  std::unique_ptr<ServerProcess>& first_node = first == n1_.get() ? n1_ : n2_;
  const std::string first_name = name_of(first);

  Ledger ledger;
  RouterClients clients(router_port_, codes_, ledger);
  ASSERT_TRUE(wait_for_acknowledged(ledger, acknowledged_before_kill))
      << "nothing acknowledged through the router before the kill";
  const FailoverClock::time_point killed_at = FailoverClock::now();
  clients.failover_began(killed_at);
  first->kill_now();
  const std::size_t first_era = ledger.size();

  // The second node takes over and the router finds it; its answers wait for a standby.
  ASSERT_TRUE(eventually(20s, [&] { return role_of(*second).status == 200; }))
      << "the standby was not promoted";
  const FailoverClock::time_point promoted_at = FailoverClock::now();
  ASSERT_TRUE(eventually(10s, [&] {
    return http_request(router_port_, "GET", "/v1/role").status == 200;
  })) << "the router never found the new primary";
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(clients.acknowledged_after_kill(), 0u)
      << "a strict synchronous primary acknowledged without a standby";

  // The killed node comes back on its own data as the new primary's standby, on a link no longer
  // slowed.
  std::filesystem::remove(delay_file());
  const FailoverClock::time_point restarted_at = FailoverClock::now();
  first_node = start_node(first_name, strict_sync_standby);
  first = first_node.get();
  ASSERT_TRUE(first->started());
  ASSERT_TRUE(wait_for_standby(*second, first_name))
      << "the restarted node never connected to the new primary";
  const FailoverClock::time_point following_at = FailoverClock::now();
  EXPECT_EQ(role_of(*first).role, "standby");
  ASSERT_TRUE(eventually(20s, [&] {
    return clients.acknowledged_after_kill() >= acknowledged_after_rejoin;
  })) << "the new primary's answers never went out after the standby came back";
  const auto first_200 = clients.first_200_after_kill();
  ASSERT_TRUE(first_200.has_value());
  EXPECT_TRUE(*first_200 >= restarted_at) << "acknowledged before its standby was back";

  // The second failover, under load: what the new primary acknowledged is on the first node.
  clients.stop();
  const FailoverClock::time_point second_kill_at = FailoverClock::now();
  second->kill_now();
  clients.join();
  ASSERT_TRUE(eventually(20s, [&] { return role_of(*first).status == 200; }))
      << "the first node was not promoted again";
  const FailoverClock::time_point promoted_again_at = FailoverClock::now();

  const std::size_t base_copies = diverged_directories(first->data_dir());
  print_step("kill to the standby's promotion", killed_at, promoted_at);
  print_step("restart to following the new primary" +
                 std::string(base_copies > 0 ? " (through a base copy)" : " (no base copy)"),
             restarted_at, following_at);
  print_step("restart to the first redemption the waiting primary acknowledged", restarted_at,
             *first_200);
  print_step("second kill to the first node's promotion", second_kill_at, promoted_again_at);
  std::cout << "[ rejoin    ] " << first_era << " redemptions acknowledged before the first kill, "
            << ledger.size() - first_era << " after\n";
  expect_acknowledged_once(*first, ledger, clients.tried());
}

}  // namespace
}  // namespace coupond::testing
