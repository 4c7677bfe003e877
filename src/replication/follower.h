// A standby: follows a primary's journal (--follow, or the election naming a leader). It connects,
// proves it holds the admin token and the same HMAC key file, and then appends every record the
// primary sends to its own journal under the same sequence and applies it to its live engine
// (Engine::apply_replicated), acknowledging what its journal holds on disk after each of its own
// group commits. When its journal cannot go on from the primary's (it diverged, or the primary no
// longer holds what comes next), it receives a base copy, moves its data aside and starts again.
// It reconnects by itself when the connection is lost. No dependency on the election.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "coupond/engine.h"
#include "replication/acknowledger.h"
#include "replication/wire.h"

namespace coupond::replication {

struct FollowerOptions {
  std::string node;  // this node's name, as the primary will show it
  std::string admin_token;
  std::function<void(const std::string&)> log;
  // Called once a base copy is installed, with the snapshot lock held: the data directory is no
  // longer what the engine was opened from, so the process starts again on it (coupond re-executes
  // itself). Without it the follower stops there, and says so.
  std::function<void()> restart;
  std::chrono::milliseconds retry_interval{500};
};

struct FollowerStatus {
  std::string primary;
  bool connected = false;
  bool stopped = false;         // by stop(), or by an error that retrying cannot mend
  std::string error;            // the last error, when any
  std::uint64_t received_sequence = 0;  // the last record appended
  std::uint64_t durable_sequence = 0;   // the last on this node's disk
};

class Follower {
 public:
  // The engine must have been opened with EngineOptions::follow.
  Follower(Engine& engine, FollowerOptions options);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Follows the primary at address ("HOST:PORT", its --replication-listen) until stop().
  void start(const std::string& address);
  // Disconnects and returns once the follower's threads have ended. The engine still follows:
  // promotion is Engine::set_following(false), after this.
  void stop();
  FollowerStatus status() const;

 private:
  void run();
  Status follow_once(Connection& connection);
  Status receive_base_copy(Connection& connection);
  void set_error(const std::string& error, bool fatal);
  void log(const std::string& line) const;

  Engine& engine_;
  const FollowerOptions options_;
  std::shared_ptr<Acknowledger> acknowledger_;
  std::string primary_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string error_;
  bool stopped_ = false;
  Connection* connection_ = nullptr;  // the current one, to cut it on stop()
};

}  // namespace coupond::replication
