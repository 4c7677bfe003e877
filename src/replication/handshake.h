// The opening of a replication connection: the primary sends a fresh nonce, the standby answers
// with who it is, where its journal ends, and two proofs over the nonce: one keyed with the admin
// token (it may replicate) and one keyed with the HMAC key file (its codes verify here). Proofs,
// not the secrets themselves: the link is plain TCP, and neither secret may cross it; a fresh
// nonce per connection makes a recorded hello useless. docs/replication.md has the layout.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "coupond/status.h"

namespace coupond::replication {

using Digest = std::array<unsigned char, 32>;

struct Challenge {
  std::uint32_t version = 0;
  Digest nonce{};
};

struct Hello {
  std::uint32_t version = 0;
  std::string node;
  std::uint64_t last_sequence = 0;  // the standby's journal's last record (0: none)
  // record_identity of that record; 0 when the standby cannot read it (a base copy's snapshot
  // covers it, or it has none).
  std::uint64_t last_identity = 0;
  Digest token_proof{};
  Digest key_proof{};
};

enum class StartMode : std::uint8_t { records = 1, base_copy = 2 };

struct Start {
  StartMode mode = StartMode::records;
  std::uint64_t primary_sequence = 0;  // the primary's durable sequence when it answered
};

// The room a primary gives each message a standby sends: its hello (a few fields, two digests and
// a node name of at most 64 characters fit several times over), from a peer that proved nothing
// yet, and then its acks.
inline constexpr std::uint32_t hello_bytes_max = 1024;

Challenge new_challenge();
std::string encode(const Challenge& challenge);
bool decode(std::string_view body, Challenge* out);
std::string encode(const Hello& hello);
bool decode(std::string_view body, Hello* out);
std::string encode(const Start& start);
bool decode(std::string_view body, Start* out);

// HMAC-SHA256 of the nonce with the admin token, and with the key file's bytes.
Digest token_proof(std::string_view admin_token, const Digest& nonce);
Status key_proof(const std::filesystem::path& key_file, const Digest& nonce, Digest* out);
bool same_digest(const Digest& a, const Digest& b);  // in constant time

// Node names become metric labels and log words: 1 to 64 of letters, digits, '.', '_', '-'.
bool valid_node_name(std::string_view node);

}  // namespace coupond::replication
