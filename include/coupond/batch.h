// A batch is a campaign: one discount, one validity window, one scope and the settings of its
// codes. A definition is immutable once made; a change (PATCH) makes a whole new one that the
// engine swaps in, so the hot path reads them without a lock.
#pragma once

#include <cstdint>
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

struct CodeSettings {
  std::string prefix;                         // letters and digits printed before the body
  std::uint32_t tag_bits = tag_bits_default;  // rounded up to whole base32 characters
  std::uint32_t group_size = 4;               // characters between dashes in the canonical form
  bool operator==(const CodeSettings&) const = default;
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
  bool operator==(const BatchDefinition&) const = default;
};

// Checks every field against the API's rules and the limits; the message names the bad field.
// Defined in src/rules/batch_check.cpp.
Status check_batch_definition(const BatchDefinition& batch);

}  // namespace coupond
