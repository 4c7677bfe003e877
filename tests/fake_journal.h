// A journal the test moves by hand, as the transport waits on it (api::DurableSequences): what
// the tests of answers held for the journal share.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "api/api_types.h"

namespace coupond::testing {

class FakeJournal final : public api::DurableSequences {
 public:
  std::uint64_t durable_through() const override { return durable_.load(); }
  bool failed() const override { return failed_.load(); }
  void subscribe(std::function<void()> wake) const override {
    std::lock_guard lock(mutex_);
    wakes_.push_back(std::move(wake));
  }
  void advance(std::uint64_t durable) {
    durable_.store(durable);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    wake_all();
  }
  void fail() {
    failed_.store(true);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    wake_all();
  }
  std::size_t subscribers() const {
    std::lock_guard lock(mutex_);
    return wakes_.size();
  }

 private:
  void wake_all() {
    std::lock_guard lock(mutex_);
    for (const auto& wake : wakes_) wake();
  }
  std::atomic<std::uint64_t> durable_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mutex_;
  mutable std::vector<std::function<void()>> wakes_;
};

}  // namespace coupond::testing
