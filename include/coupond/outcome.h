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

}  // namespace coupond
