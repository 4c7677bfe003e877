// The engine's parts, shared by the files that implement Engine's operations (checkout,
// loading, operators). Private to src/engine.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "codes/signer.h"
#include "coupond/engine.h"
#include "engine/batch_registry.h"
#include "store/coupon_key.h"
#include "store/coupon_table.h"
#include "store/customer_usage.h"

namespace coupond {

// A code resolved to its table key, before any table lookup.
struct ResolvedCode {
  store::CouponKey key;
  std::uint64_t hash = 0;       // store::hash_key(key)
  const Batch* batch = nullptr; // signed codes: the batch the header names
  CodeText canonical;
};

// A resolved code's shard, locked for the life of this object, and its slot (null when the coupon
// is not loaded). Every decision about one coupon is made while one of these lives.
class LockedSlot {
 public:
  LockedSlot(store::CouponTable& table, const ResolvedCode& code)
      : shard_(table.shard_for(code.hash)),
        lock_(shard_.mutex),
        slot_(shard_.slots.find(code.key, code.hash)) {}

  store::CouponTable::Shard& shard() { return shard_; }
  store::Slot* slot() { return slot_; }

 private:
  store::CouponTable::Shard& shard_;
  std::lock_guard<std::mutex> lock_;
  store::Slot* slot_;
};

struct EngineState {
  EngineOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::unique_ptr<codes::Signer> signer;
  std::unique_ptr<store::CouponTable> table;
  std::unique_ptr<store::CustomerUsage> customer_usage;
  BatchRegistry batches;
  // Set once any batch holds imported codes: until then a code that is not a valid signed code is
  // invalid without computing its lookup hash.
  std::atomic<bool> has_imported_codes{false};
  std::atomic<std::uint64_t> next_redemption_id{1};

  // Decodes and verifies a code's text: ok, or invalid_code. Touches no table.
  Reason resolve(std::string_view text, ResolvedCode* out) const;
  // Writes the canonical text of a signed coupon.
  void format_signed_code(const Batch& batch, std::uint32_t key_id, std::uint32_t serial,
                          CodeText* out) const;
};

}  // namespace coupond
