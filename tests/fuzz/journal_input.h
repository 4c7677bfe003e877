// A journal segment made from the fuzzer's bytes, shared by the journal reader and recovery
// targets: either the bytes as they are, or records the bytes describe with their checksums made
// right and then one byte flipped or the tail cut, so that the fuzzer reaches what lies behind the
// checksums instead of stopping at the first one.
#pragma once

#include <algorithm>
#include <string>

#include "fuzz_support.h"
#include "journal/journal_format.h"

namespace coupond::fuzz {

// Built form: damage kind (byte; its high bit first pads the records with zeros, as in a
// preallocated segment), damage offset (u16), then records, each a payload length byte, a type
// byte and the payload.
inline std::string built_segment(FuzzBytes& bytes, std::uint64_t first_sequence) {
  journal::SegmentHeader header;
  header.first_sequence = first_sequence;
  header.checksum = journal::segment_header_checksum(header);
  std::string segment(reinterpret_cast<const char*>(&header), sizeof(header));
  const std::uint8_t damage = bytes.byte();
  const auto damage_at = bytes.integer<std::uint16_t>();
  std::uint64_t sequence = first_sequence;
  std::string_view rest = bytes.rest();
  while (rest.size() >= 2) {
    journal::RecordHeader record;
    const std::string_view payload =
        rest.substr(2, std::min<std::size_t>(static_cast<std::uint8_t>(rest[0]), rest.size() - 2));
    record.type = static_cast<std::uint8_t>(rest[1]) % (journal::record_type_max + 1);
    rest.remove_prefix(2 + payload.size());
    record.payload_bytes = static_cast<std::uint32_t>(payload.size());
    record.sequence = sequence++;
    record.checksum = journal::record_checksum(record, payload.data());
    segment.append(reinterpret_cast<const char*>(&record), sizeof(record)).append(payload);
  }
  if ((damage & 0x80) != 0) segment.resize(segment.size() + 256, '\0');
  if (damage % 3 == 1) segment[damage_at % segment.size()] ^= static_cast<char>(damage | 1);
  if (damage % 3 == 2) segment.resize(damage_at % segment.size());
  return segment;
}

// The input's choices and its segment: mode byte (bit 0 raw, bit 1 truncate_corrupt, bits 2-3
// how many records a snapshot would cover), first sequence byte, then the segment.
struct JournalInput {
  std::uint8_t mode = 0;
  std::uint64_t first_sequence = 1;
  std::string segment;
  bool truncate_corrupt() const { return (mode & 2) != 0; }
};

inline JournalInput journal_input(FuzzBytes& bytes) {
  JournalInput input;
  input.mode = bytes.byte();
  input.first_sequence = 1 + bytes.byte() % 4;
  input.segment = (input.mode & 1) != 0 ? std::string(bytes.rest())
                                        : built_segment(bytes, input.first_sequence);
  return input;
}

// Writes the segment as the only one of directory, made empty first.
inline void write_journal(const std::filesystem::path& directory, const JournalInput& input) {
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  write_file(directory / journal::segment_file_name(input.first_sequence), input.segment);
}

}  // namespace coupond::fuzz
