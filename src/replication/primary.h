// A node serving its journal to standbys (--replication-listen): accepts standbys, checks their
// handshake, sends each one every record after its last (read from the journal's segments, up
// to the live tail, then each group as it becomes durable), or first a base copy when its journal
// cannot go on from the primary's. Standbys acknowledge what they hold on disk; with a
// synchronous standby required (--sync-standby), the journal's commit sequence waits for that.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coupond/cluster_status.h"
#include "coupond/engine.h"
#include "replication/live_tail.h"
#include "replication/wire.h"

namespace coupond::replication {

struct PrimaryOptions {
  std::string listen;  // HOST:PORT
  std::string admin_token;
  // Answers wait until a standby holds their record too.
  bool sync_standby = false;
  // With sync_standby: keep waiting for a standby however long (true), or after sync_timeout
  // without one answer alone, loudly, until a standby has caught up (false).
  bool strict = true;
  std::chrono::milliseconds sync_timeout{5000};
  std::function<void(const std::string&)> log;
};

class Primary {
 public:
  Primary(Engine& engine, PrimaryOptions options);
  // Disconnects every standby and stops every thread.
  ~Primary();
  Primary(const Primary&) = delete;
  Primary& operator=(const Primary&) = delete;

  // Listens; *bound receives the address taken.
  Status start(std::string* bound);
  std::vector<StandbyStatus> standbys() const;
  // Non-strict mode gave up waiting for a standby, and has not resumed.
  bool sync_suspended() const { return suspended_.load(std::memory_order_acquire); }

 private:
  struct Session;
  void accept_loop();
  void serve(const std::shared_ptr<Session>& session);
  Status handshake(Session& session, std::uint64_t* next_sequence, bool* base_copy);
  Status send_base_copy(Session& session);
  Status stream(Session& session, std::uint64_t next_sequence);
  void read_acks(const std::shared_ptr<Session>& session);
  void watch_sync();
  void log(const std::string& line) const;

  Engine& engine_;
  const PrimaryOptions options_;
  std::shared_ptr<LiveTail> tail_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> suspended_{false};
  mutable std::mutex sessions_mutex_;
  std::list<std::shared_ptr<Session>> sessions_;
  std::thread acceptor_;
  std::thread sync_watcher_;
  std::mutex watcher_mutex_;
  std::condition_variable watcher_wake_;
};

}  // namespace coupond::replication
