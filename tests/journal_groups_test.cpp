// The journal's group marks: every record says where it stands in the group it was written and
// synced with, so that the reader can tell a torn group write (a crash while the group's pages
// reached the disk in some order: nothing in it was acknowledged) from corruption before a later
// group (which was written only after the damaged record's group had been synced and answered).
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "journal_test_support.h"
#include "test_support.h"

namespace coupond::journal {
namespace {

using coupond::testing::TemporaryDirectory;
using namespace coupond::testing::journal_files;

RecordHeader header_at(const std::string& bytes, std::size_t offset) {
  RecordHeader header;
  std::memcpy(&header, bytes.data() + offset, sizeof(header));
  return header;
}

// Appends one record and then, from the writer thread once that record is durable, count more:
// the writer is busy in the callback while they are appended, so they form exactly one group.
void append_one_group(Journal& journal, std::uint64_t count) {
  const std::thread::id caller = std::this_thread::get_id();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::promise<bool> grouped;
    const std::uint64_t lone =
        journal.append(RecordType::use_taken, payload_for(journal.last_sequence() + 1));
    journal.when_durable(lone, [&](bool) {
      if (std::this_thread::get_id() == caller) return grouped.set_value(false);  // try again
      for (std::uint64_t i = 0; i < count; ++i) {
        journal.append(RecordType::use_taken, payload_for(journal.last_sequence() + 1));
      }
      grouped.set_value(true);
    });
    const bool done = grouped.get_future().get();
    ASSERT_TRUE(journal.wait_durable(journal.last_sequence()).is_ok());
    if (done) return;
  }
  FAIL() << "the writer never called back on its own thread";
}

// A journal of three groups: records 1-3 (one at a time), then 4-9 and 10-17 as groups.
struct GroupedJournal {
  TemporaryDirectory directory;
  std::filesystem::path segment;
  std::string bytes;
  std::vector<std::size_t> offsets;

  GroupedJournal() {
    {
      auto journal = open_journal(directory.path());
      append_records(*journal, 2, /*wait_each=*/true);
      append_one_group(*journal, 6);  // 3 alone, then 4-9
      append_one_group(*journal, 7);  // 10 alone, then 11-17
    }
    segment = only_segment(directory.path());
    bytes = read_bytes(segment);
    offsets = record_offsets(bytes);
  }
  // Overwrites n bytes from offset with fill, as a page that never reached the disk would read.
  void damage(std::size_t offset, std::size_t n, char fill) {
    std::string damaged = bytes;
    std::fill_n(damaged.begin() + static_cast<std::ptrdiff_t>(offset), n, fill);
    write_bytes(segment, damaged);
  }
};

TEST(JournalGroups, TheWriterMarksEachRecordWithItsPlaceInItsGroup) {
  GroupedJournal journal;
  ASSERT_EQ(journal.offsets.size(), 17u);
  SegmentHeader segment_header;
  std::memcpy(&segment_header, journal.bytes.data(), sizeof(segment_header));
  EXPECT_EQ(segment_header.format_version, segment_format_version);
  const std::vector<std::uint32_t> expected = {0, 0, 0, 0, 1, 2, 3, 4, 5,
                                               0, 0, 1, 2, 3, 4, 5, 6};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(group_position(header_at(journal.bytes, journal.offsets[i])), expected[i])
        << "record " << i + 1;
  }
}

TEST(JournalGroups, DurabilitySyncMakesEveryRecordAGroupOfItsOwn) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path(), Durability::sync);
    append_one_group(*journal, 5);
  }
  const std::string bytes = read_bytes(only_segment(directory.path()));
  for (const std::size_t offset : record_offsets(bytes)) {
    EXPECT_EQ(group_position(header_at(bytes, offset)), 0u);
  }
}

TEST(JournalGroups, ALastGroupWhoseFirstPageIsLostIsATornTail) {
  for (const char fill : {'\0', '\x5a'}) {
    GroupedJournal journal;
    ASSERT_EQ(journal.offsets.size(), 17u);
    // Record 11, the group's first, zeroed or garbled; records 12-17 reached the disk whole.
    journal.damage(journal.offsets[10], journal.offsets[11] - journal.offsets[10], fill);
    const Replayed replayed = replay(journal.directory.path());
    ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
    EXPECT_EQ(replayed.sequences.size(), 10u);
    EXPECT_TRUE(replayed.payloads_match);
    ASSERT_EQ(replayed.report.repairs.size(), 1u);
    EXPECT_NE(replayed.report.repairs[0].find("torn group write"), std::string::npos)
        << replayed.report.repairs[0];
    EXPECT_EQ(std::filesystem::file_size(journal.segment), journal.offsets[10]);
    // The journal goes on after the cut.
    {
      auto reopened = open_journal(journal.directory.path(), Durability::group, 11);
      append_records(*reopened, 3, /*wait_each=*/true);
    }
    const Replayed again = replay(journal.directory.path());
    ASSERT_TRUE(again.status.is_ok()) << again.status.message();
    EXPECT_EQ(again.sequences.size(), 13u);
    EXPECT_TRUE(again.payloads_match);
  }
}

TEST(JournalGroups, DamageInsideTheLastGroupKeepsTheRecordsBeforeIt) {
  GroupedJournal journal;
  ASSERT_EQ(journal.offsets.size(), 17u);
  journal.damage(journal.offsets[13] + sizeof(RecordHeader), 3, '\x7f');  // record 14's payload
  const Replayed replayed = replay(journal.directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 13u);
  EXPECT_EQ(std::filesystem::file_size(journal.segment), journal.offsets[13]);
}

TEST(JournalGroups, ADamagedRecordFollowedByALaterGroupIsCorruption) {
  // Record 4 (the first of its group), record 9 (the last of it) and record 3 (a group of one):
  // each is followed by whole later groups, so each was synced and acknowledged.
  for (const std::size_t damaged : {3u, 8u, 2u}) {
    GroupedJournal journal;
    ASSERT_EQ(journal.offsets.size(), 17u);
    journal.damage(journal.offsets[damaged], sizeof(RecordHeader), '\0');
    const std::string on_disk = read_bytes(journal.segment);
    const Replayed refused = replay(journal.directory.path());
    EXPECT_EQ(refused.status.code(), Status::Code::corruption) << "record " << damaged + 1;
    EXPECT_NE(refused.status.message().find(testing::numbered("offset ", journal.offsets[damaged])),
              std::string::npos)
        << refused.status.message();
    EXPECT_EQ(read_bytes(journal.segment), on_disk) << "a refused recovery changes nothing";
  }
}

// Segments of versions 1 and 2 end at the file's end, without the zeros of a preallocated one.
std::string as_version(std::string bytes, std::uint32_t version) {
  bytes.resize(records_end(bytes));
  SegmentHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  header.format_version = version;
  header.checksum = segment_header_checksum(header);
  std::memcpy(bytes.data(), &header, sizeof(header));
  return bytes;
}

TEST(JournalGroups, VersionOneSegmentsAreStillReadWithoutGroupMarks) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path());
    append_records(*journal, 6, /*wait_each=*/true);
  }
  const std::filesystem::path segment = only_segment(directory.path());
  const std::string written = read_bytes(segment);
  for (const std::uint32_t version : {1u, 2u}) {
    write_bytes(segment, as_version(written, version));
    const Replayed replayed = replay(directory.path());
    ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
    EXPECT_EQ(replayed.sequences.size(), 6u);
    EXPECT_TRUE(replayed.payloads_match);
    EXPECT_TRUE(replayed.report.repairs.empty()) << "version " << version;
  }

  // Without marks every record is its own group: damage before valid records is corruption.
  std::string bytes = as_version(written, 1);
  const std::vector<std::size_t> offsets = record_offsets(bytes);
  bytes[offsets[2] + sizeof(RecordHeader)] ^= 0x01;
  write_bytes(segment, bytes);
  EXPECT_EQ(replay(directory.path()).status.code(), Status::Code::corruption);

  // From a newer coupond: refused, not guessed at.
  write_bytes(segment, as_version(written, segment_format_version + 1));
  EXPECT_EQ(replay(directory.path()).status.code(), Status::Code::corruption);
}

}  // namespace
}  // namespace coupond::journal
