// The steps of deciding about one coupon and changing it, shared by the checkout operations.
// A CouponSteps lives for one call and is used only while its shard's lock is held.
#pragma once

#include "engine/engine_state.h"
#include "store/side_tables.h"
#include "store/slot_format.h"

namespace coupond {

class CouponSteps {
 public:
  CouponSteps(EngineState& state, store::CouponTable::Shard& shard, store::Slot& slot, Batch& batch,
              const store::CouponKey& key, Timestamp now)
      : state_(state), shard_(shard), slot_(slot), batch_(batch), key_(key), now_(now) {}

  // The coupon's uses so far, or null when it has none.
  store::CouponHistory* history();

  // False when order_hash certainly holds no use of this coupon: a single-use coupon's one use in
  // force always belongs to the latest taker, so the loser of a race is answered from the slot.
  bool may_hold_order(std::uint64_t order_hash) const;

  // Gives back the uses of holds whose time passed unconfirmed.
  void lapse_expired_holds(store::CouponHistory& history);

  // revoked, not_yet_valid, expired, customer_required, customer_mismatch, out_of_scope and
  // min_amount_not_met, in that order; on ok, *discount is this order's discount.
  Reason check(const CouponRequest& request, DiscountResult* discount);
  // already_redeemed or reserved when no use is left.
  Reason check_uses_left() const;
  // customer_limit_reached when the customer has used the batch's allowance; with take set, takes
  // one use of the allowance (the caller then must take_use).
  Reason check_customer_limit(const CouponRequest& request, bool take);

  // Spends one use for the order: redeemed, or held until hold_expires_at when that is set.
  // previous is the order's earlier, given-back use of this coupon, reused in place.
  const store::Redemption& take_use(const CouponRequest& request, std::uint64_t order_hash,
                                    Money discount_amount, Timestamp hold_expires_at,
                                    store::Redemption* previous);
  // A held use becomes redeemed.
  void confirm_hold(store::CouponHistory& history, store::Redemption& use);
  // A redeemed or held use comes back (rollback); a lapsed one is marked rolled back.
  void give_back(store::CouponHistory& history, store::Redemption& use);

 private:
  std::uint64_t request_customer_hash(std::string_view customer);
  void return_use(store::CouponHistory& history, store::Redemption& use);

  EngineState& state_;
  store::CouponTable::Shard& shard_;
  store::Slot& slot_;
  Batch& batch_;
  const store::CouponKey& key_;
  const Timestamp now_;
  std::uint64_t customer_hash_ = 0;  // of the request's customer, computed once when needed
};

}  // namespace coupond
