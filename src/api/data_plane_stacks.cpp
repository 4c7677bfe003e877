// The data plane's orders with several codes ("codes": [..]): the same routes, rate limits and
// durability as one code, answered in the shapes of stack_answers.h.
#include <boost/json.hpp>

#include "api/data_plane.h"
#include "api/responses.h"
#include "api/stack_answers.h"

namespace coupond::api {
namespace {

void answer_json(ApiResponse& answer, int status, const boost::json::object& object) {
  answer.status = status;
  answer.body = boost::json::serialize(object);
}

}  // namespace

void DataPlane::validate_stack(const ParsedCouponRequest& parsed, const Caller& caller,
                               ApiResponse& answer) {
  StackOutcome outcome;
  const auto call = [&] { return engine_.validate_stack(parsed.request, parsed.stack()); };
  if (!unless_limited(parsed.request, caller, outcome, call)) return fail_rate_limited(answer);
  if (!outcome.request_error.empty()) return fail(answer, 400, "bad_request", outcome.request_error);
  answer_json(answer, 200, stack_validate_json(outcome, parsed.stack()));
}

void DataPlane::take_stack(const ParsedCouponRequest& parsed, bool reserve,
                           std::chrono::seconds ttl, const Caller& caller, ApiResponse& answer) {
  StackOutcome outcome;
  const auto call = [&] {
    return reserve ? engine_.reserve_stack(parsed.request, parsed.stack(), ttl)
                   : engine_.redeem_stack(parsed.request, parsed.stack());
  };
  if (!unless_limited(parsed.request, caller, outcome, call)) return fail_rate_limited(answer);
  if (!outcome.request_error.empty()) return fail(answer, 400, "bad_request", outcome.request_error);
  if (outcome.ok()) {
    answer_json(answer, 200, stack_taken_json(outcome, parsed.request.order_id, reserve));
  } else {
    answer_json(answer, refusal_status(outcome.reason),
                stack_refusal_json(outcome, parsed.stack(), reserve ? "reserved" : "redeemed"));
  }
  wait_for_journal(answer, outcome.journal_sequence);
}

void DataPlane::rollback_stack(const ParsedCouponRequest& parsed, const Caller& caller,
                               ApiResponse& answer) {
  const StackRollbackOutcome outcome =
      engine_.rollback_stack(parsed.stack(), parsed.request.order_id, caller.key_name);
  if (!outcome.request_error.empty()) return fail(answer, 400, "bad_request", outcome.request_error);
  if (outcome.reason == Reason::not_primary) {
    return fail_not_primary(answer);
  }
  const std::string code(outcome.count > 0 ? parsed.stack()[outcome.failed] : std::string_view());
  if (outcome.reason == Reason::invalid_code) {
    return fail(answer, 400, "invalid_code", "not a valid coupon code: " + code);
  }
  if (outcome.reason == Reason::unknown_code) {
    return fail(answer, 404, "unknown_code", "no such coupon: " + code);
  }
  if (outcome.forbidden) {
    return fail(answer, 403, "forbidden", "the use of " + code + " was taken with another API key");
  }
  if (!outcome.any_found()) {
    return fail(answer, 404, "redemption_not_found", "this order has no redemption of these coupons");
  }
  answer_json(answer, 200, stack_rollback_json(outcome, parsed.request.order_id));
  wait_for_journal(answer, outcome.journal_sequence);
}

}  // namespace coupond::api
