// The two shapes every JSON answer takes: a value with a status, or the API's error object.
#pragma once

#include <boost/json.hpp>

#include <string_view>

#include "api/api_types.h"

namespace coupond::api {

// value serialized as the body, with status.
ApiResponse json_response(int status, const boost::json::value& value);

// {"error": {"code": code, "message": message}} with status.
ApiResponse error_response(int status, std::string_view code, std::string_view message);

// An answer with status whose JSON body the caller writes; the body has room for the data
// plane's answers already, so that writing one allocates nothing more.
ApiResponse json_answer(int status);

}  // namespace coupond::api
