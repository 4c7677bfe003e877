// JSON written by appending to a std::string the caller owns, for the answers the data plane
// sends on every request: no DOM is built, and once the string has grown to an answer's size no
// allocation is made. The bytes are those boost::json::serialize writes for the same values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace coupond::api {

// text as a JSON string, quotes included: '"', '\\' and every control character escaped (as
// \b \f \n \r \t or \u00XX), everything else as given.
void append_json_string(std::string* out, std::string_view text);

void append_json_integer(std::string* out, std::int64_t value);
void append_json_bool(std::string* out, bool value);

// "name": as the start of an object's member, with the comma before it unless first.
void append_json_key(std::string* out, std::string_view name, bool first = false);

}  // namespace coupond::api
