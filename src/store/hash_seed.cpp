#include "store/hash_seed.h"

#include <sys/random.h>
#include <xxhash.h>

#include <random>

namespace coupond::store {

std::uint64_t process_hash_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t drawn = 0;
    if (::getrandom(&drawn, sizeof(drawn), 0) != static_cast<ssize_t>(sizeof(drawn))) {
      std::random_device device;
      drawn = (std::uint64_t{device()} << 32) | device();
    }
    return drawn;
  }();
  return seed;
}

std::size_t SeededHash::operator()(std::uint64_t key) const {
  return XXH3_64bits_withSeed(&key, sizeof(key), seed);
}

std::size_t SeededHash::operator()(std::string_view text) const {
  return XXH3_64bits_withSeed(text.data(), text.size(), seed);
}

}  // namespace coupond::store
