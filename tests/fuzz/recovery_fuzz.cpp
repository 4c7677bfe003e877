// Fuzzes recovery from the journal (src/persist/recovery.cpp) through Engine::open, over a data
// directory whose journal is one segment made from the input (journal_input.h): every record the
// reader hands over is applied as the change it records, whatever its payload says.
//
// Properties: opening either refuses or gives an engine whose seed coupons can be used; and that
// engine writes a snapshot that opens again to the same coupons and batch figures.
#include "persist/journal_records.h"
#include "engine_checks.h"
#include "journal/journal_reader.h"
#include "journal_input.h"

using namespace coupond;

namespace {

// A record that generates millions of codes is a journal's right, and replaying it takes as long
// as it takes: such inputs are passed over, not reported as hangs.
constexpr std::uint64_t generated_codes_max = 10'000;

bool generates_too_many(const std::filesystem::path& journal_directory) {
  bool too_many = false;
  journal::ReplayOptions options;
  options.directory = journal_directory;
  journal::ReplayReport report;
  journal::replay_journal(
      options,
      [&](const journal::JournalRecord& record) {
        records::CodesGenerated generated;
        if (record.type == journal::RecordType::codes_generated &&
            records::decode(record.payload, &generated) && generated.count > generated_codes_max) {
          too_many = true;
        }
        return Status::ok();
      },
      &report);
  return too_many;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const fuzz::JournalInput input = fuzz::journal_input(bytes);
  EngineOptions options = fuzz::engine_options(fuzz::scratch_directory() / "data");
  options.truncate_corrupt_journal = input.truncate_corrupt();
  std::filesystem::remove_all(options.data_dir);
  fuzz::write_journal(options.data_dir / "journal", input);
  if (generates_too_many(options.data_dir / "journal")) return 0;
  fuzz::write_journal(options.data_dir / "journal", input);  // as it was before any repair

  std::unique_ptr<Engine> engine;
  if (!Engine::open(options, &engine).is_ok()) return 0;
  fuzz::use_seed_coupons(*engine);
  fuzz::check_snapshot_round_trip(options, engine);
  return 0;
}
