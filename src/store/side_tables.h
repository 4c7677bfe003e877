// What a slot has no room for: each redemption's details (order id, time, amounts, where) and the
// text of a bound customer and its segment. They live beside the slots of the same shard and are
// guarded by the same shard lock, so a redemption changes slot and history atomically.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "coupond/batch.h"
#include "coupond/clock.h"
#include "store/coupon_key.h"

namespace coupond::store {

enum class UseState : std::uint8_t {
  held,         // a reserve: the use is spent for everyone else until confirmed or released
  redeemed,     // spent for good
  rolled_back,  // given back by a rollback (of a redemption or of a hold)
  lapsed,       // a hold whose expiry passed unconfirmed: the use came back by itself
};

struct Redemption {
  std::string order_id;
  std::uint64_t order_hash = 0;
  std::uint64_t redemption_id = 0;
  Timestamp at{};               // when the use was taken (held or redeemed)
  Timestamp hold_expires_at{};  // for holds
  UseState state = UseState::redeemed;
  Money discount_amount = 0;
  Money order_amount = 0;
  bool has_order_amount = false;
  std::string channel;
  std::string store;
  std::uint64_t customer_hash = 0;  // who took the use, for per-customer limits on give-back
};

// Every use of one coupon in the order it was taken. Single-use coupons have one or two entries,
// so lookups scan; a multi-use coupon with many uses also gets an index by order.
class CouponHistory {
 public:
  Redemption* find(std::uint64_t order_hash, std::string_view order_id);
  Redemption& append(Redemption redemption);
  const std::vector<Redemption>& uses() const { return uses_; }
  std::vector<Redemption>& uses() { return uses_; }

  // Holds in force and the earliest time one of them lapses, so that a lookup scans for lapsed
  // holds only when one can have lapsed.
  std::uint32_t holds = 0;
  Timestamp next_hold_expiry = Timestamp::max();

 private:
  static constexpr std::size_t index_threshold = 16;
  std::vector<Redemption> uses_;
  std::unordered_multimap<std::uint64_t, std::uint32_t> index_by_order_;
};

struct Binding {
  std::string customer;
  std::string segment;
};

struct SideTables {
  std::unordered_map<CouponKey, CouponHistory, CouponKeyHasher> histories;
  std::unordered_map<CouponKey, Binding, CouponKeyHasher> bindings;
};

}  // namespace coupond::store
