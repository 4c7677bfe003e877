// Text that operators move around (customer ids, segments) ends up in CSV files, logs, reports and
// spreadsheets: it must be text there too. This says what such text may hold.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace coupond::rules {

// True when text is valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF) and
// holds no control character (U+0000..U+001F, U+007F, U+0080..U+009F).
bool is_clean_text(std::string_view text);

// Empty when text fits: at most length_max bytes and clean. Otherwise the sentence a 400 or a
// rejected import line gives, naming the field: "customer must be at most 128 bytes",
// "segment must be UTF-8 text without control characters".
std::string check_field_text(std::string_view field, std::string_view text, std::size_t length_max);

}  // namespace coupond::rules
