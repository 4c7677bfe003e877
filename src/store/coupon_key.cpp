#include "store/coupon_key.h"

#include <xxhash.h>

namespace coupond::store {

std::uint64_t hash_key(const CouponKey& key) {
  const std::uint64_t words[2] = {key.high, key.low};
  return XXH3_64bits(words, sizeof(words));
}

}  // namespace coupond::store
