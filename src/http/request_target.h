// A request target ("/v1/coupons/AB%20C?x=1") as the api sees it: its path, decoded. Private to
// src/http.
#pragma once

#include <string>
#include <string_view>

namespace coupond::http {

// The path of target without its query string, %XX decoded, into *out (reusing its memory).
// Malformed escapes are kept as they are. False when the target is not a path.
bool decode_request_path(std::string_view target, std::string* out);

}  // namespace coupond::http
