// The data plane: what checkout systems call (POST /v1/validate, /v1/redeem, /v1/reserve,
// /v1/rollback, GET /v1/coupons/{code}, GET /healthz).
#pragma once

#include <chrono>

#include "api/api_types.h"
#include "api/rate_limiter.h"
#include "coupond/engine.h"

namespace coupond::api {

struct DataPlaneOptions {
  std::chrono::seconds hold_ttl_default{900};
  std::chrono::seconds hold_ttl_max{3600};  // a reserve asking for more gets this much
  // Codes that are not real (invalid_code, unknown_code) one customer may try per minute before
  // every answer to it is rate_limited until the minute ends; 0 turns the limit off.
  std::uint32_t bad_codes_per_customer_per_minute = 30;
};

class ApiKeys;

class DataPlane {
 public:
  // keys, when not null, must outlive the DataPlane; every request but /healthz then needs one.
  DataPlane(Engine& engine, DataPlaneOptions options, const ApiKeys* keys)
      : engine_(engine),
        options_(options),
        keys_(keys),
        limiter_(options.bad_codes_per_customer_per_minute) {}
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse validate(std::string_view body);
  ApiResponse take(std::string_view body, bool reserve, std::string_view key_name);
  ApiResponse rollback(std::string_view body);
  ApiResponse describe(std::string_view code);
  // Runs call unless the request's customer is rate limited, and counts a code that is not real
  // against the customer.
  template <typename Call>
  Outcome limited(const CouponRequest& request, Call call);

  Engine& engine_;
  DataPlaneOptions options_;
  const ApiKeys* keys_;
  RateLimiter limiter_;
};

}  // namespace coupond::api
