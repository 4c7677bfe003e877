// The journal's on-disk format, shared by the writer and the reader (and by anyone who dumps a
// journal by hand). docs/storage.md describes the same layout in prose.
//
//   journal directory = segment files named <first sequence, 20 digits>.log, in sequence order,
//                       and the next segment, made ahead, under prepared_segment_file_name
//   segment file      = SegmentHeader (32 bytes) + records, back to back, no padding
//                       + zeros to the segment's preallocated size (version 3)
//   record            = RecordHeader (24 bytes) + payload (payload_bytes bytes)
//
// Sequence numbers start at 1 and rise by exactly one from record to record, across segments: a
// gap means a lost record. A record's checksum is xxh3-64 over its header bytes after the checksum
// field (payload_bytes, type, group position, sequence) followed by its payload, so a torn write, a
// flipped bit or a record written at the wrong place all fail to verify. Integers are
// little-endian.
//
// Format version 2 marks groups: the records the writer wrote with one write and made durable with
// one fdatasync. Each record says how many records of its group came before it, so the reader can
// tell a torn group write (a damaged record followed only by later records of its own group: the
// group's sync never completed, nothing in it was acknowledged) from corruption (a damaged record
// followed by a record of a later group, which was written only after the damaged one's sync).
// Version 1 segments carry zeros there (every record its own group) and are still read.
//
// Format version 3 segments are preallocated: the file is written with zeros to its full size
// before its first record, and records are written over the zeros in place. The segment ends
// where only zeros remain to the file's end. No record begins with 24 zero bytes: a record's
// sequence is at least 1, so its header always holds a byte that is not zero; and a damaged
// record followed by anything but zeros is judged as in the versions before (torn or corrupt).
// Versions 1 and 2 end at the file's end and are read as before.
#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace coupond::journal {

static_assert(std::endian::native == std::endian::little, "the formats are little-endian");

inline constexpr std::uint64_t segment_magic = 0x314c4e524a4e5043;  // "CPNJRNL1"
inline constexpr std::uint32_t segment_format_version = 3;
// The oldest version the reader still reads: version 1 has no group marks.
inline constexpr std::uint32_t segment_format_version_min = 1;
// The first version whose segments are preallocated (a zero tail is their end).
inline constexpr std::uint32_t segment_format_version_preallocated = 3;

// The next segment while it is made ahead (journal/next_segment.h): not a segment's name, so
// that readers pass it over; renamed to its segment's name when the writer starts using it.
inline constexpr char prepared_segment_file_name[] = "next-segment.prepared";

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
  // How many records of this record's group come before it, 24 bits little-endian (version 2;
  // zero in version 1). group_position() and set_group_position() read and write it.
  std::uint8_t group_position_bytes[3] = {};
  std::uint64_t sequence = 0;  // at least 1: a header of zeros is never a record's
};
static_assert(sizeof(RecordHeader) == 24);

// The largest group position: a group of more records is marked as several groups in a row, which
// can only make the reader call a torn write corruption, never the other way round.
inline constexpr std::uint32_t group_position_max = (1u << 24) - 1;

inline std::uint32_t group_position(const RecordHeader& header) {
  return header.group_position_bytes[0] | (std::uint32_t{header.group_position_bytes[1]} << 8) |
         (std::uint32_t{header.group_position_bytes[2]} << 16);
}
inline void set_group_position(RecordHeader* header, std::uint32_t position) {
  header->group_position_bytes[0] = static_cast<std::uint8_t>(position);
  header->group_position_bytes[1] = static_cast<std::uint8_t>(position >> 8);
  header->group_position_bytes[2] = static_cast<std::uint8_t>(position >> 16);
}

// The largest payload a record may carry: a load of a million imported codes with customers fits
// several times over. A header claiming more is damage, not a record.
inline constexpr std::uint32_t record_payload_bytes_max = 256u << 20;

// What a state change is. The engine gives each type its payload (src/persist/journal_records.h);
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
  uses_compacted = 10,  // a snapshot dropped a shard's uses no longer in force and renumbered it
  hold_lapsed = 11,  // a hold ended unconfirmed (its expiry passed, or its coupon was revoked)
  codes_imported_from_file = 12,  // codes_imported's payload in a file beside the journal
  changes_together = 13,  // several of the above about different coupons, made as one (a stack)
  batch_updated = 14,  // a batch's new definition (PATCH); the payload of batch_created
};
inline constexpr std::uint8_t record_type_max = 14;

// "00000000000000000042.log" for sequence 42.
std::string segment_file_name(std::uint64_t first_sequence);
// The first sequence a segment file's name gives, or 0 when the name is not a segment's.
std::uint64_t parse_segment_file_name(const std::string& name);

std::uint64_t segment_header_checksum(const SegmentHeader& header);
std::uint64_t record_checksum(const RecordHeader& header, const void* payload);

}  // namespace coupond::journal
