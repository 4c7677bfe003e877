// The data plane: what checkout systems call (POST /v1/validate, /v1/redeem, /v1/reserve,
// /v1/rollback, GET /v1/coupons/{code}, GET /healthz).
#pragma once

#include <chrono>

#include "api/api_types.h"
#include "coupond/engine.h"

namespace coupond::api {

struct DataPlaneOptions {
  std::chrono::seconds hold_ttl_default{900};
  std::chrono::seconds hold_ttl_max{3600};  // a reserve asking for more gets this much
};

class ApiKeys;

class DataPlane {
 public:
  // keys, when not null, must outlive the DataPlane; every request but /healthz then needs one.
  DataPlane(Engine& engine, DataPlaneOptions options, const ApiKeys* keys)
      : engine_(engine), options_(options), keys_(keys) {}
  ApiResponse handle(const ApiRequest& request);

 private:
  ApiResponse validate(std::string_view body);
  ApiResponse take(std::string_view body, bool reserve, std::string_view key_name);
  ApiResponse rollback(std::string_view body);
  ApiResponse describe(std::string_view code);

  Engine& engine_;
  DataPlaneOptions options_;
  const ApiKeys* keys_;
};

}  // namespace coupond::api
