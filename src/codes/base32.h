// Crockford base32: 0-9 A-Z without I, L, O, U, five bits per character, most significant first.
// Chosen for codes people read aloud and type: no vowels to spell words, no look-alikes left.
#pragma once

#include <cstddef>
#include <cstdint>

namespace coupond::codes {

inline constexpr char base32_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Writes the low chars*5 bits of value as chars characters, most significant first.
void encode_base32(std::uint64_t value, std::size_t chars, char* out);

// Reads chars characters (at most 12) into a value; false if any is not in the alphabet. The
// input is already normalized: upper case, with O, I and L folded to 0 and 1.
bool decode_base32(const char* text, std::size_t chars, std::uint64_t* value);

}  // namespace coupond::codes
