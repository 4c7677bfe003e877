// coupond's replication flags (--replication-listen, --follow, --sync-standby and
// --sync-standby-strict, --sync-standby-timeout) and the replication parts they start: a primary
// serving its journal to standbys, a follower of a primary, or both, and the cluster status the
// admin port shows. Kept apart from coupond_main.cpp so the flags of one feature stay together.
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <memory>
#include <string>

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

class Replication {
 public:
  // restart: how this process starts again on a base copy (re-executes itself).
  static Status start(Engine& engine, const ReplicationFlags& flags, const std::string& admin_token,
                      std::function<void()> restart, std::unique_ptr<Replication>* out);
  ~Replication();
  ClusterStatus status() const;

 private:
  Replication(Engine& engine, ReplicationFlags flags);
  Engine& engine_;
  const ReplicationFlags flags_;
  std::unique_ptr<replication::Primary> primary_;
  std::unique_ptr<replication::Follower> follower_;
};

// This process started again with the same arguments, its listeners' ports kept (a port 0 that
// was given the first time is replaced by the one taken): never returns when it works.
void restart_process(int argc, char** argv, const std::string& data_listen,
                     const std::string& admin_listen);

}  // namespace coupond::server
