// The leader key's value: which node is its partition's primary and where to reach it. A small
// JSON object, {"node", "replication", "data", "admin"}, documented in docs/cluster.md, read by the
// standbys (to follow) and by whoever routes to the primary.
#pragma once

#include <string>
#include <string_view>

namespace coupond::cluster {

struct LeaderValue {
  std::string node;         // --node
  std::string replication;  // the address its standbys follow (HOST:PORT; empty without one)
  std::string data;         // the data plane's address, as bound
  std::string admin;        // the admin port's address, as bound

  bool operator==(const LeaderValue&) const = default;
};

std::string leader_value_json(const LeaderValue& value);
// False when text is not such an object (a key written by something else): *value then names no
// node.
bool parse_leader_value(std::string_view text, LeaderValue* value);

// Where a partition's leader key lives in etcd.
inline std::string leader_key(std::string_view partition) {
  return "/coupond/partitions/" + std::string(partition) + "/leader";
}

}  // namespace coupond::cluster
