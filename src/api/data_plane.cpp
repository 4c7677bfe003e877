#include "api/data_plane.h"

#include <boost/json.hpp>

#include "api/api_keys.h"
#include "api/coupon_json.h"
#include "api/loopback.h"
#include "api/responses.h"
#include "rules/partition.h"
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

std::size_t not_real_codes(const Outcome& outcome) {
  return outcome.request_error.empty() && is_not_real(outcome.reason) ? 1 : 0;
}

std::size_t not_real_codes(const StackOutcome& outcome) {
  if (!outcome.request_error.empty()) return 0;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < outcome.count; ++i) bad += is_not_real(outcome.coupons[i].reason) ? 1 : 0;
  return bad;
}

namespace {

// The decoded request, one per thread and reused: its text and items keep their memory from one
// request to the next, so decoding allocates nothing once they have grown.
ParsedCouponRequest& reused_request() {
  thread_local ParsedCouponRequest parsed;
  return parsed;
}

// One code's outcome when its request was not run: rate_limited.
Outcome rate_limited_outcome() {
  Outcome outcome;
  outcome.reason = Reason::rate_limited;
  return outcome;
}

}  // namespace

void DataPlane::fail(ApiResponse& answer, int status, std::string_view code,
                     std::string_view message) {
  answer.status = status;
  answer.body.clear();
  write_error_answer(code, message, &answer.body);
}

void DataPlane::fail_not_primary(ApiResponse& answer) {
  fail(answer, 503, "not_primary", reason_sentence(Reason::not_primary));
}

void DataPlane::fail_rate_limited(ApiResponse& answer) {
  fail(answer, 429, "rate_limited", reason_sentence(Reason::rate_limited));
}

void DataPlane::handle(const ApiRequest& request, ApiResponse& answer) {
  const std::string_view path = request.path;
  // A load balancer's health check: answered to any peer, without a key, even in protected mode.
  if (path == "/v1/role") {
    if (request.method != "GET") return fail(answer, 405, "method_not_allowed", "use GET");
    return describe_role(answer);
  }
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
  // A change: only a primary holding its lease acknowledges it, and its answer leaves only while
  // it still does (the transport checks again as it sends).
  if (!role_.may_acknowledge()) {
    return fail_not_primary(answer);
  }
  if (!role_.is_single()) answer.acknowledged_by = &role_;
  if (path == "/v1/redeem") return take(request.body, /*reserve=*/false, caller, answer);
  if (path == "/v1/reserve") return take(request.body, /*reserve=*/true, caller, answer);
  return rollback(request.body, caller, answer);
}

bool DataPlane::refused_for_partition(const ParsedCouponRequest& parsed,
                                      ApiResponse& answer) const {
  // Off the fast path of a node without a partition: one comparison.
  if (options_.partition.empty()) return false;
  const std::string_view first = parsed.code_count > 0 ? parsed.codes[0] : parsed.request.code;
  // Decided from the code's first characters alone, before the rate limits and the engine: a
  // misrouted request is not a guess (the partitions' names are no secret), and a router's mistake
  // must not count against the shoppers it misroutes.
  if (!rules::code_in_partition(first, options_.partition)) {
    fail(answer, 421, "wrong_partition", reason_sentence(Reason::wrong_partition));
    return true;
  }
  for (std::size_t i = 1; i < parsed.code_count; ++i) {
    if (rules::code_in_partition(parsed.codes[i], options_.partition)) continue;
    fail(answer, 400, "bad_request",
         "codes[" + std::to_string(i) + "] is not in partition " + options_.partition +
             " with codes[0]: the codes of one order must all be in one partition");
    return true;
  }
  return false;
}

void DataPlane::validate(std::string_view body, const Caller& caller, ApiResponse& answer) {
  ParsedCouponRequest& parsed = reused_request();
  if (std::string error = parse_coupon_request(body, false, &parsed); !error.empty()) {
    return fail(answer, 400, "bad_request", error);
  }
  if (refused_for_partition(parsed, answer)) return;
  if (parsed.code_count > 0) return validate_stack(parsed, caller, answer);
  Outcome outcome;
  if (!unless_limited(parsed.request, caller, outcome, [&] { return engine_.validate(parsed.request); })) {
    outcome = rate_limited_outcome();
  }
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
  if (refused_for_partition(parsed, answer)) return;
  parsed.request.api_key_name = caller.key_name;
  std::chrono::seconds ttl = std::min(options_.hold_ttl_default, options_.hold_ttl_max);
  if (reserve && parsed.ttl_s) {
    if (*parsed.ttl_s < 1) return fail(answer, 400, "bad_request", "ttl_s must be at least 1");
    ttl = std::min(std::chrono::seconds(*parsed.ttl_s), options_.hold_ttl_max);
  }
  if (parsed.code_count > 0) return take_stack(parsed, reserve, ttl, caller, answer);
  Outcome outcome;
  if (!unless_limited(parsed.request, caller, outcome, [&] {
        return reserve ? engine_.reserve(parsed.request, ttl) : engine_.redeem(parsed.request);
      })) {
    outcome = rate_limited_outcome();
  }
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
  if (refused_for_partition(parsed, answer)) return;
  if (parsed.code_count > 0) return rollback_stack(parsed, caller, answer);
  const RollbackOutcome outcome =
      engine_.rollback(parsed.request.code, parsed.request.order_id, caller.key_name);
  if (!outcome.request_error.empty()) {
    return fail(answer, 400, "bad_request", outcome.request_error);
  }
  if (outcome.reason == Reason::not_primary) {
    return fail_not_primary(answer);
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

void DataPlane::describe_role(ApiResponse& answer) const {
  const cluster::Role role = role_.role();
  answer.body.clear();
  if (role == cluster::Role::single) {
    answer.body = R"({"role":"single"})";
    return;
  }
  answer.status = role == cluster::Role::primary ? 200 : 503;
  boost::json::object body{{"role", cluster::role_name(role)},
                           {"partition", role_.partition()},
                           {"node", role_.node()}};
  answer.body = boost::json::serialize(body);
}

void DataPlane::wait_for_journal(ApiResponse& answer, std::uint64_t sequence) {
  if (sequence == 0) return;
  answer.durable_in = &journal_;
  answer.sequence = sequence;
}

void DataPlane::describe(std::string_view code, const Caller& caller, ApiResponse& answer) {
  if (!options_.partition.empty() && !rules::code_in_partition(code, options_.partition)) {
    return fail(answer, 421, "wrong_partition", reason_sentence(Reason::wrong_partition));
  }
  // A lookup tells whether a code exists as well as a checkout does: it is limited the same way.
  const auto now = RateLimiter::Clock::now();
  if (!client_limiter_.allows(caller.client, now)) {
    return fail_rate_limited(answer);
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
