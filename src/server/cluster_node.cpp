// The node's role and election as main runs them: see cluster_node.h.
#include "server/cluster_node.h"

namespace coupond::server {

ClusterNode::ClusterNode(const ClusterFlags& flags)
    : flags_(flags),
      role_(flags.etcd.empty() ? std::make_unique<cluster::NodeRole>()
                               : std::make_unique<cluster::NodeRole>(flags.partition, flags.node)) {}

ClusterNode::~ClusterNode() { stop(); }

void ClusterNode::start(const cluster::LeaderValue& self, cluster::LeaderFollower& follower) {
  if (!clustered() || election_) return;
  cluster::ElectionOptions options;
  options.partition = flags_.partition;
  options.lease_ttl = std::chrono::seconds(flags_.lease_ttl_s);
  (void)cluster::parse_etcd_endpoints(flags_.etcd, &options.etcd);  // checked at start
  election_ = std::make_unique<cluster::Election>(std::move(options), self, *role_, follower);
  election_->start();
}

void ClusterNode::stop() {
  if (election_) election_->stop();
}

}  // namespace coupond::server
