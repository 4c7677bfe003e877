// What the storage readers must refuse, record by record and file by file: a journal record whose
// checksum holds but whose type is unknown, whose sequence is wrong or whose payload does not
// decode; a snapshot that is truncated, has a bad header, or whose checksums hold over a body that
// does not hold together. None of these is a torn write, so none is cut away quietly: a snapshot
// that does not verify is passed over for an older one, and start-up refuses, naming the file,
// whenever what is left would not reach what was acknowledged.
#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstddef>

#include "persist/snapshot_format.h"
#include "journal_test_support.h"
#include "store/side_tables.h"
#include "test_support.h"

namespace coupond {
namespace {

using journal::RecordHeader;
using journal::RecordType;
using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;
using testing::TemporaryDirectory;
using namespace testing::journal_files;

// --- the journal -----------------------------------------------------------------------------

// Rewrites the header of a segment's record number index (from 0) by change, with its checksum
// made to hold again: what a writer with another idea of the format would have left.
void rewrite_record(const std::filesystem::path& segment, std::size_t index,
                    const std::function<void(RecordHeader&)>& change) {
  std::string bytes = read_bytes(segment);
  const std::size_t offset = record_offsets(bytes)[index];
  RecordHeader header;
  std::memcpy(&header, bytes.data() + offset, sizeof(header));
  change(header);
  header.checksum = journal::record_checksum(header, bytes.data() + offset + sizeof(header));
  std::memcpy(bytes.data() + offset, &header, sizeof(header));
  write_bytes(segment, bytes);
}

struct SmallJournal {
  TemporaryDirectory directory;
  std::filesystem::path segment;
  std::vector<std::size_t> offsets;
  SmallJournal() {
    {
      auto journal = open_journal(directory.path());
      append_records(*journal, 6, /*wait_each=*/true);
    }
    segment = only_segment(directory.path());
    offsets = record_offsets(read_bytes(segment));
  }
  // Replays, expecting a refusal that names the segment, the offset of record index and why.
  void expect_refused(std::size_t index, const std::string& why) const {
    const std::string before = read_bytes(segment);
    const Replayed refused = replay(directory.path());
    EXPECT_EQ(refused.status.code(), Status::Code::corruption) << refused.status.message();
    for (const std::string& part : {segment.string(), testing::numbered("offset ", offsets[index]), why}) {
      EXPECT_NE(refused.status.message().find(part), std::string::npos)
          << "'" << part << "' not in: " << refused.status.message();
    }
    EXPECT_EQ(read_bytes(segment), before) << "a refused recovery changes nothing";
  }
};

TEST(StorageRefusals, AJournalRecordOfAnUnknownTypeIsRefusedEvenAtTheEnd) {
  for (const std::size_t index : {5u, 2u}) {
    SmallJournal journal;
    rewrite_record(journal.segment, index, [](RecordHeader& header) { header.type = 200; });
    journal.expect_refused(index, "unknown type 200");
  }
}

TEST(StorageRefusals, AJournalRecordOutOfSequenceIsRefusedEvenAtTheEnd) {
  for (const std::size_t index : {5u, 2u}) {
    SmallJournal journal;
    rewrite_record(journal.segment, index, [](RecordHeader& header) { header.sequence += 40; });
    journal.expect_refused(index, "out of sequence");
  }
}

TEST(StorageRefusals, AJournalRecordOfTypeZeroIsRefused) {
  SmallJournal journal;
  rewrite_record(journal.segment, 5, [](RecordHeader& header) { header.type = 0; });
  journal.expect_refused(5, "unknown type 0");
}

// An engine's data directory with a batch, codes and a few redemptions under order ids that can
// be found in a snapshot's text.
struct RedeemedDirectory {
  EngineFixture fixture{0};  // one shard: a snapshot's body is the catalog and that shard
  std::vector<std::string> codes;
  RedeemedDirectory() {
    fixture.create(amount_off_batch("b1"));
    codes = fixture.generate("b1", 20);
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(fixture.engine->redeem(request_for(codes[i], testing::numbered("order-XYZZY-", i))).ok());
    }
  }
  std::filesystem::path journal_dir() const { return fixture.directory.path() / "journal"; }
  SnapshotInfo snapshot() {
    SnapshotInfo info;
    EXPECT_TRUE(fixture.engine->snapshot(&info).is_ok());
    return info;
  }
  // Closes the engine and opens it again, expecting a refusal whose message holds every part.
  void expect_start_refused(const std::vector<std::string>& parts) {
    const Status refused = fixture.reopen();
    EXPECT_EQ(refused.code(), Status::Code::corruption) << refused.message();
    for (const std::string& part : parts) {
      EXPECT_NE(refused.message().find(part), std::string::npos)
          << "'" << part << "' not in: " << refused.message();
    }
  }
};

TEST(StorageRefusals, AJournalRecordWhosePayloadDoesNotDecodeStopsTheStart) {
  RedeemedDirectory directory;
  directory.fixture.engine.reset();
  Replayed replayed = replay(directory.journal_dir());
  ASSERT_TRUE(replayed.status.is_ok());
  {
    // A use_taken record whose checksum holds over a payload that is not a use.
    auto journal = open_journal(directory.journal_dir(), Durability::group,
                                replayed.report.last_sequence + 1);
    ASSERT_TRUE(journal->wait_durable(journal->append(RecordType::use_taken, "not a use")).is_ok());
  }
  directory.expect_start_refused({"does not decode", "offset", ".log"});
}

// --- snapshots -------------------------------------------------------------------------------

// A snapshot file's header and body, to change and write back with checksums that hold.
struct SnapshotBytes {
  snapshot_format::Header header;
  std::string body;

  explicit SnapshotBytes(const std::filesystem::path& path) {
    const std::string bytes = read_bytes(path);
    std::memcpy(&header, bytes.data(), sizeof(header));
    body = bytes.substr(sizeof(header));
  }
  void write_sealed(const std::filesystem::path& path) {
    header.body_bytes = body.size();
    header.body_checksum = XXH3_64bits(body.data(), body.size());
    header.header_checksum =
        XXH3_64bits(&header, offsetof(snapshot_format::Header, header_checksum));
    write_bytes(path, std::string(reinterpret_cast<const char*>(&header), sizeof(header)) + body);
  }
};

TEST(StorageRefusals, ATruncatedSnapshotIsPassedOverForTheOneBefore) {
  RedeemedDirectory directory;
  const SnapshotInfo older = directory.snapshot();
  ASSERT_TRUE(directory.fixture.engine->redeem(request_for(directory.codes[9], "after")).ok());
  const SnapshotInfo newer = directory.snapshot();
  directory.fixture.engine.reset();
  std::filesystem::resize_file(newer.path, newer.bytes - 100);
  ASSERT_TRUE(directory.fixture.reopen().is_ok());
  const RecoveryReport& recovery = directory.fixture.engine->recovery();
  EXPECT_EQ(recovery.snapshot, older.path);
  ASSERT_EQ(recovery.notes.size(), 1u);
  EXPECT_NE(recovery.notes[0].find("truncated"), std::string::npos) << recovery.notes[0];
  EXPECT_EQ(directory.fixture.engine->redeem(request_for(directory.codes[9], "again")).reason,
            Reason::already_redeemed);
}

TEST(StorageRefusals, ASnapshotWithABadHeaderIsPassedOverForTheOneBefore) {
  const std::vector<std::function<void(snapshot_format::Header&)>> damages = {
      [](snapshot_format::Header& header) { header.magic ^= 1; },
      [](snapshot_format::Header& header) { header.format_version = 9; },
      [](snapshot_format::Header& header) { header.shard_count = 3; },
  };
  for (const auto& damage : damages) {
    RedeemedDirectory directory;
    const SnapshotInfo older = directory.snapshot();
    ASSERT_TRUE(directory.fixture.engine->redeem(request_for(directory.codes[9], "after")).ok());
    const SnapshotInfo newer = directory.snapshot();
    ASSERT_NE(older.path, newer.path);
    directory.fixture.engine.reset();
    SnapshotBytes bytes(newer.path);
    damage(bytes.header);
    bytes.write_sealed(newer.path);  // the header checksum holds: only the field check can tell
    ASSERT_TRUE(directory.fixture.reopen().is_ok());
    EXPECT_EQ(directory.fixture.engine->recovery().snapshot, older.path);
    ASSERT_EQ(directory.fixture.engine->recovery().notes.size(), 1u);
    EXPECT_NE(directory.fixture.engine->recovery().notes[0].find("header"), std::string::npos);
  }
}

TEST(StorageRefusals, ADamagedSnapshotWhoseJournalIsGoneStopsTheStart) {
  RedeemedDirectory directory;
  const SnapshotInfo only = directory.snapshot();
  directory.fixture.engine.reset();
  // A copy of the data directory that missed the journal, and a snapshot that does not verify:
  // what is left reaches nothing of what was acknowledged.
  std::filesystem::remove_all(directory.journal_dir());
  std::filesystem::resize_file(only.path, only.bytes / 2);
  directory.expect_start_refused({only.path.string(), "truncated", "Refusing to start"});
}

TEST(StorageRefusals, ASnapshotWhoseChecksumsHoldOverABodyThatDoesNotDecodeStopsTheStart) {
  RedeemedDirectory directory;
  const SnapshotInfo snapshot = directory.snapshot();
  directory.fixture.engine.reset();
  const SnapshotBytes original(snapshot.path);
  // The text of the shard's use log follows its u64 size, which follows the use records.
  const std::size_t text = original.body.find("order-XYZZY-0");
  ASSERT_NE(text, std::string::npos);
  const std::size_t uses = text - sizeof(std::uint64_t) - 3 * sizeof(store::UseRecord);
  const auto use_field = [&](std::size_t use, std::size_t field) { return uses + use * sizeof(store::UseRecord) + field; };

  struct Damage {
    std::string name;
    std::function<void(std::string&)> apply;
  };
  const std::vector<Damage> damages = {
      {"a chain that runs forwards", [&](std::string& body) {
         const store::UseNumber later = 3;
         std::memcpy(&body[use_field(0, offsetof(store::UseRecord, previous_use))], &later, sizeof(later));
       }},
      {"text past the shard's text", [&](std::string& body) {
         const std::uint32_t far = 1u << 30;
         std::memcpy(&body[use_field(1, offsetof(store::UseRecord, order_id))], &far, sizeof(far));
       }},
      {"a short body", [](std::string& body) { body.resize(body.size() - 9); }},
      {"bytes after the last shard", [](std::string& body) { body += "extra"; }},
  };
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.name);
    SnapshotBytes bytes = original;
    damage.apply(bytes.body);
    bytes.write_sealed(snapshot.path);
    directory.expect_start_refused({snapshot.path.string()});
  }
}

}  // namespace
}  // namespace coupond
