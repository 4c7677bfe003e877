// The node's role: a single node always acknowledges; a cluster node only as primary before its
// lease deadline, and past it reads as fenced at once; readers racing the election's writes see
// only roles that were set (run under ThreadSanitizer too).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "cluster/node_role.h"

namespace coupond::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = NodeRole::Clock;

TEST(ElectionNodeRole, ASingleNodeAlwaysAcknowledges) {
  const NodeRole single;
  EXPECT_TRUE(single.is_single());
  EXPECT_EQ(single.role(), Role::single);
  EXPECT_TRUE(single.may_acknowledge());
  // Whatever the clock says: a single node has no lease.
  EXPECT_TRUE(single.may_acknowledge_at(Clock::time_point::max()));
  EXPECT_TRUE(single_node().may_acknowledge());
}

TEST(ElectionNodeRole, AClusterNodeAcknowledgesOnlyAsPrimaryBeforeItsDeadline) {
  NodeRole role("p1", "n1");
  EXPECT_EQ(role.role(), Role::electing);
  EXPECT_FALSE(role.may_acknowledge());
  const Clock::time_point now = Clock::now();
  role.become_primary(now + 10s);
  EXPECT_EQ(role.role_at(now), Role::primary);
  EXPECT_TRUE(role.may_acknowledge_at(now));
  EXPECT_TRUE(role.may_acknowledge_at(now + 10s - 1ns));
  // The deadline passing fences the node, with no one writing anything.
  EXPECT_FALSE(role.may_acknowledge_at(now + 10s));
  EXPECT_EQ(role.role_at(now + 10s), Role::fenced);
  // A renewal moves the deadline forward, never back.
  role.extend_deadline(now + 20s);
  EXPECT_TRUE(role.may_acknowledge_at(now + 15s));
  role.extend_deadline(now + 5s);
  EXPECT_TRUE(role.may_acknowledge_at(now + 15s));
  role.become(Role::standby);
  EXPECT_FALSE(role.may_acknowledge_at(now));
  EXPECT_EQ(role.role_at(now), Role::standby);
  role.become(Role::fenced);
  EXPECT_EQ(role.role_at(now), Role::fenced);
  EXPECT_FALSE(role.may_acknowledge_at(now));
}

TEST(ElectionNodeRole, TheLeaderIsTheNodeTheElectionLastNamed) {
  NodeRole role("p1", "n2");
  EXPECT_EQ(role.leader(), "");
  role.become_standby_of("n1");
  EXPECT_EQ(role.role(), Role::standby);
  EXPECT_EQ(role.leader(), "n1");
  // Electing again: the key is gone, nobody is vouched for.
  role.become(Role::electing);
  EXPECT_EQ(role.leader(), "");
  role.become_primary(Clock::now() + 10s);
  EXPECT_EQ(role.leader(), "n2");
  role.become(Role::fenced);
  EXPECT_EQ(role.leader(), "");
}

TEST(ElectionNodeRole, APrimaryWhoseDeadlineIsPastIsFencedByTheClockAlone) {
  NodeRole role("p1", "n1");
  role.become_primary(Clock::now() + 50ms);
  // Bounded: the steady clock passes the deadline; nothing else touches the role.
  const Clock::time_point give_up = Clock::now() + 10s;
  while (role.may_acknowledge() && Clock::now() < give_up) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(role.may_acknowledge());
  EXPECT_EQ(role.role(), Role::fenced);
}

TEST(ElectionNodeRoleConcurrency, ReadersRacingRoleChangesSeeOnlyRolesThatWereSet) {
  NodeRole role("p1", "n1");
  std::atomic<bool> done{false};
  std::atomic<long> acknowledged{0};
  std::atomic<long> wrong{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!done.load(std::memory_order_relaxed)) {
        const Clock::time_point now = Clock::now();
        if (role.may_acknowledge_at(now)) {
          acknowledged.fetch_add(1, std::memory_order_relaxed);
          // Acknowledging implies a deadline ahead of now, written before the role.
          if (role.deadline() <= now) wrong.fetch_add(1, std::memory_order_relaxed);
        }
        const Role seen = role.role_at(now);
        if (seen == Role::single) wrong.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (int round = 0; round < 20'000; ++round) {
    role.become_primary(Clock::now() + 1h);
    role.extend_deadline(Clock::now() + 2h);
    role.become(round % 2 == 0 ? Role::fenced : Role::standby);
    role.become(Role::electing);
  }
  role.become_primary(Clock::now() + 1h);
  while (acknowledged.load() == 0) std::this_thread::yield();
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(acknowledged.load(), 0);
}

}  // namespace
}  // namespace coupond::cluster
