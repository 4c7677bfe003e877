// What the election's end-to-end tests share: a real etcd, two data directories holding the same
// batch and codes (one prepared, the other a copy, as a restored backup would be), coupond nodes
// of partition p1 started on them, and their /v1/role read.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "etcd_process.h"
#include "server_process.h"

namespace coupond::testing {

class ElectionCluster : public ::testing::Test {
 protected:
  void SetUp() override;

  // Starts node name ("n1", "n2") of partition p1 on its own copy of the data, with a lease ttl of
  // two seconds; environment as ServerOptions takes it.
  std::unique_ptr<ServerProcess> start_node(const std::string& name,
                                            const std::vector<std::string>& environment = {},
                                            bool capture_error_output = false);

  // Starts n1 and waits until it is primary, then n2 until it is n1's standby and connected to it
  // (call it under ASSERT_NO_FATAL_FAILURE).
  void start_primary_and_standby(std::unique_ptr<ServerProcess>* n1,
                                 std::unique_ptr<ServerProcess>* n2);

  EtcdProcess etcd_;
  TemporaryDirectory directory_;
  std::vector<std::string> codes_;  // in both nodes' data
};

inline constexpr int election_lease_ttl_s = 2;

// GET /v1/role: the status (0 without an answer) and the role named in the body.
struct RoleAnswer {
  int status = 0;
  std::string role;
};
RoleAnswer role_of(const ServerProcess& node);

// Polls check every 50 ms until it holds or timeout passes; false if it never held.
bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& check);

}  // namespace coupond::testing
