// A batch is a campaign: one discount, one validity window, one scope, the campaign's own limits
// (a weekly schedule, a cap on uses, a budget, a stacking group) and the settings of its codes. A
// definition is immutable once made; a change (PATCH) makes a whole new one that the engine swaps
// in, so the hot path reads them without a lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coupond/clock.h"
#include "coupond/limits.h"
#include "coupond/status.h"

namespace coupond {

using Money = std::int64_t;  // minor units (fen, cents); never a float

enum class DiscountType : unsigned char { amount_off, percent_off, threshold, free_item };

struct Discount {
  DiscountType type = DiscountType::amount_off;
  Money amount = 0;      // amount_off, threshold: the money off
  int percent = 0;       // percent_off: 1..100
  Money max_amount = 0;  // percent_off: the cap; 0 means no cap beyond the order itself
  Money min_amount = 0;  // threshold: the spend that unlocks the discount
  std::string sku;       // free_item: what is given
  std::int64_t quantity = 0;  // free_item: how many
  bool operator==(const Discount&) const = default;
};

// Empty lists mean no restriction. categories and skus restrict the order's items: the coupon
// applies when at least one item matches either list, and percent and threshold discounts are
// computed on the matching items only.
struct Scope {
  std::vector<std::string> channels;
  std::vector<std::string> stores;
  std::vector<std::string> categories;
  std::vector<std::string> skus;
  bool operator==(const Scope&) const = default;
};

// How a batch's signed codes are laid out (docs/codes.md). The values are on disk (journal and
// snapshot): never renumber, only add.
enum class CodeFormat : std::uint8_t {
  standard = 0,  // a tag of tag_bits, rounded up to characters, and a 12-character header
  compact = 1,   // 16 characters, a 41-bit tag, at most compact_batch_codes_max codes
};

struct CodeSettings {
  std::string prefix;  // letters and digits printed before the body, exactly as written
  CodeFormat format = CodeFormat::standard;
  std::uint32_t tag_bits = tag_bits_default;  // standard: rounded up to whole base32 characters
  std::uint32_t group_size = 4;               // characters between dashes in the canonical form
  bool operator==(const CodeSettings&) const = default;
};

// When in the week a coupon can be used, in the shop's local time: a fixed UTC offset (no daylight
// saving rules: a shop that changes its clocks changes the schedule with them).
struct Schedule {
  // Minutes of a local day, [from, until); until may be 1440 (24:00).
  struct Hours {
    std::uint16_t from = 0;
    std::uint16_t until = 0;
    bool operator==(const Hours&) const = default;
  };
  std::int32_t utc_offset_minutes = 0;
  std::uint8_t weekdays = 0x7f;  // bit d-1 set for ISO weekday d (1 = Monday)
  std::vector<Hours> hours;      // empty: the whole day
  bool operator==(const Schedule&) const = default;
};

struct BatchDefinition {
  std::string id;  // operator-chosen, 1..64 of [A-Za-z0-9_.-]
  std::string name;
  Discount discount;
  Timestamp valid_from{};   // inclusive
  Timestamp valid_until{};  // exclusive
  std::uint32_t max_uses_per_code = 1;
  std::uint32_t max_uses_per_customer = 0;  // 0: no per-customer limit
  Scope scope;
  CodeSettings code;
  std::optional<Schedule> schedule;  // none: any time inside the window
  // Across the whole batch, the uses in force (redeemed plus held) never exceed max_uses_total,
  // and their discounts never sum past budget_discount_max. 0: no such limit.
  std::uint64_t max_uses_total = 0;
  Money budget_discount_max = 0;
  // Coupons of different groups can share an order; two of one group cannot. Empty: exclusive,
  // alone on its order.
  std::string stacking_group;
  // The cluster partition that serves the batch, its name in upper case (docs/routing.md); empty
  // outside a cluster. Its codes print it before code.prefix, so that a router finds them. Fixed
  // at creation, like code.
  std::string partition;

  // Whether a use can be refused for the whole batch's sake (a cap or a budget). Every batch
  // counts its uses in force either way (campaign_counter.h), so that a limit added later by a
  // change starts from the true figures.
  bool has_campaign_limits() const { return max_uses_total > 0 || budget_discount_max > 0; }

  bool operator==(const BatchDefinition&) const = default;
};

// Checks every field against the API's rules and the limits; the message names the bad field.
// Defined in src/rules/batch_check.cpp.
Status check_batch_definition(const BatchDefinition& batch);

}  // namespace coupond
