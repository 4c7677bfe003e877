#include "api/data_plane.h"

#include <boost/json.hpp>

#include "api/api_keys.h"
#include "api/coupon_json.h"
#include "api/loopback.h"
#include "api/responses.h"
#include "rules/time_text.h"

namespace coupond::api {
int refusal_status(Reason reason) {
  if (reason == Reason::already_redeemed || reason == Reason::reserved) return 409;
  if (reason == Reason::order_conflict || reason == Reason::sold_out) return 409;
  if (reason == Reason::budget_exhausted) return 409;
  if (reason == Reason::storage_full || reason == Reason::not_primary) return 503;
  if (reason == Reason::wrong_partition) return 421;
  if (reason == Reason::rate_limited) return 429;
  return 422;
}

bool is_not_real(Reason reason) {
  return reason == Reason::invalid_code || reason == Reason::unknown_code;
}

namespace {

// The decoded request, one per thread and reused: its text and items keep their memory from one
// request to the next, so decoding allocates nothing once they have grown.
ParsedCouponRequest& reused_request() {
  thread_local ParsedCouponRequest parsed;
  return parsed;
}

}  // namespace

void DataPlane::fail(ApiResponse& answer, int status, std::string_view code,
                     std::string_view message) {
  answer.status = status;
  answer.body.clear();
  write_error_answer(code, message, &answer.body);
}

void DataPlane::handle(const ApiRequest& request, ApiResponse& answer) {
  const std::string_view path = request.path;
  // Protected mode: without keys, anyone who can reach the port could redeem; only this machine
  // is served unless the operator says otherwise. /healthz too, so that a load balancer sending
  // traffic to a server left in this mode sees it fail at once.
  if (keys_ == nullptr && !options_.open_to_any_peer && !is_loopback_address(request.peer)) {
    return fail(answer, 403, "forbidden",
                "without --api-keys this data plane serves loopback clients only; "
                "start coupond with --api-keys, or with --open-data-plane");
  }
  if (path == "/healthz") {
    if (request.method != "GET") return fail(answer, 405, "method_not_allowed", "use GET");
    answer.body = R"({"status":"ok"})";
    return;
  }
  Caller caller{{}, request.peer};
  if (keys_ != nullptr) {
    caller.key_name = keys_->name_for(request.authorization);
    if (caller.key_name.empty()) {
      return fail(answer, 401, "unauthorized", "missing or unknown API key");
    }
    caller.client = caller.key_name;
  }
  constexpr std::string_view coupons = "/v1/coupons/";
  if (path.starts_with(coupons)) {
    if (request.method != "GET") return fail(answer, 405, "method_not_allowed", "use GET");
    return describe(path.substr(coupons.size()), caller, answer);
  }
  const bool known = path == "/v1/validate" || path == "/v1/redeem" || path == "/v1/reserve" ||
                     path == "/v1/rollback";
  if (!known) return fail(answer, 404, "not_found", "no such endpoint");
  if (request.method != "POST") return fail(answer, 405, "method_not_allowed", "use POST");
  if (path == "/v1/validate") return validate(request.body, caller, answer);
  if (path == "/v1/redeem") return take(request.body, /*reserve=*/false, caller, answer);
  if (path == "/v1/reserve") return take(request.body, /*reserve=*/true, caller, answer);
  return rollback(request.body, caller, answer);
}

template <typename Call>
Outcome DataPlane::limited(const CouponRequest& request, const Caller& caller, Call call) {
  const auto now = RateLimiter::Clock::now();
  if (!customer_limiter_.allows(request.customer, now) || !client_limiter_.allows(caller.client, now)) {
    Outcome outcome;
    outcome.reason = Reason::rate_limited;
    return outcome;
  }
  Outcome outcome = call();
  if (outcome.request_error.empty() && is_not_real(outcome.reason)) {
    customer_limiter_.record_bad_code(request.customer, now);
    client_limiter_.record_bad_code(caller.client, now);
  }
  return outcome;
}

void DataPlane::validate(std::string_view body, const Caller& caller, ApiResponse& answer) {
  ParsedCouponRequest& parsed = reused_request();
  if (std::string error = parse_coupon_request(body, false, &parsed); !error.empty()) {
    return fail(answer, 400, "bad_request", error);
  }
  if (parsed.code_count > 0) return validate_stack(parsed, caller, answer);
  const Outcome outcome =
      limited(parsed.request, caller, [&] { return engine_.validate(parsed.request); });
  if (!outcome.request_error.empty()) {
    return fail(answer, 400, "bad_request", outcome.request_error);
  }
  if (outcome.ok()) {
    write_validate_answer(outcome, parsed.request.code, &answer.body);
  } else {
    write_refusal_answer(outcome, parsed.request.code, "valid", &answer.body);
  }
}

void DataPlane::take(std::string_view body, bool reserve, const Caller& caller,
                     ApiResponse& answer) {
  ParsedCouponRequest& parsed = reused_request();
  if (std::string error = parse_coupon_request(body, true, &parsed); !error.empty()) {
    return fail(answer, 400, "bad_request", error);
  }
  parsed.request.api_key_name = caller.key_name;
  std::chrono::seconds ttl = std::min(options_.hold_ttl_default, options_.hold_ttl_max);
  if (reserve && parsed.ttl_s) {
    if (*parsed.ttl_s < 1) return fail(answer, 400, "bad_request", "ttl_s must be at least 1");
    ttl = std::min(std::chrono::seconds(*parsed.ttl_s), options_.hold_ttl_max);
  }
  if (parsed.code_count > 0) return take_stack(parsed, reserve, ttl, caller, answer);
  const Outcome outcome = limited(parsed.request, caller, [&] {
    return reserve ? engine_.reserve(parsed.request, ttl) : engine_.redeem(parsed.request);
  });
  if (!outcome.request_error.empty()) {
    return fail(answer, 400, "bad_request", outcome.request_error);
  }
  answer.status = outcome.ok() ? 200 : refusal_status(outcome.reason);
  if (outcome.ok()) {
    write_taken_answer(outcome, parsed.request.code, reserve, &answer.body);
  } else {
    write_refusal_answer(outcome, parsed.request.code, reserve ? "reserved" : "redeemed",
                         &answer.body);
  }
  wait_for_journal(answer, outcome.journal_sequence);
}

void DataPlane::rollback(std::string_view body, const Caller& caller, ApiResponse& answer) {
  ParsedCouponRequest& parsed = reused_request();
  if (std::string error = parse_coupon_request(body, true, &parsed); !error.empty()) {
    return fail(answer, 400, "bad_request", error);
  }
  if (parsed.code_count > 0) return rollback_stack(parsed, caller, answer);
  const RollbackOutcome outcome =
      engine_.rollback(parsed.request.code, parsed.request.order_id, caller.key_name);
  if (!outcome.request_error.empty()) {
    return fail(answer, 400, "bad_request", outcome.request_error);
  }
  if (outcome.reason == Reason::not_primary) {
    return fail(answer, 503, "not_primary", reason_sentence(Reason::not_primary));
  }
  if (outcome.reason == Reason::invalid_code) {
    return fail(answer, 400, "invalid_code", reason_sentence(Reason::invalid_code));
  }
  if (!outcome.found) {
    return fail(answer, 404, "redemption_not_found", "this order has no redemption of this coupon");
  }
  if (outcome.forbidden) {
    return fail(answer, 403, "forbidden", "this use was taken with another API key");
  }
  write_rollback_answer(outcome, &answer.body);
  wait_for_journal(answer, outcome.journal_sequence);
}

void DataPlane::wait_for_journal(ApiResponse& answer, std::uint64_t sequence) {
  if (sequence == 0) return;
  answer.durable_in = &journal_;
  answer.sequence = sequence;
}

void DataPlane::describe(std::string_view code, const Caller& caller, ApiResponse& answer) {
  // A lookup tells whether a code exists as well as a checkout does: it is limited the same way.
  const auto now = RateLimiter::Clock::now();
  if (!client_limiter_.allows(caller.client, now)) {
    return fail(answer, 429, "rate_limited", reason_sentence(Reason::rate_limited));
  }
  CouponDescription description;
  const Status status = engine_.describe_coupon(code, &description);
  if (!status.is_ok()) client_limiter_.record_bad_code(caller.client, now);
  if (status.code() == Status::Code::invalid_argument) {
    return fail(answer, 400, "invalid_code", reason_sentence(Reason::invalid_code));
  }
  if (!status.is_ok()) {
    return fail(answer, 404, "unknown_code", reason_sentence(Reason::unknown_code));
  }
  const BatchDefinition& definition = description.batch->definition();
  boost::json::array redemptions;
  for (const RedemptionView& use : description.redemptions) {
    boost::json::object entry{{"order_id", use.order_id},
                              {"redemption", redemption_name(use.redemption_id)},
                              {"state", use.state},
                              {"at", format_rfc3339_utc(use.at)},
                              {"channel", use.channel},
                              {"store", use.store},
                              {"discount", use.discount_amount}};
    entry["amount"] = use.amount ? boost::json::value(*use.amount) : boost::json::value(nullptr);
    if (use.state == "held") entry["expires_at"] = format_rfc3339_utc(use.hold_expires_at);
    if (!use.api_key_name.empty()) entry["key"] = use.api_key_name;
    redemptions.push_back(std::move(entry));
  }
  boost::json::object object{{"code", description.code},
                             {"batch", description.batch->id()},
                             {"state", description.state},
                             {"uses", description.uses},
                             {"held", description.held},
                             {"max_uses", description.max_uses},
                             {"uses_left", description.uses_left},
                             {"valid_from", format_rfc3339_utc(definition.valid_from)},
                             {"valid_until", format_rfc3339_utc(definition.valid_until)},
                             {"redemptions", std::move(redemptions)}};
  object["customer"] = description.customer.empty() ? boost::json::value(nullptr)
                                                    : boost::json::value(description.customer);
  if (!description.segment.empty()) object["segment"] = description.segment;
  answer.body = boost::json::serialize(object);
}

}  // namespace coupond::api
