// couponctl cluster haproxy-config: the HAProxy configuration that routes each data-plane request
// to the partition its code names (docs/routing.md explains every line it writes).
#pragma once

#include <string>
#include <vector>

namespace coupond::ctl {

struct RouterSpec {
  // "P1=127.0.0.1:8080,127.0.0.1:8090": a partition's name and its nodes' data-plane addresses.
  std::vector<std::string> partitions;
  std::string bind = "0.0.0.0:8080";  // where the router listens: the data plane's usual address
};

// Writes the configuration into *config, or the reason the spec cannot be routed into *error:
// a name that is no partition name, two names of which one begins the other, a partition
// without nodes, an address that is not HOST:PORT.
bool write_haproxy_config(const RouterSpec& spec, std::string* config, std::string* error);

}  // namespace coupond::ctl
