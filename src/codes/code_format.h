// The text form of a coupon code, and its normalization.
//
// A signed code reads, left to right: the batch's prefix (as the batch writes it), then a body in
// Crockford base32 (0-9 A-Z without I L O U), grouped with dashes for people. There are two body
// layouts; docs/codes.md has both in full.
//
// Standard: the tag, then a 12-character header (60 bits).
//
//     D11-7KQ2-M9XA-4RTB-C8W3-0J5P-ZZ
//     prefix | tag (tag_chars) | header (12 chars = 60 bits)
//
//     bits 59..57  tag_chars - 7   (7..12 characters, 35..60 bits of tag)
//     bits 56..52  key id           (0..31)
//     bits 51..32  batch number     (1..2^20-1)
//     bits 31..0   serial           (0..2^32-1)
//
// Compact: 16 characters (80 bits), for codes typed at a till. The rightmost 12 characters sit
// where a standard header does, and their top two bits are 11, which no standard header has (its
// tag length field stops at 5): that is how a reader tells the layouts apart without knowing the
// prefix.
//
//     bits 79..60  tag bits 40..21
//     bits 59..58  11
//     bits 57..37  tag bits 20..0
//     bits 36..32  key id           (0..31)
//     bits 31..16  batch number     (1..2^16-1)
//     bits 15..0   serial           (0..2^16-1)
//
// The tag is the HMAC-SHA256 of the packed header (8 bytes, big-endian) under the key, truncated
// to the layout's tag bits. A compact header packs with 11 in bits 59..58, so no compact header is
// ever signed as a standard one. The header is printed XORed with xxh3(tag) in all bits below the
// tag, so that the codes of a batch look unrelated and serials do not show. The prefix is not
// signed: it is checked against the batch the header names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "coupond/batch.h"
#include "coupond/limits.h"

namespace coupond::codes {

inline constexpr std::size_t header_chars = 12;
inline constexpr std::size_t compact_body_chars = 16;
inline constexpr std::uint32_t tag_chars_min = 7;
inline constexpr std::uint32_t tag_chars_max = 12;
static_assert(tag_chars_min * 5 >= tag_bits_min);
static_assert(tag_chars_max * 5 == tag_bits_max);

// The number of base32 characters that carry at least tag_bits bits.
constexpr std::uint32_t tag_chars_for_bits(std::uint32_t tag_bits) { return (tag_bits + 4) / 5; }

struct CodeHeader {
  std::uint32_t tag_chars = 0;  // standard only; 0 for compact, whose tag is compact_tag_bits
  std::uint32_t key_id = 0;
  std::uint32_t batch_number = 0;
  std::uint32_t serial = 0;
  CodeFormat format = CodeFormat::standard;
};

// The tag bits a header's layout carries.
constexpr std::uint32_t tag_bits_of(const CodeHeader& header) {
  return header.format == CodeFormat::compact ? compact_tag_bits : header.tag_chars * 5;
}

// The 64-bit message the tag signs. Standard and compact headers never pack to the same value.
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

// The same folding applied to a batch's printed prefix (its partition's name, then code.prefix),
// so that prefixes compare equal.
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
  too_short,       // shorter than the shortest body (a compact one)
  bad_character,   // a character outside Crockford base32 in the header or tag
  bad_tag_length,  // the header's tag length does not fit in the text
};

// Splits a normalized code into prefix, tag and header, in whichever layout the characters where a
// standard header sits say. Checks the structure only: the caller checks the batch, the prefix and
// the signature.
ParseError parse_signed(const NormalizedCode& code, SignedCodeParts* out);

// Writes the canonical text of a signed code: the prefix as given (the batch's, as written), then
// the body in the header's layout grouped by group_size characters with dashes
// ("D11-7KQ2-M9XA-..."); group_size 0 means no dashes in the body. Returns the length written, or
// 0 if it would not fit in capacity.
std::size_t format_signed(std::string_view prefix, const CodeHeader& header, std::uint64_t tag,
                          std::uint32_t group_size, char* out, std::size_t capacity);

// The canonical text of a parsed code, from its normalized body characters and the prefix as the
// batch writes it: the same text as format_signed gives, without encoding anything again (the
// normalized characters of a body that parsed are exactly its canonical base32 characters).
std::size_t format_parsed(std::string_view prefix, const SignedCodeParts& parts,
                          std::uint32_t group_size, char* out, std::size_t capacity);

}  // namespace coupond::codes
