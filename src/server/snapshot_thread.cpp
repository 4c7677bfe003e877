#include "server/snapshot_thread.h"

#include <sys/resource.h>
#include <unistd.h>

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

SnapshotThread::SnapshotThread(Engine& engine, std::chrono::seconds interval)
    : engine_(engine), interval_(interval), thread_([this] { run(); }) {}

SnapshotThread::~SnapshotThread() {
  std::deque<Done> unanswered;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  unanswered.swap(waiting_);
  const Status stopping = Status::io_error("the server is stopping; it writes a final snapshot");
  for (Done& done : unanswered) done(stopping, SnapshotInfo{});
}

void SnapshotThread::request(Done done) {
  {
    std::lock_guard lock(mutex_);
    waiting_.push_back(std::move(done));
  }
  wake_.notify_one();
}

void SnapshotThread::run() {
  // Copying and writing half a gigabyte must not take the CPU from the threads answering
  // checkouts: a nice value applies to this thread alone on Linux.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  std::unique_lock lock(mutex_);
  auto next_periodic = std::chrono::steady_clock::now() + interval_;
  while (!stopping_) {
    const auto wanted = [this] { return stopping_ || !waiting_.empty(); };
    if (interval_.count() > 0) {
      wake_.wait_until(lock, next_periodic, wanted);
    } else {
      wake_.wait(lock, wanted);
    }
    if (stopping_) break;
    const bool periodic = waiting_.empty();
    if (periodic && std::chrono::steady_clock::now() < next_periodic) continue;
    std::deque<Done> served;
    served.swap(waiting_);
    lock.unlock();
    SnapshotInfo info;
    const Status status = engine_.snapshot(&info);
    log_snapshot(periodic ? "periodic" : "requested", status, info);
    for (Done& done : served) done(status, info);
    lock.lock();
    next_periodic = std::chrono::steady_clock::now() + interval_;
  }
}

}  // namespace coupond::server
