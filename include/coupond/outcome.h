// What the engine answers for one coupon and one order.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "coupond/batch.h"
#include "coupond/clock.h"
#include "coupond/limits.h"
#include "coupond/reason.h"

namespace coupond {

class Batch;

struct DiscountResult {
  DiscountType type = DiscountType::amount_off;
  Money amount = 0;           // money off this order; 0 for free_item
  std::string_view sku;       // free_item: points into the batch definition
  std::int64_t quantity = 0;  // free_item
};

// A code's canonical text in a fixed buffer, so that answering a request allocates nothing.
struct CodeText {
  std::array<char, code_text_max> chars;  // only the first size are set: no zeroing per request
  std::uint8_t size = 0;
  std::string_view view() const { return {chars.data(), size}; }
};

struct Outcome {
  Reason reason = Reason::invalid_code;
  // Set (non-empty) when the request itself is malformed: a bad order field, a missing order id.
  // The server answers 400 with this sentence; reason is then meaningless.
  std::string_view request_error;
  CodeText code;                 // canonical form, once the code decoded
  const Batch* batch = nullptr;  // the coupon's batch, once the coupon was found
  DiscountResult discount;       // when reason is ok
  std::uint32_t uses_left = 0;   // after this call
  bool replayed = false;         // redeem/reserve: this order had already done this
  std::uint64_t redemption_id = 0;
  Timestamp hold_expires_at{};   // reserve: when the hold lapses
  // Redeem and reserve: the journal sequence this answer stands on. It may be given to the client
  // only once Engine::when_durable says so: a 200 is a promise that survives a crash.
  std::uint64_t journal_sequence = 0;
  bool ok() const { return request_error.empty() && reason == Reason::ok; }
};

struct RollbackOutcome {
  Reason reason = Reason::invalid_code;  // ok, invalid_code or unknown_code
  std::string_view request_error;
  CodeText code;
  bool found = false;     // this order had taken a use of this code
  bool replayed = false;  // and had already given it back
  bool forbidden = false;  // the use was taken with another API key: nothing was given back
  std::uint32_t uses_left = 0;
  std::uint64_t journal_sequence = 0;  // as in Outcome
};

// What the engine answers for several codes on one order (a stack): every code taken, or none.
struct StackOutcome {
  // As Outcome's; reason is then meaningless.
  std::string_view request_error;
  // ok, or the first refusal: the code it names is coupons[failed] (not_stackable names the code
  // that cannot join the ones before it).
  Reason reason = Reason::ok;
  std::size_t failed = 0;
  bool replayed = false;  // this order had already taken all of these codes
  // The discounts summed, never more than the order's amount when it gives one.
  Money discount_total = 0;
  // One per code, in the request's order: [0, count). On ok each holds its code's discount (after
  // the order's amount capped the sum), redemption and uses left; validate also gives each code's
  // own reason, every code checked.
  std::size_t count = 0;
  std::array<Outcome, codes_per_order_max> coupons;
  std::uint64_t journal_sequence = 0;  // as Outcome's: the answer waits for it to be durable
  bool ok() const { return request_error.empty() && reason == Reason::ok; }
};

// Several codes' uses given back for one order, together. reason is ok, or the first code that
// is not real (invalid_code, unknown_code; coupons[failed] names it); a code whose use was taken
// with another API key is coupons[failed].forbidden. Either way nothing was given back. Otherwise
// each code's own found / replayed say what happened to it.
struct StackRollbackOutcome {
  std::string_view request_error;
  Reason reason = Reason::ok;
  std::size_t failed = 0;
  bool forbidden = false;
  std::size_t count = 0;
  std::array<RollbackOutcome, codes_per_order_max> coupons;
  std::uint64_t journal_sequence = 0;
  bool any_found() const {
    for (std::size_t i = 0; i < count; ++i) {
      if (coupons[i].found) return true;
    }
    return false;
  }
};

}  // namespace coupond
