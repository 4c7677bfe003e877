#include "codes/base32.h"

#include <array>

namespace coupond::codes {
namespace {

constexpr std::uint8_t invalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = invalid;
  for (std::uint8_t i = 0; i < 32; ++i) {
    table[static_cast<unsigned char>(base32_alphabet[i])] = i;
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> decode_table = make_decode_table();

}  // namespace

void encode_base32(std::uint64_t value, std::size_t chars, char* out) {
  for (std::size_t i = chars; i > 0; --i) {
    out[i - 1] = base32_alphabet[value & 31];
    value >>= 5;
  }
}

bool decode_base32(const char* text, std::size_t chars, std::uint64_t* value) {
  std::uint64_t result = 0;
  for (std::size_t i = 0; i < chars; ++i) {
    const std::uint8_t digit = decode_table[static_cast<unsigned char>(text[i])];
    if (digit == invalid) return false;
    result = (result << 5) | digit;
  }
  *value = result;
  return true;
}

}  // namespace coupond::codes
