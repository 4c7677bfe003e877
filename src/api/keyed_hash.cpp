#include "api/keyed_hash.h"

#include <bit>
#include <random>

namespace coupond::api {
namespace {

std::uint64_t load_little_endian(const unsigned char* bytes, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
  return value;
}

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }
  void absorb(std::uint64_t word) {
    v3 ^= word;
    round();
    round();
    v0 ^= word;
  }
};

}  // namespace

HashKey random_hash_key() {
  std::random_device source;  // getrandom(2) on Linux
  auto word = [&source] { return (std::uint64_t{source()} << 32) | source(); };
  return HashKey{word(), word()};
}

std::uint64_t siphash24(const HashKey& key, std::string_view text) {
  SipState state{0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1,
                 0x6c7967656e657261ULL ^ key.k0, 0x7465646279746573ULL ^ key.k1};
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t whole = text.size() - text.size() % 8;
  for (std::size_t i = 0; i < whole; i += 8) state.absorb(load_little_endian(bytes + i, 8));
  state.absorb((std::uint64_t{text.size()} << 56) |
               load_little_endian(bytes + whole, text.size() - whole));
  state.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) state.round();
  return state.v0 ^ state.v1 ^ state.v2 ^ state.v3;
}

}  // namespace coupond::api
