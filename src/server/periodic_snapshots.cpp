#include "server/periodic_snapshots.h"

#include <iostream>
#include <string>

namespace coupond::server {

void log_snapshot(const char* why, const Status& status, const SnapshotInfo& info) {
  if (!status.is_ok()) {
    std::cerr << std::string("coupond: ") + why + " snapshot failed: " + status.message() +
                     " (the journal still holds every change)\n";
    return;
  }
  std::cerr << std::string("coupond: ") + why + " snapshot at journal sequence " +
                   std::to_string(info.sequence) + ": " + std::to_string(info.bytes) +
                   " bytes in " + std::to_string(info.duration.count()) + " ms\n";
}

PeriodicSnapshots::PeriodicSnapshots(Engine& engine, std::chrono::seconds interval)
    : engine_(engine), interval_(interval) {
  if (interval_.count() > 0) thread_ = std::thread([this] { run(); });
}

PeriodicSnapshots::~PeriodicSnapshots() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PeriodicSnapshots::run() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    SnapshotInfo info;
    const Status status = engine_.snapshot(&info);
    log_snapshot("periodic", status, info);
    lock.lock();
  }
}

}  // namespace coupond::server
