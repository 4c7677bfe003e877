// Snapshots every --snapshot-interval seconds on a thread of their own, so that start-up replays
// at most that much journal and old journal segments are removed. Each snapshot is logged.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "coupond/engine.h"

namespace coupond::server {

class PeriodicSnapshots {
 public:
  // interval 0 means never (only on demand and at shutdown).
  PeriodicSnapshots(Engine& engine, std::chrono::seconds interval);
  // Stops the thread, waiting for a snapshot in progress to end.
  ~PeriodicSnapshots();
  PeriodicSnapshots(const PeriodicSnapshots&) = delete;
  PeriodicSnapshots& operator=(const PeriodicSnapshots&) = delete;

 private:
  void run();

  Engine& engine_;
  const std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

// One log line for a snapshot written (or failed), for the periodic, on-demand and final ones.
void log_snapshot(const char* why, const Status& status, const SnapshotInfo& info);

}  // namespace coupond::server
