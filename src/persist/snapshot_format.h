// The snapshot file's layout, shared by the writer and the reader. docs/storage.md describes it in
// prose.
//
//   snapshots/<covered sequence, 20 digits>.snap
//   = SnapshotHeader (64 bytes)
//   + catalog section: has_imported_codes u8, batch count u32, then per batch: number u32,
//     definition (records::write_definition, its code format u8 last), next_serial u64, revoked u8
//   + one section per shard, in shard order:
//       shard_sequence u64   the journal sequence this shard's copy stands at (see below)
//       capacity u64, count u64, then capacity slots as they are (store/slot_format.h)
//       use count u64, then the use records as they are (store::UseRecord), text bytes u64 + text
//       order index count u64, then (order key u64, use u32) pairs
//       binding count u64, then (key 16 bytes, customer text, segment text)
//       tally count u32, then (batch u32, BatchCounts as 5 x i64, discount_total i128,
//         order_amount_total i128, channel count u32 + (text, i64), segment count u32 + (text, i64),
//         hour count u32 + (i64 hour, i64 count))
//
// Each shard is copied under its own lock, at its own moment: shard_sequence is the last journal
// sequence appended when the copy was made, so the copy holds exactly the shard's changes up to
// it. Replay applies a record to a shard only when it is later than that shard's sequence. The
// catalog is copied first, at covered_sequence, which is at most every shard's: the journal is
// read from covered_sequence + 1 on.
//
// The header's body_checksum is xxh3-64 over everything after the header; header_checksum is
// xxh3-64 over the header's bytes before it. Integers are little-endian (an i128 is its low 64
// bits, then its high 64 bits as an i64); texts are a u32 length and the bytes.
//
// Version 2 widened discount_total and order_amount_total from i64, which wrapped; version 3 added
// each batch definition's tagged fields (campaign limits, code format). Versions 1 and 2 are
// still read, their batches without limits and standard.
#pragma once

#include <cstdint>
#include <string>

namespace coupond::snapshot_format {

inline constexpr std::uint64_t magic = 0x3150414e534e5043;  // "CPNSNAP1"
inline constexpr std::uint32_t format_version = 3;
inline constexpr std::uint32_t format_version_oldest_read = 1;
inline constexpr std::uint32_t format_version_tagged_fields = 3;

struct Header {
  std::uint64_t magic = snapshot_format::magic;
  std::uint32_t format_version = snapshot_format::format_version;
  std::uint32_t shard_count = 0;
  std::uint64_t covered_sequence = 0;
  std::uint64_t coupons = 0;   // occupied slots over all shards
  std::uint64_t uses = 0;      // use records over all shards
  std::uint64_t body_bytes = 0;
  std::uint64_t body_checksum = 0;
  std::uint64_t header_checksum = 0;
};
static_assert(sizeof(Header) == 64);

// How many snapshots are kept: the newest, and one before it in case the newest does not verify.
// The journal is kept from the oldest kept snapshot's sequence on.
inline constexpr std::size_t snapshots_kept = 2;

// "00000000000000000042.snap" for sequence 42; parse_file_name is false for a name that is not a
// snapshot's. A snapshot being written is "snapshot.tmp" until it is complete.
std::string file_name(std::uint64_t covered_sequence);
bool parse_file_name(const std::string& name, std::uint64_t* covered_sequence);

}  // namespace coupond::snapshot_format
