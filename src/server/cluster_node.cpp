// The node's role and election as main runs them: see cluster_node.h.
#include "server/cluster_node.h"

namespace coupond::server {

ClusterNode::ClusterNode(const ClusterFlags& flags)
    : flags_(flags),
      role_(flags.etcd.empty() ? std::make_unique<cluster::NodeRole>()
                               : std::make_unique<cluster::NodeRole>(flags.partition, flags.node)) {}

ClusterNode::~ClusterNode() { stop(); }

void ClusterNode::start(const cluster::LeaderValue& self, cluster::LeaderFollower& follower) {
  std::lock_guard lock(election_mutex_);
  if (!clustered() || election_) return;
  cluster::ElectionOptions options;
  options.partition = flags_.partition;
  options.lease_ttl = std::chrono::seconds(flags_.lease_ttl_s);
  (void)cluster::parse_etcd_endpoints(flags_.etcd, &options.etcd);  // checked at start
  election_ = std::make_unique<cluster::Election>(std::move(options), self, *role_, follower);
  election_->start();
}

void ClusterNode::switch_over(std::function<void(const Status&)> done) {
  cluster::Election* election = nullptr;
  {
    std::lock_guard lock(election_mutex_);
    election = election_.get();
  }
  if (election == nullptr) return done(Status::failed_precondition("the election has not started"));
  election->switch_over(std::move(done));
}

void ClusterNode::stop() {
  std::lock_guard lock(election_mutex_);
  if (election_) election_->stop();
}

}  // namespace coupond::server
