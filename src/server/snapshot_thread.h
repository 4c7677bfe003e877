// The thread that writes snapshots: every --snapshot-interval seconds, so that start-up replays
// at most that much journal and old journal segments are removed, and whenever an operator asks
// (POST /admin/v1/snapshot), so that a snapshot of millions of coupons never holds an I/O thread.
// It runs at a lower CPU priority than the threads serving requests. Each snapshot is logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "coupond/engine.h"

namespace coupond::server {

class SnapshotThread {
 public:
  using Done = std::function<void(const Status&, const SnapshotInfo&)>;

  // interval 0 means no periodic snapshots (only those asked for, and the final one).
  SnapshotThread(Engine& engine, std::chrono::seconds interval);
  // Finishes the snapshot in progress; requests still waiting are answered that the server is
  // stopping (coupond writes its final snapshot itself).
  ~SnapshotThread();
  SnapshotThread(const SnapshotThread&) = delete;
  SnapshotThread& operator=(const SnapshotThread&) = delete;

  // Writes a snapshot soon and calls done, from this thread, with how it went. Requests that
  // arrive while one is being written are served together by the next.
  void request(Done done);

 private:
  void run();

  Engine& engine_;
  const std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Done> waiting_;
  std::thread thread_;
};

// One log line for a snapshot written (or failed): periodic, requested or final.
void log_snapshot(const char* why, const Status& status, const SnapshotInfo& info);

}  // namespace coupond::server
