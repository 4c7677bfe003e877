// The election's loop: see election.h and docs/cluster.md.
#include "cluster/election.h"

#include <algorithm>
#include <iostream>

namespace coupond::cluster {
namespace {

using std::chrono::milliseconds;

void log(const std::string& line) { std::cerr << "coupond: cluster: " + line + "\n"; }

// How often a switchover looks again whether a standby has caught up: short beside a renewal
// interval, so that the handover waits little past the moment it could go.
constexpr milliseconds switchover_poll{20};

}  // namespace

LeaseTiming::LeaseTiming(std::chrono::seconds lease_ttl)
    : ttl(lease_ttl),
      tick(ttl / lease_renewals_per_ttl),
      call_timeout(std::max(milliseconds(etcd_call_timeout_ms_min), tick)),
      margin(ttl / lease_margin_divisor) {}

Election::Election(ElectionOptions options, LeaderValue self, NodeRole& role,
                   LeaderFollower& follower)
    : options_(std::move(options)),
      timing_(options_.lease_ttl),
      key_(leader_key(options_.partition)),
      self_(std::move(self)),
      self_json_(leader_value_json(self_)),
      role_(role),
      follower_(follower),
      etcd_(options_.etcd, timing_.call_timeout) {}

Election::~Election() { stop(); }

void Election::start() {
  log("node " + self_.node + " of partition " + options_.partition + ": electing through etcd at " +
      etcd_.current_endpoint() + ", key " + key_ + ", lease ttl " +
      std::to_string(options_.lease_ttl.count()) + " s");
  thread_ = std::thread([this] { run(); });
}

void Election::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (switchover_) {
    switchover_(Status::failed_precondition("the node is stopping"));
    switchover_ = nullptr;
  }
  if (lease_ != 0) {
    // Stop acknowledging first: once the lease is revoked another node may win at once.
    role_.become(Role::fenced);
    const Status status = etcd_.revoke(lease_);
    log(status.is_ok() ? "stopping: lease revoked, the partition's standby may take over"
                       : "stopping: could not revoke the lease (" + status.message() +
                             "); it lapses by itself within its ttl");
    lease_ = 0;
  }
}

bool Election::wait_until(Clock::time_point then) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, then, [this] { return stopping_ || switchover_ != nullptr; });
  return !stopping_;
}

bool Election::wait_for_stop_or(Clock::time_point then) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, then, [this] { return stopping_; });
  return !stopping_;
}

void Election::switch_over(std::function<void(const Status&)> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && switchover_ == nullptr) {
      switchover_ = std::move(done);
      done = nullptr;
    }
  }
  if (done) return done(Status::failed_precondition("a switchover is under way already"));
  wake_.notify_all();
}

Election::State Election::switch_over_if_asked(State state) {
  std::function<void(const Status&)> done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(switchover_);
    switchover_ = nullptr;
  }
  if (!done) return state;
  if (state != State::primary) {
    done(Status::failed_precondition("this node is not its partition's primary"));
    return state;
  }
  // Acknowledge nothing more before the lease goes: the standby may win the moment it does.
  const Clock::time_point deadline = role_.deadline();
  role_.become(Role::fenced);
  // No acknowledged change may be lost by the handover: wait, for at most one renewal interval
  // (the lease stays live meanwhile), until a standby holds every record; else stay primary.
  const Clock::time_point give_up = std::min(Clock::now() + timing_.tick, deadline);
  while (!follower_.standby_holds_all()) {
    if (Clock::now() >= give_up || !wait_for_stop_or(Clock::now() + switchover_poll)) {
      role_.become_primary(deadline);
      log("switchover refused: no standby holds every record of this primary");
      done(Status::failed_precondition(
          "no standby holds every record of this primary within " +
          std::to_string(timing_.tick.count()) + " ms; it stays primary"));
      return State::primary;
    }
  }
  if (Status status = etcd_.revoke(lease_); !status.is_ok()) {
    // Fenced all the same; the lease lapses by itself, and give_up_lease tries again.
    done(status);
    return State::fenced;
  }
  lease_ = 0;
  stand_aside_until_ = Clock::now() + timing_.ttl;
  role_.become(Role::electing);
  log("switchover: the lease is revoked; standing aside for " +
      std::to_string(timing_.ttl.count()) + " ms so that the standby takes the key");
  done(Status::ok());
  return State::electing;
}

void Election::run() {
  State state = State::electing;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    state = switch_over_if_asked(state);
    switch (state) {
      case State::electing: state = elect(); break;
      case State::primary: state = keep_lease(); break;
      case State::standby: state = watch_leader(); break;
      case State::fenced: state = give_up_lease(); break;
    }
  }
}

void Election::etcd_failed(std::string_view doing, const Status& status) {
  if (etcd_failing_) return;
  etcd_failing_ = true;
  log(std::string(role_name(role_.role())) + ": cannot " + std::string(doing) + ": " +
      status.message() + "; retrying every " + std::to_string(timing_.tick.count()) + " ms");
}

void Election::etcd_answered() {
  if (!etcd_failing_) return;
  etcd_failing_ = false;
  log("etcd answers again (" + etcd_.current_endpoint() + ")");
}

void Election::follow(const LeaderValue& leader) {
  if (leader == leader_ && role_.role() == Role::standby) return;
  leader_ = leader;
  follower_.follow(leader.replication);
  role_.become_standby_of(leader.node);
  log("standby of " + leader.node + " (replication " +
      (leader.replication.empty() ? std::string("none") : leader.replication) + ", data plane " +
      leader.data + ")");
}

Election::State Election::elect() {
  const Clock::time_point began = Clock::now();
  const Clock::time_point retry_at = began + timing_.tick;
  if (began < stand_aside_until_) {
    // After a switchover: follow whoever takes the key, take none.
    std::optional<EtcdKeyValue> found;
    LeaderValue holder;
    if (etcd_.get(key_, &found).is_ok() && found && parse_leader_value(found->value, &holder) &&
        holder.node != self_.node) {
      follow(holder);
      wait_until(retry_at);
      return State::standby;
    }
    wait_until(retry_at);
    return State::electing;
  }
  EtcdLease lease;
  // The deadline counts from before the grant was sent: etcd starts the lease later than that.
  if (Status status = etcd_.grant(options_.lease_ttl, &lease); !status.is_ok()) {
    etcd_failed("reach etcd to elect a primary", status);
    wait_until(retry_at);
    return State::electing;
  }
  etcd_answered();
  EtcdTxnResult result;
  if (Status status = etcd_.create_if_absent(key_, self_json_, lease.id, &result);
      !status.is_ok()) {
    etcd_failed("reach etcd to elect a primary", status);
    (void)etcd_.revoke(lease.id);
    wait_until(retry_at);
    return State::electing;
  }
  if (result.created) {
    lease_ = lease.id;
    // The ttl asked for: etcd may grant more (its minimum), never less.
    const Clock::time_point deadline =
        began + std::chrono::duration_cast<Clock::duration>(timing_.ttl - timing_.margin);
    // A standby stops following before it acknowledges anything of its own.
    follower_.stop();
    leader_ = self_;
    role_.become_primary(deadline);
    waiting_reason_.clear();
    log("primary of partition " + options_.partition + " (lease " + std::to_string(lease.id) +
        ", etcd revision " + std::to_string(result.revision) + ")");
    return State::primary;
  }
  // Somebody holds the key: this lease is not needed.
  (void)etcd_.revoke(lease.id);
  LeaderValue holder;
  const bool named = result.holder && parse_leader_value(result.holder->value, &holder);
  if (named && holder.node != self_.node) {
    waiting_reason_.clear();
    follow(holder);
    wait_until(retry_at);
    return State::standby;
  }
  // The key names this node (from a run before a crash, its lease not yet lapsed) or nobody: it
  // lapses within the ttl, and the election is tried again.
  const std::string reason = named ? "the leader key names this node from an earlier run; waiting "
                                     "for its lease to lapse"
                                   : "the leader key holds no coupond leader value; waiting for "
                                     "it to go";
  if (reason != waiting_reason_) log("electing: " + reason);
  waiting_reason_ = reason;
  role_.become(Role::electing);
  wait_until(retry_at);
  return State::electing;
}

Election::State Election::keep_lease() {
  // Renew every tick; wake at the deadline too, to say so when it passes unrenewed.
  if (!wait_until(std::min(Clock::now() + timing_.tick, role_.deadline()))) {
    return State::primary;  // stopping: stop() revokes the lease
  }
  const Clock::time_point sent = Clock::now();
  if (sent >= role_.deadline()) {
    log("fenced: no lease renewal succeeded in time; no more changes are acknowledged");
    role_.become(Role::fenced);
    return State::fenced;
  }
  std::chrono::seconds left{0};
  if (Status status = etcd_.keepalive(lease_, &left); !status.is_ok()) {
    etcd_failed("renew the lease", status);
    return State::primary;
  }
  etcd_answered();
  if (left.count() <= 0) {
    log("fenced: the lease is gone (expired or revoked); no more changes are acknowledged");
    role_.become(Role::fenced);
    return State::fenced;
  }
  role_.extend_deadline(sent + std::chrono::duration_cast<Clock::duration>(timing_.ttl - timing_.margin));
  // The lease alone is not the key: a key deleted by hand would let another node win.
  std::optional<EtcdKeyValue> found;
  if (Status status = etcd_.get(key_, &found); !status.is_ok()) {
    etcd_failed("read the leader key", status);
    return State::primary;
  }
  if (!found || found->lease != lease_) {
    role_.become(Role::fenced);
    log("fenced: the leader key is no longer held under this node's lease");
    return State::fenced;
  }
  return State::primary;
}

Election::State Election::give_up_lease() {
  // The old lease must be certainly gone before this node tries again: revoked here, or found
  // gone by etcd (revoke answers so too).
  if (Status status = etcd_.revoke(lease_); !status.is_ok()) {
    etcd_failed("revoke the lapsed lease", status);
    wait_until(Clock::now() + timing_.tick);
    return State::fenced;
  }
  etcd_answered();
  log("fenced: the old lease is gone; electing again");
  lease_ = 0;
  role_.become(Role::electing);
  return State::electing;
}

Election::State Election::watch_leader() {
  std::optional<EtcdKeyValue> found;
  std::int64_t revision = 0;
  if (Status status = etcd_.get(key_, &found, &revision); !status.is_ok()) {
    // Still following the last primary known: without etcd nobody can be promoted.
    etcd_failed("read the leader key", status);
    wait_until(Clock::now() + timing_.tick);
    return State::standby;
  }
  etcd_answered();
  if (!found) {
    log("the leader key is gone (etcd revision " + std::to_string(revision) + "); electing");
    return State::electing;
  }
  LeaderValue holder;
  if (parse_leader_value(found->value, &holder) && holder.node != self_.node) follow(holder);
  wait_until(Clock::now() + timing_.tick);
  return State::standby;
}

}  // namespace coupond::cluster
