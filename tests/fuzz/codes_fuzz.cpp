// Fuzzes code normalization and decoding (src/codes): whatever a customer types, normalizing and
// parsing it never reads or writes out of bounds, and a code that parses prints (format_parsed)
// as text that normalizes and parses back to the same parts. The same round trip is checked the
// other way: a header and tag chosen by the fuzzer, formatted, must parse back as themselves.
#include "codes/base32.h"
#include "codes/code_format.h"
#include "fuzz_support.h"

using namespace coupond;
using namespace coupond::codes;

namespace {

void check_parsed_round_trip(const NormalizedCode& normalized, std::uint32_t group_size) {
  SignedCodeParts parts;
  if (parse_signed(normalized, &parts) != ParseError::none) return;
  if (parts.header.format == CodeFormat::compact) {
    FUZZ_REQUIRE(parts.header.tag_chars == 0 && parts.body.size() == compact_body_chars);
  } else {
    FUZZ_REQUIRE(parts.header.tag_chars >= tag_chars_min &&
                 parts.header.tag_chars <= tag_chars_max);
  }
  FUZZ_REQUIRE(parts.prefix.size() + parts.body.size() == normalized.size);
  char text[code_input_max * 2];
  const std::size_t written = format_parsed(parts.prefix, parts, group_size, text, sizeof(text));
  FUZZ_REQUIRE(written > 0);
  NormalizedCode again;
  FUZZ_REQUIRE(normalize_signed(std::string_view(text, written), &again));
  FUZZ_REQUIRE(again.view() == normalized.view());
  SignedCodeParts reparsed;
  FUZZ_REQUIRE(parse_signed(again, &reparsed) == ParseError::none);
  FUZZ_REQUIRE(pack_header(reparsed.header) == pack_header(parts.header));
  FUZZ_REQUIRE(reparsed.tag == parts.tag);
}

// A code made from the fuzzer's header, tag and prefix, as generation makes one.
void check_formatted_round_trip(fuzz::FuzzBytes& bytes, std::uint32_t group_size) {
  const CodeHeader header = unpack_header(bytes.integer<std::uint64_t>());
  const std::uint64_t tag =
      bytes.integer<std::uint64_t>() & ((std::uint64_t{1} << tag_bits_of(header)) - 1);
  NormalizedCode prefix;
  const std::string_view prefix_input = bytes.rest().substr(0, printed_prefix_length_max);
  if (!normalize_prefix(prefix_input, &prefix)) prefix.size = 0;
  char text[code_text_max];
  const std::size_t written = format_signed(prefix.view(), header, tag, group_size, text, sizeof(text));
  if (written == 0) return;
  NormalizedCode normalized;
  FUZZ_REQUIRE(normalize_signed(std::string_view(text, written), &normalized));
  SignedCodeParts parts;
  FUZZ_REQUIRE(parse_signed(normalized, &parts) == ParseError::none);
  FUZZ_REQUIRE(parts.prefix == prefix.view());
  FUZZ_REQUIRE(pack_header(parts.header) == pack_header(header));
  FUZZ_REQUIRE(parts.tag == tag);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const std::uint32_t group_size = bytes.byte() % 8;
  const std::string_view input = bytes.rest();

  NormalizedCode normalized;
  if (normalize_signed(input, &normalized)) {
    FUZZ_REQUIRE(normalized.size > 0 && normalized.size <= code_input_max);
    check_parsed_round_trip(normalized, group_size);
  }
  NormalizedCode imported;
  if (normalize_imported(input, &imported)) {
    FUZZ_REQUIRE(imported.size > 0 && imported.size <= imported_code_length_max);
  }
  NormalizedCode prefix;
  if (normalize_prefix(input, &prefix)) FUZZ_REQUIRE(prefix.size <= printed_prefix_length_max);

  std::uint64_t value = 0;
  const std::size_t chars = std::min<std::size_t>(input.size(), 12);
  if (decode_base32(input.data(), chars, &value)) {
    char encoded[12];
    encode_base32(value, chars, encoded);
    FUZZ_REQUIRE(std::string_view(encoded, chars) == input.substr(0, chars));
  }

  check_formatted_round_trip(bytes, group_size);
  return 0;
}
