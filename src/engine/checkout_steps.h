// The steps of deciding about one coupon and changing it, shared by the checkout operations.
// A CouponSteps lives for one call and is used only while its shard's lock is held.
#pragma once

#include "engine/engine_state.h"
#include "store/side_tables.h"
#include "store/slot_format.h"

namespace coupond {

enum class Engine::Take : unsigned char { none, redeem, reserve };

// Shared by the checkout of one code and of a stack (defined in checkout.cpp).
// A sentence for a request the API refuses (customer or order id too long, order id missing when a
// use is taken, bad order values), or empty.
std::string_view check_checkout_request(const CouponRequest& request, bool takes_use);
// The same for a rollback, which names only its order id.
std::string_view check_rollback_order_id(std::string_view order_id);
// The same for the number of codes on one order (a stack): 1 to codes_per_order_max.
std::string_view check_stack_size(std::size_t codes);
std::uint64_t hash_order(std::string_view order_id);
// The answer to an order that already took this coupon: the same result as the first time.
void answer_replay(const store::UseRecord& use, const Batch& batch, Outcome* outcome);
// "held", "redeemed", "rolled_back" or "lapsed", as the API names a use's state (operators.cpp).
std::string_view use_state_name(store::UseState state);
// The journal record of a use just taken.
records::UseTaken use_taken_record(const store::UseLog& log, store::UseNumber number);

class CouponSteps {
 public:
  CouponSteps(EngineState& state, store::CouponTable::Shard& shard, store::Slot& slot, Batch& batch,
              const store::CouponKey& key, Timestamp now)
      : state_(state), shard_(shard), slot_(slot), batch_(batch), definition_(batch.definition()),
        key_(key), now_(now) {}

  store::UseRecord& use(store::UseNumber number) { return shard_.side.uses.at(number); }
  std::size_t use_count() const { return shard_.side.uses.size(); }

  // The newest use order_id took of this coupon (in any state), or 0.
  store::UseNumber find_use(std::uint64_t order_hash, std::string_view order_id);
  // The same, but may answer 0 for a use that is no longer in force (rolled back or lapsed):
  // cheaper, for the checkout path.
  store::UseNumber find_use_in_force(std::uint64_t order_hash, std::string_view order_id);

  // Whether request is the order that took use: the same customer and the same order amount. An
  // order id names one order; another customer or amount under it is an order_conflict.
  bool is_same_order(const store::UseRecord& use, const CouponRequest& request);

  // The coupon itself or its whole batch is revoked.
  bool revoked() const;
  // revoked, not_yet_valid, expired, outside_schedule, customer_required, customer_mismatch,
  // out_of_scope and min_amount_not_met, in that order; on ok, *discount is this order's discount.
  Reason check(const CouponRequest& request, DiscountResult* discount);
  // already_redeemed or reserved when no use is left.
  Reason check_uses_left() const;
  // customer_limit_reached when the customer has used the batch's allowance; with take set, takes
  // one use of the allowance (the caller then must take_use).
  Reason check_customer_limit(const CouponRequest& request, bool take);

  // Returns what check_customer_limit took, for a use refused after it.
  void give_back_customer_allowance(const CouponRequest& request);
  // Returns the room check_campaign took, for a use refused after it.
  void give_back_campaign(Money discount) { batch_.campaign_.remove(discount); }
  // sold_out or budget_exhausted when one more use of discount does not fit under the batch's
  // cap or budget; with take set, counts it in the batch (the caller then must take_use, which
  // gives it back if nothing is stored).
  Reason check_campaign(Money discount, bool take);

  // Spends one use for the order: redeemed, or held until hold_expires_at when that is set. 0 when
  // the shard's use log cannot store it: then nothing changed (storage_full).
  store::UseNumber take_use(const CouponRequest& request, std::uint64_t order_hash,
                            Money discount_amount, Timestamp hold_expires_at);
  // Adds a use already decided (replay's way in): record.state is held or redeemed, and a
  // customer's allowance, if limited, was taken by the caller; the use is counted in the batch's
  // campaign figures. 0, changing nothing, when the use log cannot store it.
  store::UseNumber add_use(const store::UseRecord& record, std::string_view order_id,
                           std::string_view channel, std::string_view store,
                           std::string_view api_key_name);
  // Revokes the coupon: true when it was not revoked before (on its own or with its batch).
  bool revoke();
  // A held use becomes redeemed.
  void confirm_hold(store::UseNumber number);
  // A held use ends unconfirmed (its expiry passed, or its coupon was revoked): the use and the
  // customer's allowance come back, and the use is marked lapsed.
  void lapse_hold(store::UseNumber number);
  // A redeemed or held use comes back (rollback); a lapsed one is marked rolled back.
  void give_back(store::UseNumber number);

 private:
  // add_use without the campaign count (take_use's second half: check_campaign counted it).
  store::UseNumber store_use(store::UseRecord record, std::string_view order_id,
                             std::string_view channel, std::string_view store,
                             std::string_view api_key_name);
  bool indexes_orders() const { return definition_.max_uses_per_code > 1; }
  std::uint64_t request_customer_hash(std::string_view customer);
  void add_hold(store::UseNumber number, Timestamp expires_at);
  void remove_hold();
  void return_use(store::UseRecord& record);
  using Counter = EngineState::Counter;
  void count(Counter counter, std::int64_t delta) {
    EngineState::count(shard_.side, batch_, counter, delta);
  }
  // Counts a redemption in (sign 1) or out (sign -1) of the batch's tally in this shard.
  void tally(const store::UseRecord& record, std::int64_t sign);

  EngineState& state_;
  store::CouponTable::Shard& shard_;
  store::Slot& slot_;
  Batch& batch_;
  // The batch's definition as this call began: one decision reads one definition, whatever
  // update_batch does meanwhile.
  const BatchDefinition& definition_;
  const store::CouponKey& key_;
  const Timestamp now_;
  std::uint64_t customer_hash_ = 0;  // of the request's customer, computed once when needed
};

}  // namespace coupond
