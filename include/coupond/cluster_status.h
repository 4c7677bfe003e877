// What a node says of its place in a partition (GET /admin/v1/cluster and the replication
// metrics): filled by the replication module, shown by the admin API, which sees neither the
// other's code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coupond {

struct StandbyStatus {
  std::string node;
  std::uint64_t acknowledged_sequence = 0;  // the last record it holds on its disk
  std::uint64_t lag_records = 0;            // this node's durable sequence minus that
  bool synchronous = false;                 // its acknowledgements release answers
};

struct ClusterStatus {
  std::string partition;  // empty until the election names one
  std::string node;
  std::string role;       // "primary", "standby" or "single"
  std::string leader;     // empty until the election names one
  std::uint64_t journal_sequence = 0;
  // A standby: the primary it follows, whether it is connected, and what it holds.
  std::string following;
  bool connected = false;
  std::vector<StandbyStatus> standbys;  // a primary: each connected standby
  bool sync_standby = false;            // answers wait for a standby (--sync-standby)
  bool sync_suspended = false;          // non-strict and alone: answers no longer wait
};

}  // namespace coupond
