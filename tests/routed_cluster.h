// What the failover tests share (tests/cluster_failover_test.cpp, tests/cluster_rejoin_test.cpp):
// one etcd, partition P1 on two nodes n1 and n2 (election, replication, a synchronous standby on a
// link the fault switch replication.standby_delay slows, so that it lags as a real one can),
// HAProxy routing to whichever node answers GET /v1/role with 200, and clients redeeming through
// it. Each node keeps its data directory and data port across restarts, as a real one does.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crash_support.h"
#include "etcd_process.h"
#include "haproxy_process.h"
#include "server_process.h"

namespace coupond::testing {

using FailoverClock = std::chrono::steady_clock;

inline constexpr int failover_client_threads = 4;
// Fewer codes than the flash batch's cap: every refusal the clients see is the failover's.
inline constexpr std::size_t failover_codes = 1000;

// Redeems distinct codes through the router from several threads. A 200 goes into the ledger; a
// refusal or a lost connection is tried again, on the same code with a new order id (a shopper
// pressing the button again), and is never counted as acknowledged; a 409 (the lost attempt did
// land) moves on. Notes the first 200 of a request sent after failover_began().
class RouterClients {
 public:
  RouterClients(unsigned short router_port, const std::vector<std::string>& codes, Ledger& ledger);
  ~RouterClients() { join(); }
  RouterClients(const RouterClients&) = delete;
  RouterClients& operator=(const RouterClients&) = delete;

  // No new request from here on; the ones under way go on.
  void stop() { stop_ = true; }
  // stop(), then waits for the requests under way.
  void join();
  void failover_began(FailoverClock::time_point at);
  // The first 200 of a request sent after the kill, if there was one.
  std::optional<FailoverClock::time_point> first_200_after_kill() const;
  std::size_t acknowledged_after_kill() const { return acknowledged_after_kill_.load(); }
  // The codes some request tried.
  std::set<std::string> tried() const;

 private:
  void shop(int thread);
  void note_acknowledged(FailoverClock::time_point sent);

  unsigned short port_;
  const std::vector<std::string>& codes_;
  Ledger& ledger_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> acknowledged_after_kill_{0};
  mutable std::mutex mutex_;
  std::optional<FailoverClock::time_point> killed_at_;
  std::optional<FailoverClock::time_point> first_200_after_kill_;
  std::set<std::string> tried_;
  std::vector<std::thread> threads_;
};

class RoutedCluster : public ::testing::Test {
 protected:
  // Skips the test when etcd or HAProxy is not installed; starts etcd and prepares both nodes'
  // data (n1's made by a server, n2's a copy: the nodes of a partition share the admin token and
  // key file) and the slow link's switch file, present.
  void SetUp() override;

  // Starts node "n1" or "n2" on its own data directory and data port, with sync_flags (the
  // --sync-standby flags the test is about) and the link to its standbys slowed while
  // delay_file() exists.
  std::unique_ptr<ServerProcess> start_node(const std::string& node,
                                            const std::vector<std::string>& sync_flags);
  // Starts n1_ and n2_ (start_node), waits until one is primary and the other its connected
  // standby, then routes to them: HAProxy on router_port_, answering.
  ::testing::AssertionResult start_partition(const std::vector<std::string>& sync_flags,
                                             ServerProcess** primary, ServerProcess** standby);
  // The file that slows the link to the standbys while it exists.
  std::filesystem::path delay_file() const { return directory_.path() / "standby-delay"; }
  std::string name_of(const ServerProcess* node) const { return node == n1_.get() ? "n1" : "n2"; }

  EtcdProcess etcd_;
  TemporaryDirectory directory_;
  std::vector<std::string> codes_;  // in both nodes' data, failover_codes of them
  unsigned short n1_port_ = 0;
  unsigned short n2_port_ = 0;
  std::unique_ptr<ServerProcess> n1_;
  std::unique_ptr<ServerProcess> n2_;
  unsigned short router_port_ = 0;
  std::unique_ptr<HaproxyProcess> router_;
};

// Every redemption in the ledger is on node under its order id, and no code some request tried
// has two uses there.
void expect_acknowledged_once(const ServerProcess& node, const Ledger& ledger,
                              const std::set<std::string>& tried);

// Milliseconds from since to until, for the lines the failover tests print.
long long milliseconds_between(FailoverClock::time_point since, FailoverClock::time_point until);

}  // namespace coupond::testing
