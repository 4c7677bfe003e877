// Signs and verifies code headers with HMAC-SHA256, and derives the keyed hashes the table uses
// for imported codes and bound customers.
//
// Verification is on every request's path, so the keyed SHA-256 inner and outer states are
// computed once per key and copied per call: two SHA-256 compressions instead of four, and no
// allocation. A Signer is immutable after load and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "coupond/limits.h"
#include "coupond/status.h"

namespace coupond::codes {

inline constexpr std::size_t key_bytes = 32;

// 128 bits, used as the table key of an imported code.
struct Hash128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

class Signer {
 public:
  // Loads the key file at path; when it does not exist and create_if_missing is set, creates it
  // with mode 0600 holding one fresh signing key (id 1) and one lookup key, from RAND_bytes.
  // The file format is text, one key per line (see docs/codes.md):
  //     lookup <64 hex digits>
  //     sign <id 0..31> <64 hex digits>
  // The highest sign id signs new codes; every listed id verifies. Key material never appears in
  // a Status message.
  static Status open(const std::filesystem::path& path, bool create_if_missing,
                     std::unique_ptr<Signer>* out);

  // For tests and benchmarks: a signer from raw keys, signing with the highest id given.
  static std::unique_ptr<Signer> from_keys(
      const std::array<std::uint8_t, key_bytes>& lookup_key,
      const std::array<std::array<std::uint8_t, key_bytes>, keys_max>& sign_keys,
      std::uint32_t sign_key_mask);

  ~Signer();

  std::uint32_t signing_key_id() const;
  bool has_key(std::uint32_t key_id) const;

  // The first tag_bits of HMAC-SHA256(key[key_id], big-endian packed header), right-aligned.
  // key_id must be present (has_key).
  std::uint64_t tag(std::uint32_t key_id, std::uint64_t packed_header, std::uint32_t tag_bits) const;

  // Recomputes the tag and compares it in constant time (CRYPTO_memcmp). False for an unknown
  // key id.
  bool verify(std::uint64_t packed_header, std::uint32_t key_id, std::uint64_t tag,
              std::uint32_t tag_bits) const;

  // HMAC-SHA256 under the lookup key, truncated to 128 bits: the table key of an imported code
  // (its normalized text). The lookup key never rotates, since the table is keyed by it.
  Hash128 lookup_hash(std::string_view text) const;

  // The same keyed hash truncated to 64 bits, never 0: a bound customer's id as the table holds it.
  std::uint64_t customer_hash(std::string_view customer) const;

 private:
  Signer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coupond::codes
