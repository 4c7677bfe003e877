#include "server/replication_flags.h"

#include <linux/close_range.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "replication/follower.h"
#include "replication/handshake.h"
#include "replication/primary.h"

namespace coupond::server {
namespace po = boost::program_options;

namespace {

// The host name, or "coupond" when it is not fit for a node name.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || !replication::valid_node_name(name)) {
    return "coupond";
  }
  return name;
}

void log_line(const std::string& line) { std::cerr << "coupond: " + line + "\n"; }

}  // namespace

void add_replication_flags(po::options_description& options, ReplicationFlags* flags) {
  const replication::PrimaryOptions defaults;
  options.add_options()(
      "replication-listen", po::value(&flags->listen),
      "HOST:PORT on which to serve this node's journal to standbys (docs/replication.md); they "
      "prove they hold the admin token and the same HMAC key file")(
      "follow", po::value(&flags->follow),
      "HOST:PORT of a primary's --replication-listen: run as its standby, applying its journal; "
      "data-plane and admin writes answer 503 not_primary. Needs the primary's admin token "
      "(--admin-token-file) and key file (--keys)")(
      "sync-standby", po::bool_switch(&flags->sync_standby),
      "with --replication-listen: a change is acknowledged only once a standby also holds it "
      "on disk")(
      "sync-standby-strict", po::value(&flags->sync_standby_strict)->default_value(true),
      "with --sync-standby: true waits for a standby however long it takes (never acknowledges "
      "what only this node holds); false answers alone after --sync-standby-timeout without "
      "one, logs it, and waits again once a standby has caught up")(
      "sync-standby-timeout",
      po::value(&flags->sync_standby_timeout_ms)
          ->default_value(static_cast<unsigned>(defaults.sync_timeout.count())),
      "milliseconds an answer waits for a standby before --sync-standby-strict=false goes on "
      "alone");
}

std::string check_replication_flags(const ReplicationFlags& flags, Durability durability) {
  if (flags.sync_standby && flags.listen.empty()) {
    return "--sync-standby needs --replication-listen";
  }
  if ((flags.sync_standby || !flags.follow.empty()) && durability == Durability::none) {
    return "--durability none cannot serve --sync-standby or --follow: nothing is ever durable";
  }
  if (!flags.node.empty() && !replication::valid_node_name(flags.node)) {
    return "--node is 1 to 64 letters, digits, '.', '_' or '-'";
  }
  return {};
}

Status Replication::start(Engine& engine, const ReplicationFlags& flags,
                          const std::string& admin_token, std::function<void()> restart,
                          std::unique_ptr<Replication>* out) {
  std::unique_ptr<Replication> replication(new Replication(engine, flags));
  if (!flags.listen.empty()) {
    replication::PrimaryOptions options;
    options.listen = flags.listen;
    options.admin_token = admin_token;
    // A standby's journal takes only its primary's records: it waits for no standby itself.
    options.sync_standby = flags.sync_standby && flags.follow.empty();
    options.strict = flags.sync_standby_strict;
    options.sync_timeout = std::chrono::milliseconds(flags.sync_standby_timeout_ms);
    options.log = log_line;
    replication->primary_ = std::make_unique<replication::Primary>(engine, options);
    std::string& bound = replication->address_;
    Status status = replication->primary_->start(&bound);
    if (!status.is_ok()) return status;
    log_line("replication: serving the journal to standbys on " + bound +
             (options.sync_standby
                  ? (flags.sync_standby_strict ? " (synchronous, strict)"
                                               : " (synchronous, not strict: alone after " +
                                                     std::to_string(flags.sync_standby_timeout_ms) +
                                                     " ms)")
                  : ""));
  }
  replication->admin_token_ = admin_token;
  replication->restart_ = std::move(restart);
  if (!flags.follow.empty()) {
    std::lock_guard lock(replication->follower_mutex_);
    replication->start_following(flags.follow);
  }
  *out = std::move(replication);
  return Status::ok();
}

Replication::Replication(Engine& engine, ReplicationFlags flags)
    : engine_(engine), flags_(std::move(flags)) {}

Replication::~Replication() {
  {
    std::lock_guard lock(follower_mutex_);
    follower_.reset();
  }
  primary_.reset();
}

void Replication::start_following(const std::string& address) {
  const std::string node = flags_.node.empty() ? host_name() : flags_.node;
  replication::FollowerOptions options;
  options.node = node;
  options.admin_token = admin_token_;
  options.log = log_line;
  options.restart = restart_;
  follower_ = std::make_unique<replication::Follower>(engine_, options);
  follower_->start(address);
  following_ = address;
  log_line("replication: standby " + node + " of " + address +
           ": data-plane and admin writes answer 503 not_primary");
}

void Replication::follow(const std::string& address) {
  std::lock_guard lock(follower_mutex_);
  if (follower_ && following_ == address) return;
  if (follower_) {
    follower_->stop();
    follower_.reset();
    following_.clear();
  }
  // A node that was primary (or fenced) changes nothing itself from here on: the new primary's
  // journal is the partition's. Its own may have gone further (changes it never acknowledged);
  // the follower's handshake finds that and rebuilds it from a base copy.
  if (!engine_.following()) {
    if (Status status = engine_.set_following(true); !status.is_ok()) {
      log_line("replication: cannot follow " + address + ": " + status.message());
      return;
    }
  }
  if (address.empty()) {
    log_line("replication: the primary names no replication address (started without "
             "--replication-listen): this standby cannot follow it and holds what it has");
    return;
  }
  start_following(address);
}

void Replication::stop() {
  std::lock_guard lock(follower_mutex_);
  if (follower_) {
    follower_->stop();
    follower_.reset();
    following_.clear();
  }
  if (!engine_.following()) return;
  // Promotion: every record received is applied; local changes go on at the next sequence.
  if (Status status = engine_.set_following(false); !status.is_ok()) {
    log_line("replication: cannot take local changes yet, so every write answers 503 "
             "not_primary: " + status.message());
    return;
  }
  log_line("replication: following no primary; changes go on at journal sequence " +
           std::to_string(engine_.last_sequence() + 1));
}

bool Replication::standby_holds_all() const {
  if (!primary_) return false;
  // Every record appended, durable here or not yet: the standby must hold them all.
  const std::uint64_t last = engine_.last_sequence();
  for (const StandbyStatus& standby : primary_->standbys()) {
    if (standby.acknowledged_sequence >= last) return true;
  }
  return false;
}

ClusterStatus Replication::status() const {
  ClusterStatus status;
  status.node = flags_.node.empty() ? host_name() : flags_.node;
  status.journal_sequence = engine_.durable_sequence();
  std::lock_guard lock(follower_mutex_);
  if (follower_) {
    const replication::FollowerStatus following = follower_->status();
    status.role = engine_.following() ? "standby" : "primary";
    status.following = following.primary;
    status.connected = following.connected;
    status.journal_sequence = following.durable_sequence;
  } else {
    status.role = primary_ ? "primary" : "single";
  }
  if (primary_) {
    status.standbys = primary_->standbys();
    status.sync_standby = flags_.sync_standby && flags_.follow.empty();
    status.sync_suspended = primary_->sync_suspended();
  }
  return status;
}

namespace {

// argv with flag's value set to value, whether it was given as "--flag V", "--flag=V" or not.
void set_flag(std::vector<std::string>& args, const std::string& flag, const std::string& value) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) {
      args[i + 1] = value;
      return;
    }
    if (args[i].rfind(flag + "=", 0) == 0) {
      args[i] = flag + "=" + value;
      return;
    }
  }
  args.push_back(flag);
  args.push_back(value);
}

}  // namespace

void restart_process(int argc, char** argv, const std::string& data_listen,
                     const std::string& admin_listen) {
  std::vector<std::string> args(argv, argv + argc);
  set_flag(args, "--listen", data_listen);
  set_flag(args, "--admin-listen", admin_listen);
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  std::cerr.flush();
  std::cout.flush();
  // Asio's sockets are not opened close-on-exec: the listeners would stay open in the new image
  // and its own could not bind their ports.
  ::close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
  ::execv("/proc/self/exe", pointers.data());
  std::cerr << "coupond: cannot start again on the base copy: " << std::strerror(errno) << "\n";
}

}  // namespace coupond::server
