// The journal's on-disk format, shared by the writer and the reader (and by anyone who dumps a
// journal by hand). docs/storage.md describes the same layout in prose.
//
//   journal directory = segment files named <first sequence, 20 digits>.log, in sequence order
//   segment file      = SegmentHeader (32 bytes) + records, back to back, no padding
//   record            = RecordHeader (24 bytes) + payload (payload_bytes bytes)
//
// Sequence numbers start at 1 and rise by exactly one from record to record, across segments: a
// gap means a lost record. A record's checksum is xxh3-64 over its header bytes after the checksum
// field (payload_bytes, type, sequence) followed by its payload, so a torn write, a flipped bit or
// a record written at the wrong place all fail to verify. Integers are little-endian.
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace coupond::journal {

static_assert(std::endian::native == std::endian::little, "the formats are little-endian");

inline constexpr std::uint64_t segment_magic = 0x314c4e524a4e5043;  // "CPNJRNL1"
inline constexpr std::uint32_t segment_format_version = 1;

struct SegmentHeader {
  std::uint64_t magic = segment_magic;
  std::uint32_t format_version = segment_format_version;
  std::uint32_t header_bytes = sizeof(SegmentHeader);
  std::uint64_t first_sequence = 0;  // the sequence of the segment's first record
  std::uint64_t checksum = 0;        // xxh3-64 of the 24 bytes above
};
static_assert(sizeof(SegmentHeader) == 32);

struct RecordHeader {
  std::uint64_t checksum = 0;
  std::uint32_t payload_bytes = 0;
  std::uint8_t type = 0;
  std::uint8_t reserved[3] = {};
  std::uint64_t sequence = 0;
};
static_assert(sizeof(RecordHeader) == 24);

// The largest payload a record may carry: a load of a million imported codes with customers fits
// several times over. A header claiming more is damage, not a record.
inline constexpr std::uint32_t record_payload_bytes_max = 256u << 20;

// What a state change is. The engine gives each type its payload (src/engine/journal_records.h);
// the journal itself only moves bytes. Values are on disk: never renumber, only add.
enum class RecordType : std::uint8_t {
  batch_created = 1,
  codes_generated = 2,
  codes_generated_for_customers = 3,
  codes_imported = 4,
  use_taken = 5,       // a redemption or a hold
  hold_confirmed = 6,  // a held use became a redemption
  use_given_back = 7,  // a rollback
  code_revoked = 8,
  batch_revoked = 9,
  hold_lapsed = 10,  // a hold ended unconfirmed (its expiry passed, or its coupon was revoked)
};
inline constexpr std::uint8_t record_type_max = 10;

// "00000000000000000042.log" for sequence 42.
std::string segment_file_name(std::uint64_t first_sequence);
// The first sequence a segment file's name gives, or 0 when the name is not a segment's.
std::uint64_t parse_segment_file_name(const std::string& name);

std::uint64_t segment_header_checksum(const SegmentHeader& header);
std::uint64_t record_checksum(const RecordHeader& header, const void* payload);

}  // namespace coupond::journal
