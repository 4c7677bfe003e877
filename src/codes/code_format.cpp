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

// The compact layout (code_format.h): the 60 bits where a standard header sits start with 11,
// then the tag's low 21 bits, then the 37 whitened header bits; the 20 bits before them are the
// tag's high bits.
constexpr int compact_mark_shift = 58;
constexpr std::uint64_t compact_mark = 3;
constexpr int compact_tag_low_bits = 21;
constexpr int compact_tag_low_shift = 37;
constexpr std::size_t compact_tag_high_chars = compact_body_chars - header_chars;
constexpr int compact_key_id_shift = 32;
constexpr int compact_batch_shift = 16;
constexpr std::uint32_t compact_field_mask = 0xffff;
static_assert(compact_tag_high_chars * 5 + compact_tag_low_bits == compact_tag_bits);
static_assert(compact_tag_low_shift == compact_key_id_shift + key_id_bits);
static_assert(compact_mark_shift == compact_tag_low_shift + compact_tag_low_bits);
static_assert(tag_chars_max - tag_chars_min < (compact_mark << 1));  // no standard length reads 11x

constexpr std::uint64_t low_bits(int count) { return (std::uint64_t{1} << count) - 1; }

bool is_compact(std::uint64_t header_window) {
  return header_window >> compact_mark_shift == compact_mark;
}

// The printed header is the header XOR a hash of the tag, in the given low bits: all but what the
// reader needs first to find the tag. Without it every code of a batch would end in the same
// visible characters and the serial would count up in plain sight; whitening is cosmetic, the
// tag alone carries the security.
std::uint64_t header_whitening(std::uint64_t tag, int bits) {
  return XXH3_64bits(&tag, sizeof(tag)) & low_bits(bits);
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
  if (header.format == CodeFormat::compact) {
    return (compact_mark << compact_mark_shift) |
           (std::uint64_t{header.key_id & (keys_max - 1)} << compact_key_id_shift) |
           (std::uint64_t{header.batch_number & compact_field_mask} << compact_batch_shift) |
           (header.serial & compact_field_mask);
  }
  assert(header.tag_chars >= tag_chars_min && header.tag_chars <= tag_chars_max);
  return (std::uint64_t{header.tag_chars - tag_chars_min} << tag_length_shift) |
         (std::uint64_t{header.key_id & (keys_max - 1)} << key_id_shift) |
         (std::uint64_t{header.batch_number & ((1u << code_batch_bits) - 1)} << batch_shift) |
         header.serial;
}

CodeHeader unpack_header(std::uint64_t packed) {
  CodeHeader header;
  if (is_compact(packed & low_bits(60))) {
    header.format = CodeFormat::compact;
    header.key_id = static_cast<std::uint32_t>(packed >> compact_key_id_shift & (keys_max - 1));
    header.batch_number =
        static_cast<std::uint32_t>(packed >> compact_batch_shift) & compact_field_mask;
    header.serial = static_cast<std::uint32_t>(packed) & compact_field_mask;
    return header;
  }
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
  // A printed prefix: the partition's name, then the batch's own prefix.
  return normalize(prefix, folding_table, printed_prefix_length_max, out);
}

namespace {

// The compact body: the last 16 characters, whose header window is known to start with 11.
ParseError parse_compact(const NormalizedCode& code, std::uint64_t header_window,
                         SignedCodeParts* out) {
  const char* body = code.text + code.size - compact_body_chars;
  std::uint64_t tag_high = 0;
  if (!decode_base32(body, compact_tag_high_chars, &tag_high)) return ParseError::bad_character;
  const std::uint64_t tag =
      tag_high << compact_tag_low_bits |
      (header_window >> compact_tag_low_shift & low_bits(compact_tag_low_bits));
  const std::uint64_t fields = (header_window ^ header_whitening(tag, compact_tag_low_shift)) &
                               low_bits(compact_tag_low_shift);
  out->prefix = std::string_view(code.text, code.size - compact_body_chars);
  out->body = std::string_view(body, compact_body_chars);
  out->header = unpack_header(compact_mark << compact_mark_shift | fields);
  out->tag = tag;
  return ParseError::none;
}

}  // namespace

ParseError parse_signed(const NormalizedCode& code, SignedCodeParts* out) {
  if (code.size < compact_body_chars) return ParseError::too_short;
  const char* header_text = code.text + code.size - header_chars;
  std::uint64_t packed = 0;
  if (!decode_base32(header_text, header_chars, &packed)) return ParseError::bad_character;
  if (is_compact(packed)) return parse_compact(code, packed, out);
  const std::uint32_t tag_chars = unpack_header(packed).tag_chars;
  if (tag_chars > tag_chars_max || code.size < header_chars + tag_chars) {
    return ParseError::bad_tag_length;
  }
  const char* tag_text = header_text - tag_chars;
  std::uint64_t tag = 0;
  if (!decode_base32(tag_text, tag_chars, &tag)) return ParseError::bad_character;
  out->prefix = std::string_view(code.text, static_cast<std::size_t>(tag_text - code.text));
  out->body = std::string_view(tag_text, tag_chars + header_chars);
  out->header = unpack_header(packed ^ header_whitening(tag, tag_length_shift));
  out->tag = tag;
  return ParseError::none;
}

std::size_t format_signed(std::string_view prefix, const CodeHeader& header, std::uint64_t tag,
                          std::uint32_t group_size, char* out, std::size_t capacity) {
  char body[tag_chars_max + header_chars];
  static_assert(sizeof(body) >= compact_body_chars);
  std::size_t body_size = 0;
  if (header.format == CodeFormat::compact) {
    const std::uint64_t packed = pack_header(header);
    const std::uint64_t header_window =
        (packed & ~low_bits(compact_tag_low_shift)) |
        (tag & low_bits(compact_tag_low_bits)) << compact_tag_low_shift |
        ((packed ^ header_whitening(tag, compact_tag_low_shift)) & low_bits(compact_tag_low_shift));
    encode_base32(tag >> compact_tag_low_bits, compact_tag_high_chars, body);
    encode_base32(header_window, header_chars, body + compact_tag_high_chars);
    body_size = compact_body_chars;
  } else {
    encode_base32(tag, header.tag_chars, body);
    encode_base32(pack_header(header) ^ header_whitening(tag, tag_length_shift), header_chars,
                  body + header.tag_chars);
    body_size = header.tag_chars + header_chars;
  }
  return write_grouped(prefix, body, body_size, group_size, out, capacity);
}

std::size_t format_parsed(std::string_view prefix, const SignedCodeParts& parts,
                          std::uint32_t group_size, char* out, std::size_t capacity) {
  return write_grouped(prefix, parts.body.data(), parts.body.size(), group_size, out, capacity);
}

}  // namespace coupond::codes
