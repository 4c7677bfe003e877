// The text form of a coupon code, and its normalization.
//
// A signed code reads, left to right: the batch's prefix, the tag, then a 12-character header,
// all in Crockford base32 (0-9 A-Z without I L O U), grouped with dashes for people:
//
//     D11-7KQ2-M9XA-4RTB-C8W3-0J5P-ZZ
//     prefix | tag (tag_chars) | header (12 chars = 60 bits)
//
// The header sits at the right end so that it can be read without knowing the prefix's length;
// it says how long the tag is, which key signed it, which batch and which serial:
//
//     bits 59..57  tag_chars - 7   (7..12 characters, 35..60 bits of tag)
//     bits 56..52  key id           (0..31)
//     bits 51..32  batch number     (1..2^20-1)
//     bits 31..0   serial           (0..2^32-1)
//
// The tag is the HMAC-SHA256 of the header (8 bytes, big-endian) under the key, truncated to
// tag_chars * 5 bits. The header is printed XORed with xxh3(tag) in all bits below the tag
// length, so that the codes of a batch look unrelated and serials do not show. The prefix is not
// signed: it is checked against the batch the header names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "coupond/limits.h"

namespace coupond::codes {

inline constexpr std::size_t header_chars = 12;
inline constexpr std::uint32_t tag_chars_min = 7;
inline constexpr std::uint32_t tag_chars_max = 12;
static_assert(tag_chars_min * 5 >= tag_bits_min);
static_assert(tag_chars_max * 5 == tag_bits_max);

// The number of base32 characters that carry at least tag_bits bits.
constexpr std::uint32_t tag_chars_for_bits(std::uint32_t tag_bits) { return (tag_bits + 4) / 5; }

struct CodeHeader {
  std::uint32_t tag_chars = 0;
  std::uint32_t key_id = 0;
  std::uint32_t batch_number = 0;
  std::uint32_t serial = 0;
};

std::uint64_t pack_header(const CodeHeader& header);
CodeHeader unpack_header(std::uint64_t packed);

// A code with dashes and spaces removed and upper-cased. Fixed size: no allocation.
struct NormalizedCode {
  char text[code_input_max];
  std::size_t size = 0;
  std::string_view view() const { return {text, size}; }
};

// For signed codes: upper-case, drop '-' and ' ', fold the Crockford look-alikes O->0, I->1,
// L->1 everywhere (the prefix is compared after the same folding). Returns false when a character
// is not a letter, digit, dash or space, or the result is empty or longer than code_input_max.
bool normalize_signed(std::string_view input, NormalizedCode* out);

// For imported codes: upper-case and drop '-' and ' ' only (no folding: an imported code is
// matched as its owner printed it, case aside). Returns false unless the result is 1 to
// imported_code_length_max letters and digits.
bool normalize_imported(std::string_view input, NormalizedCode* out);

// The same folding applied to a batch's configured prefix, so that prefixes compare equal.
bool normalize_prefix(std::string_view prefix, NormalizedCode* out);

// The parts of a normalized signed code. Views point into the NormalizedCode.
struct SignedCodeParts {
  std::string_view prefix;
  std::string_view body;  // tag and header characters, as printed
  CodeHeader header;
  std::uint64_t tag = 0;  // the tag's bits, right-aligned
};

enum class ParseError : unsigned char {
  none,
  too_short,       // shorter than a header plus the shortest tag
  bad_character,   // a character outside Crockford base32 in the header or tag
  bad_tag_length,  // the header's tag length does not fit in the text
};

// Splits a normalized code into prefix, tag and header. Checks the structure only: the caller
// checks the batch, the prefix and the signature.
ParseError parse_signed(const NormalizedCode& code, SignedCodeParts* out);

// Writes the canonical text of a signed code: prefix, then body (tag + header) grouped by
// group_size characters with dashes ("D11-7KQ2-M9XA-..."); group_size 0 means no dashes in the
// body. Returns the length written, or 0 if it would not fit in capacity.
std::size_t format_signed(std::string_view normalized_prefix, const CodeHeader& header,
                          std::uint64_t tag, std::uint32_t group_size, char* out,
                          std::size_t capacity);

// The canonical text of a parsed code, from its normalized characters: the same text as
// format_signed gives, without encoding anything again (the normalized characters of a code that
// parsed are exactly its canonical base32 characters).
std::size_t format_parsed(const SignedCodeParts& parts, std::uint32_t group_size, char* out,
                          std::size_t capacity);

}  // namespace coupond::codes
