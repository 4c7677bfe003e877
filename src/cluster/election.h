// The election of a partition's primary, the Patroni way: every node of the partition tries to
// create the leader key (leader_value.h) in etcd under a lease of its own; the one that does is
// primary and renews its lease every ttl/3, the others are standbys that follow it and look for
// the key as often, and take it when it disappears. On a thread of its own; it writes the
// NodeRole that the data plane and the admin port read. docs/cluster.md says why it is safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "cluster/etcd_client.h"
#include "cluster/leader_follower.h"
#include "cluster/leader_value.h"
#include "cluster/node_role.h"
#include "coupond/limits.h"

namespace coupond::cluster {

struct ElectionOptions {
  std::string partition;
  std::vector<EtcdEndpoint> etcd;
  std::chrono::seconds lease_ttl{lease_ttl_s_default};
};

// The lease's timing for a ttl (limits.h): how often to renew and to look, how long a call may
// take, and how much before the lease's end a primary stops acknowledging.
struct LeaseTiming {
  explicit LeaseTiming(std::chrono::seconds ttl);
  std::chrono::milliseconds ttl;
  std::chrono::milliseconds tick;
  std::chrono::milliseconds call_timeout;
  std::chrono::milliseconds margin;
};

class Election {
 public:
  // role must be a cluster node's (not single); it and follower must outlive the Election.
  Election(ElectionOptions options, LeaderValue self, NodeRole& role, LeaderFollower& follower);
  ~Election();
  Election(const Election&) = delete;
  Election& operator=(const Election&) = delete;

  void start();
  // A primary gives up the key (switchover): it stops acknowledging at once, waits (at most one
  // renewal interval) until a standby holds every record it holds, revokes its lease so that the
  // standby takes the key, and stands aside for a ttl before it would try again. done is called,
  // from the election's thread, with ok once the lease is revoked, or with failed_precondition
  // when this node is not primary or no standby caught up in time (it then stays primary), or
  // etcd's error.
  void switch_over(std::function<void(const Status&)> done);
  // Stops the thread. A primary first stops acknowledging, then revokes its lease, so that a
  // standby takes the key at once instead of after the ttl.
  void stop();

 private:
  enum class State { electing, primary, standby, fenced };
  using Clock = NodeRole::Clock;

  void run();
  // Each returns the state to go on in, after waiting what it has to wait.
  State elect();
  State keep_lease();
  State watch_leader();
  State give_up_lease();
  // Runs a switchover asked for, if any; the state to go on in.
  State switch_over_if_asked(State state);
  // Waits until then or stop(), or a switchover is asked for; false once stopping.
  bool wait_until(Clock::time_point then);
  // Waits until then or stop() alone; false once stopping.
  bool wait_for_stop_or(Clock::time_point then);
  // Logs an etcd failure once per run of failures, and the recovery after one.
  void etcd_failed(std::string_view doing, const Status& status);
  void etcd_answered();
  void follow(const LeaderValue& leader);

  ElectionOptions options_;
  LeaseTiming timing_;
  std::string key_;
  LeaderValue self_;
  std::string self_json_;
  NodeRole& role_;
  LeaderFollower& follower_;
  EtcdClient etcd_;

  std::int64_t lease_ = 0;       // this node's lease while it holds (or may hold) the key
  LeaderValue leader_;           // the primary a standby follows
  bool etcd_failing_ = false;    // the last call failed (logged)
  std::string waiting_reason_;   // what the last log of an electing node's wait said
  // After a switchover: no election is tried before this, so that the standby takes the key.
  Clock::time_point stand_aside_until_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::function<void(const Status&)> switchover_;  // asked for, not yet run
  std::thread thread_;
};

}  // namespace coupond::cluster
