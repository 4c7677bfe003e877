// The node's role and its lease deadline: see node_role.h.
#include "cluster/node_role.h"

#include "coupond/invariant.h"

namespace coupond::cluster {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::single: return "single";
    case Role::electing: return "electing";
    case Role::primary: return "primary";
    case Role::standby: return "standby";
    case Role::fenced: return "fenced";
  }
  return "unknown";
}

Role NodeRole::role_at(Clock::time_point now) const {
  const Role role = role_.load(std::memory_order_acquire);
  return role == Role::primary && !before_deadline(now) ? Role::fenced : role;
}

void NodeRole::become_primary(Clock::time_point deadline) {
  // A single node never joins an election: its role is fixed at construction.
  COUPOND_INVARIANT(role_.load() != Role::single);
  set_leader(node_);
  deadline_.store(deadline.time_since_epoch().count(), std::memory_order_release);
  role_.store(Role::primary, std::memory_order_release);
}

void NodeRole::extend_deadline(Clock::time_point deadline) {
  const Clock::rep wanted = deadline.time_since_epoch().count();
  Clock::rep current = deadline_.load(std::memory_order_acquire);
  while (current < wanted &&
         !deadline_.compare_exchange_weak(current, wanted, std::memory_order_acq_rel)) {
  }
}

void NodeRole::become(Role role) {
  COUPOND_INVARIANT(role != Role::single && role != Role::primary);
  COUPOND_INVARIANT(role_.load() != Role::single);
  role_.store(role, std::memory_order_release);
  set_leader({});
}

void NodeRole::become_standby_of(std::string leader) {
  become(Role::standby);
  set_leader(std::move(leader));
}

std::string NodeRole::leader() const {
  std::lock_guard lock(leader_mutex_);
  return leader_;
}

void NodeRole::set_leader(std::string leader) {
  std::lock_guard lock(leader_mutex_);
  leader_ = std::move(leader);
}

}  // namespace coupond::cluster
