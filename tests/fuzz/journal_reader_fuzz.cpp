// Fuzzes the journal reader (src/journal/journal_reader.*) on a directory holding one segment
// made from the input (journal_input.h), and the engine's record decoders on every payload it
// hands out.
//
// Properties: records come out in sequence, one apart, all after the snapshot's sequence; and
// whatever a successful replay repaired, replaying the repaired directory again succeeds with no
// repair and gives the same records.
#include <vector>

#include "persist/journal_records.h"
#include "journal/journal_reader.h"
#include "journal_input.h"

using namespace coupond;
using namespace coupond::journal;

namespace {

// Decodes a payload as its type says, as recovery would; the answer does not matter here.
void decode(const JournalRecord& record) {
  switch (record.type) {
    case RecordType::batch_created:
    case RecordType::batch_updated: {
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
    case RecordType::use_given_back:
    case RecordType::hold_lapsed: {
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
    case RecordType::codes_imported_from_file: {
      records::CodesImportedFromFile decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::uses_compacted: {
      records::UsesCompacted decoded;
      records::decode(record.payload, &decoded);
      break;
    }
    case RecordType::changes_together: {
      records::ChangesTogether decoded;
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
  const fuzz::JournalInput input = fuzz::journal_input(bytes);
  ReplayOptions options;
  options.directory = fuzz::scratch_directory() / "journal";
  options.after_sequence = input.first_sequence - 1 + (input.mode >> 2) % 4;
  options.truncate_corrupt = input.truncate_corrupt();
  fuzz::write_journal(options.directory, input);

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
