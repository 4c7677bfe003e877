// The data plane's answers to orders with several codes ("codes": [..]), as the contract shapes
// them. Stacks are not the hot path: these build a boost::json::object.
#pragma once

#include <boost/json.hpp>

#include <span>
#include <string_view>

#include "coupond/engine.h"

namespace coupond::api {

// {"valid", "discount_total", "results": [{"code", ["batch"], "valid", then "discount" and
// "uses_left", or "reason" and "message"}]}; when not valid also the first refusal's "code",
// "reason" and "message". typed: the codes as the request gave them.
boost::json::object stack_validate_json(const StackOutcome& outcome,
                                        std::span<const std::string_view> typed);

// {flag: true, "order_id", "discount_total", ["expires_at"], "redemptions": [{"code", "batch",
// "redemption", "discount", "uses_left"}], "replayed"}; flag is "redeemed" or "reserved".
boost::json::object stack_taken_json(const StackOutcome& outcome, std::string_view order_id,
                                     bool reserve);

// {flag: false, "code", "reason", "message"}: the code the refusal names.
boost::json::object stack_refusal_json(const StackOutcome& outcome,
                                       std::span<const std::string_view> typed,
                                       std::string_view flag);

// {"rolled_back": true, "order_id", "results": [{"code", "found", "uses_left", "replayed"}]}
boost::json::object stack_rollback_json(const StackRollbackOutcome& outcome,
                                        std::string_view order_id);

}  // namespace coupond::api
