// Holds lapse by themselves: once a hold's expiry passes unconfirmed, its use and its customer's
// allowance come back and the lapse is journaled, whether or not anyone asks for the coupon again.
// Every decision about a coupon first lapses its shard's due holds (a bounded run), and the
// engine's own thread lapses the rest, shard by shard, waking at the next expiry or every
// EngineOptions::hold_lapse_interval. Private to src/engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "engine/checkout_steps.h"
#include "engine/engine_state.h"

namespace coupond {

// Ends one held use unconfirmed (CouponSteps::lapse_hold) and journals it; returns the record's
// sequence. The caller holds the shard's lock.
std::uint64_t end_hold(EngineState& state, CouponSteps& steps, const store::CouponKey& key,
                       store::UseNumber use, Timestamp now);

// Before a decision about one coupon, its shard locked: lapses the shard's holds due at now,
// earliest first, at most hold_lapses_per_lock_max; should due ones remain, also the coupon's
// latest use if it is a due hold (a single-use coupon's only possible one), so that the coupon's
// own answer is exact at the expiry whatever the shard's backlog.
void lapse_before_deciding(EngineState& state, store::CouponTable::Shard& shard,
                           CouponSteps& steps, const store::Slot& slot, Timestamp now);

// Lapses every hold due now in every shard, in runs of at most hold_lapses_per_lock_max under
// each lock; returns how many lapsed and sets *next_expiry to the earliest expiry left (or
// Timestamp::max()).
std::uint64_t lapse_all_due_holds(EngineState& state, Timestamp* next_expiry);

// The engine's thread that runs lapse_all_due_holds; stops and joins when destroyed.
class HoldLapseThread {
 public:
  HoldLapseThread(EngineState& state, std::chrono::milliseconds interval);
  ~HoldLapseThread();
  HoldLapseThread(const HoldLapseThread&) = delete;
  HoldLapseThread& operator=(const HoldLapseThread&) = delete;

 private:
  void run();

  EngineState& state_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace coupond
