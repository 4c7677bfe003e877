// A node's place in its partition, as main wires it: the role the data plane and the admin port
// read, and, with --etcd, the election that writes it, started once the listeners are bound (the
// leader key names their addresses) and stopped before the engine closes.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/election.h"
#include "cluster/leader_follower.h"
#include "cluster/node_role.h"
#include "server/cluster_flags.h"

namespace coupond::server {

class ClusterNode {
 public:
  // flags must have passed check_cluster_flags.
  explicit ClusterNode(const ClusterFlags& flags);
  ~ClusterNode();

  const cluster::NodeRole& role() const { return *role_; }
  bool clustered() const { return !flags_.etcd.empty(); }

  // Starts the election (nothing without --etcd). follower must outlive the ClusterNode.
  void start(const cluster::LeaderValue& self, cluster::LeaderFollower& follower);
  // Stops it: a primary stops acknowledging and revokes its lease.
  void stop();
  // A primary hands its partition to its standby (cluster::Election::switch_over); done gets
  // failed_precondition before the election runs.
  void switch_over(std::function<void(const Status&)> done);

 private:
  ClusterFlags flags_;
  std::unique_ptr<cluster::NodeRole> role_;
  // Set by start() while the admin port may already ask for a switchover.
  std::mutex election_mutex_;
  std::unique_ptr<cluster::Election> election_;
};

}  // namespace coupond::server
