// The small names of the data plane's JSON: discount types and redemptions.
#include "api/coupon_json.h"

#include <cstdio>

namespace coupond::api {

std::string_view discount_type_name(DiscountType type) {
  switch (type) {
    case DiscountType::amount_off:
      return "amount_off";
    case DiscountType::percent_off:
      return "percent_off";
    case DiscountType::threshold:
      return "threshold";
    case DiscountType::free_item:
      return "free_item";
  }
  return "unknown";
}

void append_redemption_name(std::uint64_t redemption_id, std::string* out) {
  char text[32];
  const int size = std::snprintf(text, sizeof(text), "rdm_%016llx",
                                 static_cast<unsigned long long>(redemption_id));
  out->append(text, static_cast<std::size_t>(size));
}

std::string redemption_name(std::uint64_t redemption_id) {
  std::string name;
  append_redemption_name(redemption_id, &name);
  return name;
}

}  // namespace coupond::api
