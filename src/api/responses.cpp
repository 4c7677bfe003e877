#include "api/responses.h"

namespace coupond::api {

ApiResponse json_response(int status, const boost::json::value& value) {
  ApiResponse response;
  response.status = status;
  response.body = boost::json::serialize(value);
  return response;
}

ApiResponse error_response(int status, std::string_view code, std::string_view message) {
  return json_response(status, {{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace coupond::api
