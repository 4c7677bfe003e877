#include "rules/text_check.h"

#include <cstdint>

namespace coupond::rules {
namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The code point at text[*at], advancing *at past it; false when the bytes there are not UTF-8.
bool next_code_point(std::string_view text, std::size_t* at, std::uint32_t* out) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*at);
  std::size_t length = 0;
  std::uint32_t value = 0;
  std::uint32_t smallest = 0;  // below it, the form is overlong
  if (lead < 0x80) {
    length = 1;
    value = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    value = lead & 0x1F;
    smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    value = lead & 0x0F;
    smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    value = lead & 0x07;
    smallest = 0x10000;
  } else {
    return false;
  }
  if (text.size() - *at < length) return false;
  for (std::size_t i = 1; i < length; ++i) {
    if (!is_continuation(byte(*at + i))) return false;
    value = (value << 6) | (byte(*at + i) & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  *at += length;
  *out = value;
  return true;
}

bool is_control(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

bool is_clean_text(std::string_view text) {
  std::size_t at = 0;
  std::uint32_t code_point = 0;
  while (at < text.size()) {
    if (!next_code_point(text, &at, &code_point) || is_control(code_point)) return false;
  }
  return true;
}

std::string check_field_text(std::string_view field, std::string_view text,
                             std::size_t length_max) {
  if (text.size() > length_max) {
    return std::string(field) + " must be at most " + std::to_string(length_max) + " bytes";
  }
  if (!is_clean_text(text)) {
    return std::string(field) + " must be UTF-8 text without control characters";
  }
  return {};
}

}  // namespace coupond::rules
