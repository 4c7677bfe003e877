// SipHash-2-4: a hash of short text under a secret key, for tables whose keys an attacker chooses
// (the rate limiters'). Without the key nobody can pick ids that all land in one place of the
// table (hash flooding); xxHash, even seeded, is no defence against that.
#pragma once

#include <cstdint>
#include <string_view>

namespace coupond::api {

struct HashKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

// A key drawn from the operating system's random source, new in each process.
HashKey random_hash_key();

std::uint64_t siphash24(const HashKey& key, std::string_view text);

}  // namespace coupond::api
