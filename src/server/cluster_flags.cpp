// The cluster's flags: see cluster_flags.h.
#include "server/cluster_flags.h"

#include <boost/program_options.hpp>

#include <vector>

#include "cluster/etcd_client.h"

namespace coupond::server {

namespace po = boost::program_options;

void describe_cluster_flags(po::options_description& options, ClusterFlags* flags) {
  options.add_options()(
      "partition", po::value(&flags->partition),
      "the partition this node serves, 1 to 8 of 0-9 and A-Z but I, L, O, U: its batches' codes "
      "begin with the name, a code of another partition is answered 421 wrong_partition "
      "(docs/routing.md); with --etcd, the nodes of one partition elect its primary "
      "(docs/cluster.md)")(
      "node", po::value(&flags->node),
      "this node's name, unique in its partition; with --etcd it names the primary in the leader "
      "key")(
      "etcd", po::value(&flags->etcd),
      "etcd endpoints, http://HOST:PORT[,http://HOST:PORT...]: elect the partition's primary "
      "there. Only the primary acknowledges changes (others answer 503 not_primary); without it "
      "the node is single and acknowledges everything")(
      "lease-ttl", po::value(&flags->lease_ttl_s)->default_value(flags->lease_ttl_s),
      ("seconds of the primary's etcd lease (1 to " + std::to_string(lease_ttl_s_max) +
       "): a primary cut off from etcd stops acknowledging within it, and a standby takes over "
       "soon after it")
          .c_str());
}

Status check_cluster_flags(const ClusterFlags& flags) {
  if (flags.etcd.empty()) return Status::ok();
  if (flags.partition.empty() || flags.node.empty()) {
    return Status::invalid_argument("--etcd needs --partition and --node");
  }
  if (flags.lease_ttl_s < 1 || flags.lease_ttl_s > lease_ttl_s_max) {
    return Status::invalid_argument("--lease-ttl must be 1 to " + std::to_string(lease_ttl_s_max));
  }
  std::vector<cluster::EtcdEndpoint> endpoints;
  return cluster::parse_etcd_endpoints(flags.etcd, &endpoints);
}

}  // namespace coupond::server
