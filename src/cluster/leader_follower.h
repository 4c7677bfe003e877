// What a standby does about the primary: follows it (replicates from its replication address) and
// stops following before it becomes primary itself; and, as a primary, says whether a standby holds
// all it holds. The replication module provides the real one;
// main wires it. The election calls it from its own thread.
#pragma once

#include <string>

namespace coupond::cluster {

class LeaderFollower {
 public:
  virtual ~LeaderFollower() = default;
  // Follow the primary at this replication address (HOST:PORT), instead of any earlier one.
  virtual void follow(const std::string& replication_address) = 0;
  // Stop following; returns once nothing more from the old primary will be applied.
  virtual void stop() = 0;
  // On a primary: whether a connected standby has acknowledged every record this node's journal
  // holds (a switchover waits for it).
  virtual bool standby_holds_all() const = 0;
};

// For a node without replication (and the tests): follows nobody.
class NoFollower final : public LeaderFollower {
 public:
  void follow(const std::string&) override {}
  void stop() override {}
  bool standby_holds_all() const override { return false; }
};

}  // namespace coupond::cluster
