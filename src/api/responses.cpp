#include "api/responses.h"

#include "api/coupon_json.h"

namespace coupond::api {
namespace {

// Room for a redemption's answer with a long code and batch id, so that it is written without
// the body growing again.
constexpr std::size_t answer_bytes_expected = 384;

}  // namespace

ApiResponse json_response(int status, const boost::json::value& value) {
  ApiResponse response;
  response.status = status;
  response.body = boost::json::serialize(value);
  return response;
}

ApiResponse json_answer(int status) {
  ApiResponse response;
  response.status = status;
  response.body.reserve(answer_bytes_expected);
  return response;
}

ApiResponse error_response(int status, std::string_view code, std::string_view message) {
  ApiResponse response = json_answer(status);
  write_error_answer(code, message, &response.body);
  return response;
}

}  // namespace coupond::api
