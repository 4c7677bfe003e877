// Who this node is in its partition (single, electing, primary, standby, fenced), in one small
// thread-safe object that the data plane and the admin port read on every request that changes
// something. The election writes it; nobody else does.
//
// A primary may acknowledge a change only before its lease deadline: the steady-clock time at
// which the last successful keepalive was sent, plus the lease's ttl, minus a safety margin.
// Past it the node is fenced at once, by the reading of the clock alone, whatever the election
// thread is doing (a hung etcd call, a thread not scheduled): no network call decides it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace coupond::cluster {

enum class Role : std::uint8_t {
  single,    // no --etcd: the only node, always acknowledges (the behaviour without a cluster)
  electing,  // trying to win the leader key, or cannot reach etcd to learn who holds it
  primary,   // holds the leader key under a live lease
  standby,   // another node holds the key: this one follows it
  fenced,    // was primary and can no longer be sure it holds the lease
};

std::string_view role_name(Role role);

class NodeRole {
 public:
  using Clock = std::chrono::steady_clock;

  // A node without a cluster: role single, always acknowledges.
  NodeRole() = default;
  // A node of a partition, electing until the election says otherwise.
  NodeRole(std::string partition, std::string node)
      : partition_(std::move(partition)), node_(std::move(node)), role_(Role::electing) {}
  NodeRole(const NodeRole&) = delete;
  NodeRole& operator=(const NodeRole&) = delete;

  const std::string& partition() const { return partition_; }
  const std::string& node() const { return node_; }
  bool is_single() const { return role_.load(std::memory_order_relaxed) == Role::single; }

  // Whether a change may be acknowledged now: always on a single node; on a cluster node only by
  // a primary before its lease deadline.
  // A single node reads no clock: its fast path costs one load.
  bool may_acknowledge() const {
    const Role role = role_.load(std::memory_order_acquire);
    if (role == Role::single) return true;
    return role == Role::primary && before_deadline(Clock::now());
  }
  bool may_acknowledge_at(Clock::time_point now) const {
    const Role role = role_.load(std::memory_order_acquire);
    return role == Role::single || (role == Role::primary && before_deadline(now));
  }
  // The role as /v1/role reports it: a primary past its deadline is fenced, whether or not the
  // election has noticed yet.
  Role role() const { return role_at(Clock::now()); }
  Role role_at(Clock::time_point now) const;

  // The election's side. A primary's deadline only moves forward while it stays primary.
  void become_primary(Clock::time_point deadline);
  void extend_deadline(Clock::time_point deadline);
  // Electing, standby or fenced; the leader is then unknown until become_standby_of names it.
  void become(Role role);
  void become_standby_of(std::string leader);
  // The node the leader key names, as this node last read it: itself while primary, the primary
  // it follows while standby, empty while electing or fenced. The admin thread reads it.
  std::string leader() const;
  Clock::time_point deadline() const {
    return Clock::time_point(Clock::duration(deadline_.load(std::memory_order_acquire)));
  }

 private:
  void set_leader(std::string leader);
  bool before_deadline(Clock::time_point now) const {
    return now.time_since_epoch().count() < deadline_.load(std::memory_order_acquire);
  }

  std::string partition_;
  std::string node_;
  std::atomic<Role> role_{Role::single};
  // Clock::time_point's count: written before the role that makes it count (release), read
  // after it (acquire).
  std::atomic<Clock::rep> deadline_{0};
  // Only the admin port reads it, never the data plane's fast path: a mutex is cheap enough.
  mutable std::mutex leader_mutex_;
  std::string leader_;
};

// The role of a node without a cluster, for those that are handed none.
inline const NodeRole& single_node() {
  static const NodeRole single;
  return single;
}

}  // namespace coupond::cluster
