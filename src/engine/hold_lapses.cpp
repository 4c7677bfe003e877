#include "engine/hold_lapses.h"

#include <algorithm>

#include "coupond/invariant.h"
#include "coupond/limits.h"

namespace coupond {
namespace {

struct LapseRun {
  bool more = false;  // due entries are left after the run
  std::uint64_t lapsed = 0;
};

// Pops at most limit due entries of the shard's expiry queue and lapses those still held. An
// entry whose hold was confirmed or released first is only dropped.
LapseRun lapse_due_run(EngineState& state, store::CouponTable::Shard& shard, Timestamp now,
                       std::size_t limit) {
  LapseRun run;
  store::HoldExpiries::Entry due;
  for (std::size_t visited = 0; visited < limit; ++visited) {
    if (!shard.side.hold_expiries.pop_due(now, &due)) return run;
    const store::UseRecord& use = shard.side.uses.at(due.use);
    if (use.state != store::UseState::held) continue;
    const store::CouponKey key = use.coupon;
    store::Slot* slot = shard.slots.find(key, store::hash_key(key));
    COUPOND_INVARIANT(slot != nullptr);
    Batch& batch = *state.batches.by_number(slot->batch_number());
    CouponSteps steps{state, shard, *slot, batch, key, now};
    end_hold(state, steps, key, due.use, now);
    ++run.lapsed;
  }
  run.more = shard.side.hold_expiries.next_expiry() <= now;
  return run;
}

}  // namespace

std::uint64_t end_hold(EngineState& state, CouponSteps& steps, const store::CouponKey& key,
                       store::UseNumber use, Timestamp now) {
  steps.lapse_hold(use);
  return state.journal_change(journal::RecordType::hold_lapsed, records::UseChanged{key, use, now});
}

void lapse_before_deciding(EngineState& state, store::CouponTable::Shard& shard,
                           CouponSteps& steps, const store::Slot& slot, Timestamp now) {
  // A standby's holds lapse when the primary's lapse records arrive, never by its own clock.
  if (state.refuses_changes()) return;
  if (!lapse_due_run(state, shard, now, hold_lapses_per_lock_max).more) return;
  if (slot.latest_use == 0) return;
  const store::UseRecord& latest = steps.use(slot.latest_use);
  if (latest.state == store::UseState::held && latest.hold_expires_at <= now) {
    end_hold(state, steps, latest.coupon, slot.latest_use, now);
  }
}

std::uint64_t lapse_all_due_holds(EngineState& state, Timestamp* next_expiry) {
  std::uint64_t lapsed = 0;
  *next_expiry = Timestamp::max();
  if (state.refuses_changes()) return 0;
  store::CouponTable& table = *state.table;
  for (std::uint32_t i = 0; i < table.shard_count(); ++i) {
    store::CouponTable::Shard& shard = table.shard(i);
    for (bool more = true; more;) {
      // The lock is let go between runs, so that checkouts on this shard wait for one run at most.
      std::lock_guard lock(shard.mutex);
      // Again under the lock, which each run holds until its lapses are journaled: the engine may
      // have become a standby since the last run (Engine::set_following).
      if (state.refuses_changes()) return lapsed;
      // A pass that lapses nothing decides nothing: it leaves the shard's time where it was.
      const Timestamp now = std::max(state.clock->now(), shard.last_now);
      const LapseRun run = lapse_due_run(state, shard, now, hold_lapses_per_lock_max);
      if (run.lapsed > 0) shard.now_from(now);
      lapsed += run.lapsed;
      more = run.more;
      if (!more) *next_expiry = std::min(*next_expiry, shard.side.hold_expiries.next_expiry());
    }
  }
  return lapsed;
}

HoldLapseThread::HoldLapseThread(EngineState& state, std::chrono::milliseconds interval)
    : state_(state), interval_(interval), thread_([this] { run(); }) {}

HoldLapseThread::~HoldLapseThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HoldLapseThread::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Timestamp next_expiry;
    lapse_all_due_holds(state_, &next_expiry);
    // Sleeps until the next expiry, but never longer than the interval: a hold taken meanwhile
    // may expire sooner, and the clock may be stepped.
    std::chrono::microseconds wait = interval_;
    const Timestamp now = state_.clock->now();
    if (next_expiry < now + wait) wait = std::max(next_expiry - now, std::chrono::microseconds(0));
    lock.lock();
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace coupond
