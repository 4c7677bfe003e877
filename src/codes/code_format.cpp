#include "codes/code_format.h"

#include <array>
#include <cassert>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "codes/base32.h"

namespace coupond::codes {
namespace {

constexpr int tag_length_shift = 57;
constexpr int key_id_shift = 52;
constexpr int batch_shift = 32;

// The printed header is the header XOR a hash of the tag, all but the tag length (which the
// reader needs first, to find the tag). Without it every code of a batch would end in the same
// visible characters and the serial would count up in plain sight; whitening is cosmetic, the
// tag alone carries the security.
std::uint64_t header_whitening(std::uint64_t tag) {
  return XXH3_64bits(&tag, sizeof(tag)) & ((std::uint64_t{1} << tag_length_shift) - 1);
}

// What each input byte becomes: a folded character, "skip" (dash, space) or "refuse". One table
// load per character keeps normalization at about a nanosecond per character.
constexpr char skip = 1;
constexpr char refuse = 0;

constexpr std::array<char, 256> make_normalize_table(bool fold) {
  std::array<char, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) {
    table[c] = static_cast<char>(c);
    table[c - 'A' + 'a'] = static_cast<char>(c);
  }
  if (fold) {
    table['O'] = table['o'] = '0';
    table['I'] = table['i'] = table['L'] = table['l'] = '1';
  }
  table['-'] = table[' '] = skip;
  return table;
}

constexpr std::array<char, 256> folding_table = make_normalize_table(true);
constexpr std::array<char, 256> plain_table = make_normalize_table(false);

// Upper-cases, drops dashes and spaces and, with the folding table, folds look-alikes; false on
// any other character or when the result is empty or longer than max_size.
bool normalize(std::string_view input, const std::array<char, 256>& table, std::size_t max_size,
               NormalizedCode* out) {
  std::size_t size = 0;
  for (char c : input) {
    const char mapped = table[static_cast<unsigned char>(c)];
    if (mapped == skip) continue;
    if (mapped == refuse || size == max_size) return false;
    out->text[size++] = mapped;
  }
  out->size = size;
  return size > 0;
}

// Writes prefix, a dash, then body grouped by group_size with dashes; 0 if it does not fit.
std::size_t write_grouped(std::string_view prefix, const char* body, std::size_t body_size,
                          std::uint32_t group_size, char* out, std::size_t capacity) {
  const std::size_t groups = group_size == 0 ? 1 : (body_size + group_size - 1) / group_size;
  const std::size_t prefix_size = prefix.empty() ? 0 : prefix.size() + 1;
  if (prefix_size + body_size + (groups - 1) > capacity) return 0;
  std::size_t at = prefix.copy(out, prefix.size());
  if (prefix_size > 0) out[at++] = '-';
  // A countdown instead of i % group_size: this runs once per generated code and per answer.
  std::size_t left_in_group = group_size == 0 ? body_size : group_size;
  for (std::size_t i = 0; i < body_size; ++i) {
    if (left_in_group == 0) {
      out[at++] = '-';
      left_in_group = group_size;
    }
    out[at++] = body[i];
    --left_in_group;
  }
  return at;
}

}  // namespace

std::uint64_t pack_header(const CodeHeader& header) {
  assert(header.tag_chars >= tag_chars_min && header.tag_chars <= tag_chars_max);
  return (std::uint64_t{header.tag_chars - tag_chars_min} << tag_length_shift) |
         (std::uint64_t{header.key_id & (keys_max - 1)} << key_id_shift) |
         (std::uint64_t{header.batch_number & ((1u << code_batch_bits) - 1)} << batch_shift) |
         header.serial;
}

CodeHeader unpack_header(std::uint64_t packed) {
  CodeHeader header;
  header.tag_chars = static_cast<std::uint32_t>(packed >> tag_length_shift & 7) + tag_chars_min;
  header.key_id = static_cast<std::uint32_t>(packed >> key_id_shift & (keys_max - 1));
  header.batch_number =
      static_cast<std::uint32_t>(packed >> batch_shift & ((1u << code_batch_bits) - 1));
  header.serial = static_cast<std::uint32_t>(packed);
  return header;
}

bool normalize_signed(std::string_view input, NormalizedCode* out) {
  return normalize(input, folding_table, code_input_max, out);
}

bool normalize_imported(std::string_view input, NormalizedCode* out) {
  return normalize(input, plain_table, imported_code_length_max, out);
}

bool normalize_prefix(std::string_view prefix, NormalizedCode* out) {
  return normalize(prefix, folding_table, prefix_length_max, out);
}

ParseError parse_signed(const NormalizedCode& code, SignedCodeParts* out) {
  if (code.size < header_chars + tag_chars_min) return ParseError::too_short;
  const char* header_text = code.text + code.size - header_chars;
  std::uint64_t packed = 0;
  if (!decode_base32(header_text, header_chars, &packed)) return ParseError::bad_character;
  const std::uint32_t tag_chars = unpack_header(packed).tag_chars;
  if (tag_chars > tag_chars_max || code.size < header_chars + tag_chars) {
    return ParseError::bad_tag_length;
  }
  const char* tag_text = header_text - tag_chars;
  std::uint64_t tag = 0;
  if (!decode_base32(tag_text, tag_chars, &tag)) return ParseError::bad_character;
  out->prefix = std::string_view(code.text, static_cast<std::size_t>(tag_text - code.text));
  out->body = std::string_view(tag_text, tag_chars + header_chars);
  out->header = unpack_header(packed ^ header_whitening(tag));
  out->tag = tag;
  return ParseError::none;
}

std::size_t format_signed(std::string_view normalized_prefix, const CodeHeader& header,
                          std::uint64_t tag, std::uint32_t group_size, char* out,
                          std::size_t capacity) {
  char body[tag_chars_max + header_chars];
  const std::size_t body_size = header.tag_chars + header_chars;
  encode_base32(tag, header.tag_chars, body);
  encode_base32(pack_header(header) ^ header_whitening(tag), header_chars, body + header.tag_chars);

  return write_grouped(normalized_prefix, body, body_size, group_size, out, capacity);
}


std::size_t format_parsed(const SignedCodeParts& parts, std::uint32_t group_size, char* out,
                          std::size_t capacity) {
  return write_grouped(parts.prefix, parts.body.data(), parts.body.size(), group_size, out,
                       capacity);
}

}  // namespace coupond::codes
