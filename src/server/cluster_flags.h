// The cluster's command-line flags (--partition, --node, --etcd, --lease-ttl), kept apart from
// coupond_main.cpp: described, checked, and turned into the node's role and election.
#pragma once

#include <boost/program_options/options_description.hpp>

#include <string>

#include "coupond/limits.h"
#include "coupond/status.h"

namespace coupond::server {

struct ClusterFlags {
  std::string partition;
  std::string node;
  std::string etcd;  // empty: a single node, no election
  unsigned lease_ttl_s = lease_ttl_s_default;
};

void describe_cluster_flags(boost::program_options::options_description& options,
                            ClusterFlags* flags);
// With --etcd, --partition and --node are needed and the endpoints must parse.
Status check_cluster_flags(const ClusterFlags& flags);

}  // namespace coupond::server
