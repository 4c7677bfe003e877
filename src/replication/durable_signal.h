// A wake-up for threads that wait for the journal to move on: the journal's writer calls
// notify() after each group it writes and again once it is durable (Engine::subscribe_written,
// subscribe_durable), and waiters sleep until the generation changes. Shared by pointer, since the journal keeps its listener for its whole life
// and may outlive whoever subscribed it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "coupond/engine.h"

namespace coupond::replication {

class DurableSignal {
 public:
  static std::shared_ptr<DurableSignal> subscribe(Engine& engine) {
    auto signal = std::make_shared<DurableSignal>();
    engine.subscribe_durable([signal] { signal->notify(); });
    engine.subscribe_written([signal] { signal->notify(); });
    return signal;
  }
  void notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    changed_.notify_all();
  }
  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  // Until the generation differs from seen, or timeout passes.
  void wait_past(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
};

}  // namespace coupond::replication
