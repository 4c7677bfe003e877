// Time for the engine. Every rule that depends on "now" (validity windows, hold expiry) reads it
// from a Clock passed in, so tests can stand exactly on a window's edge.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace coupond {

// Microseconds since the Unix epoch, UTC. One int64: cheap to compare, to journal and to hash.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that moves only when told to. Safe to read from many threads while one thread sets it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : micros_(start.time_since_epoch().count()) {}
  Timestamp now() const override {
    return Timestamp(std::chrono::microseconds(micros_.load(std::memory_order_relaxed)));
  }
  void set(Timestamp t) { micros_.store(t.time_since_epoch().count(), std::memory_order_relaxed); }
  void advance(std::chrono::microseconds d) { micros_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> micros_;
};

}  // namespace coupond
