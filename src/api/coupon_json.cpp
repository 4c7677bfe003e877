// The small names of the data plane's JSON: discount types and redemptions.
#include "api/coupon_json.h"

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
  // "rdm_" and sixteen lower-case hex digits, written by hand: every redemption's answer has one,
  // and snprintf's format parsing cost more than the rest of the answer.
  char text[20] = {'r', 'd', 'm', '_'};
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    text[4 + i] = digits[(redemption_id >> (60 - 4 * i)) & 0xf];
  }
  out->append(text, sizeof(text));
}

std::string redemption_name(std::uint64_t redemption_id) {
  std::string name;
  append_redemption_name(redemption_id, &name);
  return name;
}

}  // namespace coupond::api
