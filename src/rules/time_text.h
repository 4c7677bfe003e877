// RFC 3339 time text: parsed with any offset on input, written as UTC "Z" on output, as the API
// asks ("2026-11-11T00:00:00+08:00" in, "2026-11-10T16:00:00Z" out).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "coupond/clock.h"

namespace coupond {

// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't' and 'z' in lower case too.
// Fractions are kept to the microsecond. Returns false on anything else, including impossible
// dates (Feb 30) and times outside 1970..9999, in UTC as well as in the offset given.
bool parse_rfc3339(std::string_view text, Timestamp* out);

// "2026-11-10T16:00:00Z", with ".123456" only when the time has a sub-second part.
std::string format_rfc3339_utc(Timestamp t);

// The same text written into out, for answers built without allocating; returns its length.
inline constexpr std::size_t rfc3339_text_max = 40;
std::size_t write_rfc3339_utc(Timestamp t, char (&out)[rfc3339_text_max]);

}  // namespace coupond
