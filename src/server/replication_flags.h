// coupond's replication flags (--replication-listen, --follow, --sync-standby and
// --sync-standby-strict, --sync-standby-timeout) and the replication parts they start: a primary
// serving its journal to standbys, a follower of a primary, or both, and the cluster status the
// admin port shows. Kept apart from coupond_main.cpp so the flags of one feature stay together.
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/leader_follower.h"
#include "coupond/cluster_status.h"
#include "coupond/engine.h"

namespace coupond::replication {
class Primary;
class Follower;
}  // namespace coupond::replication

namespace coupond::server {

struct ReplicationFlags {
  std::string listen;  // --replication-listen
  std::string follow;  // --follow
  std::string node;    // --node, a cluster flag (default here: the host name)
  bool sync_standby = false;
  bool sync_standby_strict = true;
  unsigned sync_standby_timeout_ms = 5000;
};

void add_replication_flags(boost::program_options::options_description& options,
                           ReplicationFlags* flags);
// A sentence for flags that do not go together, or empty.
std::string check_replication_flags(const ReplicationFlags& flags, Durability durability);

// On a cluster node (--etcd) the election drives it as the partition's LeaderFollower: follow the
// primary the leader key names, and stop following (promotion) before this node acknowledges.
class Replication final : public cluster::LeaderFollower {
 public:
  // restart: how this process starts again on a base copy (re-executes itself).
  static Status start(Engine& engine, const ReplicationFlags& flags, const std::string& admin_token,
                      std::function<void()> restart, std::unique_ptr<Replication>* out);
  ~Replication() override;
  ClusterStatus status() const;
  // The address standbys replicate from, as bound (empty without --replication-listen): what the
  // leader key names.
  const std::string& address() const { return address_; }

  // cluster::LeaderFollower, called from the election's thread (replication_election.cpp).
  void follow(const std::string& replication_address) override;
  void stop() override;
  bool standby_holds_all() const override;

 private:
  Replication(Engine& engine, ReplicationFlags flags);
  void start_following(const std::string& address);

  Engine& engine_;
  const ReplicationFlags flags_;
  std::string admin_token_;
  std::function<void()> restart_;
  std::string address_;
  std::unique_ptr<replication::Primary> primary_;
  // Replaced by the election when the leader changes; status() reads it from the admin thread.
  mutable std::mutex follower_mutex_;
  std::unique_ptr<replication::Follower> follower_;
  std::string following_;  // the address follower_ follows
};

// This process started again with the same arguments, its listeners' ports kept (a port 0 that
// was given the first time is replaced by the one taken): never returns when it works.
void restart_process(int argc, char** argv, const std::string& data_listen,
                     const std::string& admin_listen);

}  // namespace coupond::server
