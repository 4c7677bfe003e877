#include "api/stack_answers.h"

#include "api/coupon_json.h"
#include "rules/time_text.h"

namespace coupond::api {
namespace {

boost::json::object discount_json(const DiscountResult& discount) {
  if (discount.type == DiscountType::free_item) {
    return {{"type", discount_type_name(discount.type)}, {"sku", discount.sku},
            {"quantity", discount.quantity}};
  }
  return {{"type", discount_type_name(discount.type)}, {"amount", discount.amount}};
}

// The code as the engine read it, or as typed when it could not.
std::string_view shown_code(const Outcome& coupon, std::string_view typed) {
  return coupon.code.size > 0 ? coupon.code.view() : typed;
}

void add_refusal(const Outcome& coupon, std::string_view typed, boost::json::object& object) {
  object["code"] = shown_code(coupon, typed);
  object["reason"] = reason_name(coupon.reason);
  object["message"] = explain(coupon);
}

}  // namespace

boost::json::object stack_validate_json(const StackOutcome& outcome,
                                        std::span<const std::string_view> typed) {
  boost::json::array results;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    const Outcome& coupon = outcome.coupons[i];
    boost::json::object result{{"code", shown_code(coupon, typed[i])}};
    if (coupon.batch != nullptr) result["batch"] = coupon.batch->id();
    result["valid"] = coupon.reason == Reason::ok;
    if (coupon.reason == Reason::ok) {
      result["discount"] = discount_json(coupon.discount);
      result["uses_left"] = coupon.uses_left;
    } else {
      result["reason"] = reason_name(coupon.reason);
      result["message"] = explain(coupon);
    }
    results.push_back(std::move(result));
  }
  boost::json::object object{{"valid", outcome.ok()}};
  if (outcome.ok()) {
    object["discount_total"] = outcome.discount_total;
  } else {
    add_refusal(outcome.coupons[outcome.failed], typed[outcome.failed], object);
  }
  object["results"] = std::move(results);
  return object;
}

boost::json::object stack_taken_json(const StackOutcome& outcome, std::string_view order_id,
                                     bool reserve) {
  boost::json::array taken;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    const Outcome& coupon = outcome.coupons[i];
    taken.push_back({{"code", coupon.code.view()},
                     {"batch", coupon.batch != nullptr ? coupon.batch->id() : std::string()},
                     {"redemption", redemption_name(coupon.redemption_id)},
                     {"discount", discount_json(coupon.discount)},
                     {"uses_left", coupon.uses_left}});
  }
  boost::json::object object{{reserve ? "reserved" : "redeemed", true},
                             {"order_id", order_id},
                             {"discount_total", outcome.discount_total}};
  if (reserve && outcome.count > 0) {
    object["expires_at"] = format_rfc3339_utc(outcome.coupons[0].hold_expires_at);
  }
  object["redemptions"] = std::move(taken);
  object["replayed"] = outcome.replayed;
  return object;
}

boost::json::object stack_refusal_json(const StackOutcome& outcome,
                                       std::span<const std::string_view> typed,
                                       std::string_view flag) {
  boost::json::object object{{flag, false}};
  add_refusal(outcome.coupons[outcome.failed], typed[outcome.failed], object);
  return object;
}

boost::json::object stack_rollback_json(const StackRollbackOutcome& outcome,
                                        std::string_view order_id) {
  boost::json::array results;
  for (std::size_t i = 0; i < outcome.count; ++i) {
    const RollbackOutcome& coupon = outcome.coupons[i];
    results.push_back({{"code", coupon.code.view()},
                       {"found", coupon.found},
                       {"uses_left", coupon.uses_left},
                       {"replayed", coupon.replayed}});
  }
  return {{"rolled_back", true}, {"order_id", order_id}, {"results", std::move(results)}};
}

}  // namespace coupond::api
