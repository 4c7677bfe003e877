// Fuzzes the journal reader (src/journal/journal_reader.*) on a directory holding one segment
// made from the input, and the engine's record decoders on every payload it hands out. The
// segment is either the input's bytes as they are, or records the input describes with their
// checksums made right and then one byte flipped or the tail cut, so that the fuzzer reaches the
// torn-tail and corruption rules instead of stopping at the first checksum.
//
// Properties: records come out in sequence, one apart, all after the snapshot's sequence; and
// whatever a successful replay repaired, replaying the repaired directory again succeeds with no
// repair and gives the same records.
#include <vector>

#include "engine/journal_records.h"
#include "fuzz_support.h"
#include "journal/journal_format.h"
#include "journal/journal_reader.h"

using namespace coupond;
using namespace coupond::journal;

namespace {

// Segment header and records with right checksums: each record is a payload length byte, a type
// byte and the payload.
std::string built_segment(fuzz::FuzzBytes& bytes, std::uint64_t first_sequence) {
  SegmentHeader header;
  header.first_sequence = first_sequence;
  header.checksum = segment_header_checksum(header);
  std::string segment(reinterpret_cast<const char*>(&header), sizeof(header));
  const std::uint8_t damage = bytes.byte();
  const auto damage_at = bytes.integer<std::uint16_t>();
  std::uint64_t sequence = first_sequence;
  std::string_view rest = bytes.rest();
  while (rest.size() >= 2) {
    RecordHeader record;
    const std::string_view payload =
        rest.substr(2, std::min<std::size_t>(static_cast<std::uint8_t>(rest[0]), rest.size() - 2));
    record.type = static_cast<std::uint8_t>(rest[1]) % (record_type_max + 1);
    rest.remove_prefix(2 + payload.size());
    record.payload_bytes = static_cast<std::uint32_t>(payload.size());
    record.sequence = sequence++;
    record.checksum = record_checksum(record, payload.data());
    segment.append(reinterpret_cast<const char*>(&record), sizeof(record)).append(payload);
  }
  if (damage % 3 == 1) segment[damage_at % segment.size()] ^= static_cast<char>(damage | 1);
  if (damage % 3 == 2) segment.resize(damage_at % segment.size());
  return segment;
}

// Decodes a payload as its type says, as recovery would; the answer does not matter here.
void decode(const JournalRecord& record) {
  switch (record.type) {
    case RecordType::batch_created: {
      records::BatchCreated decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::codes_generated: {
      records::CodesGenerated decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::codes_generated_for_customers:
    case RecordType::codes_imported: {
      records::CodesLoaded decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::use_taken: {
      records::UseTaken decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::hold_confirmed:
    case RecordType::use_given_back: {
      records::UseChanged decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::code_revoked: {
      records::CodeRevoked decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::batch_revoked: {
      records::BatchRevoked decoded;
      records::decode(record.payload, &decoded);
      break;
    }
  }
}

struct Replayed {
  Status status;
  ReplayReport report;
  std::vector<std::uint64_t> sequences;
};

Replayed replay(const ReplayOptions& options) {
  Replayed replayed;
  replayed.status = replay_journal(
      options,
      [&](const JournalRecord& record) {
        FUZZ_REQUIRE(record.sequence > options.after_sequence);
        FUZZ_REQUIRE(replayed.sequences.empty() || record.sequence == replayed.sequences.back() + 1);
        replayed.sequences.push_back(record.sequence);
        decode(record);
        return Status::ok();
      },
      &replayed.report);
  return replayed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const std::uint8_t mode = bytes.byte();
  const std::uint64_t first_sequence = 1 + bytes.byte() % 4;
  ReplayOptions options;
  options.directory = fuzz::scratch_directory() / "journal";
  options.after_sequence = first_sequence - 1 + (mode >> 2) % 4;
  options.truncate_corrupt = (mode & 2) != 0;
  std::filesystem::remove_all(options.directory);
  std::filesystem::create_directories(options.directory);
  const std::string segment =
      (mode & 1) != 0 ? std::string(bytes.rest()) : built_segment(bytes, first_sequence);
  fuzz::write_file(options.directory / segment_file_name(first_sequence), segment);

  const Replayed first = replay(options);
  if (!first.status.is_ok()) return 0;
  FUZZ_REQUIRE(first.report.records_applied == first.sequences.size());
  FUZZ_REQUIRE(first.report.last_sequence >= options.after_sequence);
  FUZZ_REQUIRE(first.sequences.empty() || first.report.last_sequence == first.sequences.back());

  const Replayed again = replay(options);
  FUZZ_REQUIRE(again.status.is_ok());
  FUZZ_REQUIRE(again.report.repairs.empty());
  FUZZ_REQUIRE(again.sequences == first.sequences);
  FUZZ_REQUIRE(again.report.last_sequence == first.report.last_sequence);
  return 0;
}
