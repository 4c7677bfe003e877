// A large import's codes kept in a file beside the journal (journal/load_file.h): the file's life
// from pending to named to removed, what start-up does with one that is missing, damaged or named
// by no record, and that the engine's imports go there and come back from there.
#include "journal/load_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "journal/journal_reader.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using testing::EngineFixture;
using testing::TemporaryDirectory;
using testing::amount_off_batch;

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(directory, ignored)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Bytes larger than one flush chunk, so that writing them takes several.
std::string large_payload() {
  std::string payload;
  for (int i = 0; payload.size() < (9u << 20); ++i) payload += "line " + std::to_string(i) + "\n";
  return payload;
}

TEST(LoadFile, IsWrittenPendingThenNamedAndReadBackWhole) {
  TemporaryDirectory directory;
  const fs::path imports = directory.path() / "imports";
  const std::string payload = large_payload();
  journal::LoadFileRef ref;
  ASSERT_TRUE(journal::write_load_file(imports, payload, &ref).is_ok());
  EXPECT_EQ(ref.bytes, payload.size());
  EXPECT_EQ(files_in(imports),
            std::vector<fs::path>{imports / journal::pending_load_file_name(ref.id)});
  ASSERT_TRUE(journal::name_load_file(imports, ref, 42).is_ok());
  EXPECT_EQ(files_in(imports), std::vector<fs::path>{imports / "00000000000000000042.codes"});
  std::string read;
  ASSERT_TRUE(journal::read_load_file(imports, ref, 42, &read).is_ok());
  EXPECT_EQ(read, payload);
}

TEST(LoadFile, OneStillPendingIsNamedWhenItsRecordIsRead) {
  // A crash between the record's append and the rename: the record names the pending file.
  TemporaryDirectory directory;
  const fs::path imports = directory.path() / "imports";
  journal::LoadFileRef ref;
  ASSERT_TRUE(journal::write_load_file(imports, "codes", &ref).is_ok());
  std::string read;
  ASSERT_TRUE(journal::read_load_file(imports, ref, 7, &read).is_ok());
  EXPECT_EQ(read, "codes");
  EXPECT_EQ(files_in(imports), std::vector<fs::path>{imports / journal::load_file_name(7)});
}

TEST(LoadFile, AMissingOrDamagedFileIsAnErrorThatNamesIt) {
  TemporaryDirectory directory;
  const fs::path imports = directory.path() / "imports";
  journal::LoadFileRef ref;
  ASSERT_TRUE(journal::write_load_file(imports, "some codes", &ref).is_ok());
  ASSERT_TRUE(journal::name_load_file(imports, ref, 3).is_ok());
  const fs::path named = imports / journal::load_file_name(3);
  std::string read;

  write_bytes(named, "some codez");
  Status status = journal::read_load_file(imports, ref, 3, &read);
  EXPECT_EQ(status.code(), Status::Code::corruption);
  EXPECT_NE(status.message().find(named.string()), std::string::npos) << status.message();

  write_bytes(named, "some codes and more");
  EXPECT_FALSE(journal::read_load_file(imports, ref, 3, &read).is_ok());

  // A length past any load is refused before anything is read (or allocated).
  journal::LoadFileRef huge = ref;
  huge.bytes = std::uint64_t{1} << 60;
  EXPECT_EQ(journal::read_load_file(imports, huge, 3, &read).code(), Status::Code::corruption);

  fs::remove(named);
  status = journal::read_load_file(imports, ref, 3, &read);
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find(named.string()), std::string::npos) << status.message();
}

TEST(LoadFile, RemovalKeepsWhatARecordMayStillNeed) {
  TemporaryDirectory directory;
  const fs::path imports = directory.path() / "imports";
  for (const std::uint64_t sequence : {5u, 9u, 14u}) {
    journal::LoadFileRef ref;
    ASSERT_TRUE(journal::write_load_file(imports, "x", &ref).is_ok());
    ASSERT_TRUE(journal::name_load_file(imports, ref, sequence).is_ok());
  }
  journal::LoadFileRef pending;
  ASSERT_TRUE(journal::write_load_file(imports, "y", &pending).is_ok());
  write_bytes(imports / "notes.txt", "an operator's");

  // A snapshot covers up to 9: the files of records 5 and 9 go.
  EXPECT_EQ(journal::remove_load_files_through(imports, 9), 2u);
  EXPECT_EQ(files_in(imports),
            (std::vector<fs::path>{imports / journal::load_file_name(14), imports / "notes.txt",
                                   imports / journal::pending_load_file_name(pending.id)}));
  // A start whose journal ends at 13: record 14 never became durable, and no record names the
  // pending file; what is not a load file stays.
  EXPECT_EQ(journal::remove_unused_load_files(imports, 13), 2u);
  EXPECT_EQ(files_in(imports), std::vector<fs::path>{imports / "notes.txt"});
}

// A large import through the engine, and the codes it holds.
struct LargeImport {
  static constexpr int count = 5'000;
  std::vector<ImportLine> lines;
  std::vector<std::string> texts;

  LargeImport() {
    texts.reserve(count * 2);
    for (int i = 0; i < count; ++i) {
      texts.push_back(testing::numbered("BESIDE", i));
      texts.push_back(i % 3 == 0 ? testing::numbered("cust-", i) : std::string());
    }
    for (int i = 0; i < count; ++i) {
      const std::string& customer = texts[static_cast<std::size_t>(2 * i + 1)];
      lines.push_back(
          {texts[static_cast<std::size_t>(2 * i)], customer, customer.empty() ? "" : "vip"});
    }
  }

  void run(EngineFixture& fixture) const {
    fixture.create(amount_off_batch("partner"));
    ImportResult result;
    const Status status = fixture.engine->import_codes("partner", lines, &result);
    ASSERT_TRUE(status.is_ok()) << status.message();
    ASSERT_EQ(result.imported, static_cast<std::uint64_t>(count));
  }

  // Every code is loaded, bound to its customer where it was.
  void expect_loaded(Engine& engine) const {
    for (const ImportLine& line : lines) {
      CouponDescription description;
      ASSERT_TRUE(engine.describe_coupon(line.code, &description).is_ok()) << line.code;
      EXPECT_EQ(description.customer, line.customer) << line.code;
    }
    BatchReport report;
    ASSERT_TRUE(engine.batch_report("partner", &report).is_ok());
    EXPECT_EQ(report.counts.issued, static_cast<std::uint64_t>(count));
  }
};

// The largest record in the journal: a large import's must be small.
std::size_t largest_record(const fs::path& journal_directory) {
  std::size_t largest = 0;
  journal::ReplayReport report;
  const Status status = journal::replay_journal(
      {journal_directory, 0, false},
      [&](const journal::JournalRecord& record) {
        largest = std::max(largest, record.payload.size());
        return Status::ok();
      },
      &report);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return largest;
}

TEST(LoadFile, ALargeImportIsKeptBesideTheJournalAndComesBackAfterARestart) {
  EngineFixture fixture;
  const LargeImport import;
  import.run(fixture);
  const std::vector<fs::path> files = files_in(fixture.directory.path() / "imports");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".codes");
  EXPECT_GT(fs::file_size(files[0]), import_record_inline_bytes_max);
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_LT(largest_record(fixture.directory.path() / "journal"), 1024u);
  import.expect_loaded(*fixture.engine);
  EXPECT_EQ(files_in(fixture.directory.path() / "imports"), files);
}

TEST(LoadFile, ASmallImportStaysInTheJournal) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("partner"));
  ImportResult result;
  const std::vector<ImportLine> lines = {{"SMALL1", "", ""}};
  ASSERT_TRUE(fixture.engine->import_codes("partner", lines, &result).is_ok());
  EXPECT_TRUE(files_in(fixture.directory.path() / "imports").empty());
}

TEST(LoadFile, AStartWhoseImportFileIsMissingOrDamagedIsRefusedNamingIt) {
  EngineFixture fixture;
  const LargeImport import;
  import.run(fixture);
  fixture.engine.reset();
  const fs::path file = files_in(fixture.directory.path() / "imports").at(0);
  const std::string bytes = read_bytes(file);

  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x20;
  write_bytes(file, damaged);
  Status status = fixture.reopen();
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find(file.string()), std::string::npos) << status.message();

  fs::remove(file);
  status = fixture.reopen();
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find(file.string()), std::string::npos) << status.message();

  write_bytes(file, bytes);
  ASSERT_TRUE(fixture.reopen().is_ok());
  import.expect_loaded(*fixture.engine);
}

TEST(LoadFile, TheFileGoesOnceTheOlderKeptSnapshotCoversItsImport) {
  EngineFixture fixture;
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  const LargeImport import;
  import.run(fixture);
  // The newest snapshot covers it, but the one kept before it does not: a start that passes the
  // newest over replays the import from the file.
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_EQ(files_in(fixture.directory.path() / "imports").size(), 1u);
  fixture.create(amount_off_batch("later"));  // a snapshot of the same sequence replaces the last
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_TRUE(files_in(fixture.directory.path() / "imports").empty());
  ASSERT_TRUE(fixture.reopen().is_ok());
  import.expect_loaded(*fixture.engine);
}

TEST(LoadFile, FilesNoRecordNamesAreRemovedAtStart) {
  EngineFixture fixture;
  const LargeImport import;
  import.run(fixture);
  fixture.engine.reset();
  const fs::path imports = fixture.directory.path() / "imports";
  const std::vector<fs::path> kept = files_in(imports);
  // What a crash leaves: a pending file whose record was never appended, and a file named for a
  // record that never became durable.
  write_bytes(imports / journal::pending_load_file_name(99), "never journaled");
  write_bytes(imports / journal::load_file_name(1'000'000), "never durable");
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(files_in(imports), kept);
  import.expect_loaded(*fixture.engine);
}

}  // namespace
}  // namespace coupond
