// The admin port: what operators call (/admin/v1/...). Every request but GET /healthz needs
// "Authorization: Bearer <admin token>", compared in constant time.
#pragma once

#include <string>

#include "api/api_types.h"
#include "coupond/engine.h"

namespace coupond::api {

class Admin {
 public:
  Admin(Engine& engine, std::string token) : engine_(engine), token_(std::move(token)) {}
  ApiResponse handle(const ApiRequest& request);

 private:
  bool authorized(std::string_view authorization) const;
  ApiResponse create_batch(std::string_view body);
  ApiResponse list_batches();
  ApiResponse batch_route(const ApiRequest& request, std::string_view rest);
  ApiResponse generate(const Batch& batch, std::string_view body);
  ApiResponse import_codes(const Batch& batch, std::string_view body);
  ApiResponse stats(const Batch& batch);
  ApiResponse revoke_code(std::string_view code);

  Engine& engine_;
  std::string token_;
};

}  // namespace coupond::api
