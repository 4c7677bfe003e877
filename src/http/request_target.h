// The path a request asks for, read from its request target with Boost.URL: the api routes on the
// path alone, percent-decoded, and a target that is no URL path is refused before any routing.
// Private to src/http.
#pragma once

#include <string>
#include <string_view>

namespace coupond::http {

// The message of the 400 bad_request a target decode_request_path refuses gets.
inline constexpr std::string_view malformed_target_message =
    "the request target must be a URL path such as /v1/coupons/CODE, each % followed by two hex "
    "digits, and characters such as '\"', '#', '|' or non-ASCII bytes percent-encoded";

// Replaces *out with the path of target, an origin-form request target ("/v1/coupons/AB%20CD?x"
// gives "/v1/coupons/AB CD"): the query string dropped and every %XX decoded but an escaped slash,
// which stays "%2F" so that it never splits a segment in two: "/admin/v1/batches/a%2Fb/stats"
// names one batch, "a%2Fb", which no batch id can be. Reuses *out's memory: nothing is allocated
// when its capacity holds the path. False, with *out cleared, when target is not origin-form as
// RFC 3986 and RFC 9112 define it: a malformed escape ("%G1", "%2"), a character a URL may not
// hold (space, '"', '#', a non-ASCII byte), an absolute-form target ("http://host/path") or the
// asterisk ("*").
bool decode_request_path(std::string_view target, std::string* out);

// The query string of a target decode_request_path accepted: what follows its first '?', as sent.
inline std::string_view query_of(std::string_view target) {
  const std::size_t mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

}  // namespace coupond::http
