// The journal on its own: records come back in order and intact across segments, whatever the
// durability mode and however many threads append; a crash's torn tail is cut off at any byte;
// damage followed by valid records is refused with the file and offset; sequence gaps are caught.
#include "journal/journal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "journal_test_support.h"
#include "test_support.h"

namespace coupond::journal {
namespace {

using coupond::testing::TemporaryDirectory;
using namespace coupond::testing::journal_files;

TEST(JournalConcurrency, ConcurrentAppendsComeBackInSequenceInEveryMode) {
  for (Durability durability : {Durability::group, Durability::sync, Durability::none}) {
    TemporaryDirectory directory;
    {
      auto journal = open_journal(directory.path(), durability);
      std::vector<std::thread> threads;
      std::atomic<int> failures{0};
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < 200; ++i) {
            // The payload is written after the sequence is known: append under a lock of our own
            // so that each record says its own sequence.
            static std::mutex order;
            std::uint64_t sequence = 0;
            {
              std::lock_guard lock(order);
              sequence = journal->append(RecordType::use_taken,
                                         payload_for(journal->last_sequence() + 1));
            }
            if (!journal->wait_durable(sequence).is_ok()) ++failures;
          }
        });
      }
      for (auto& thread : threads) thread.join();
      EXPECT_EQ(failures.load(), 0);
      EXPECT_EQ(journal->last_sequence(), 800u);
    }
    const Replayed replayed = replay(directory.path());
    ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
    ASSERT_EQ(replayed.sequences.size(), 800u);
    for (std::size_t i = 0; i < replayed.sequences.size(); ++i) {
      EXPECT_EQ(replayed.sequences[i], i + 1);
    }
    EXPECT_TRUE(replayed.payloads_match);
  }
}

TEST(JournalConcurrency, WhenDurableCallsBackOnceTheGroupIsSynced) {
  TemporaryDirectory directory;
  auto journal = open_journal(directory.path());
  std::atomic<int> called{0};
  std::atomic<bool> all_durable{true};
  std::uint64_t last = 0;
  for (int i = 0; i < 100; ++i) {
    last = journal->append(RecordType::use_taken, payload_for(last + 1));
    journal->when_durable(last, [&, raw = journal.get(), sequence = last](bool durable) {
      if (!durable || raw->durable_sequence() < sequence) all_durable = false;
      ++called;
    });
  }
  ASSERT_TRUE(journal->wait_durable(last).is_ok());
  journal.reset();  // joins the writer: every callback has run
  EXPECT_EQ(called.load(), 100);
  EXPECT_TRUE(all_durable.load());
}

TEST(Journal, SegmentsRotateAndReplayAcrossThemAfterASnapshot) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path(), Durability::group, 1, 4096);
    append_records(*journal, 500, /*wait_each=*/true);
  }
  EXPECT_GT(segment_files(directory.path()).size(), 3u);
  Replayed all = replay(directory.path());
  ASSERT_TRUE(all.status.is_ok()) << all.status.message();
  EXPECT_EQ(all.sequences.size(), 500u);
  EXPECT_TRUE(all.payloads_match);

  // A snapshot at 300: only what follows is applied, and a restarted journal goes on from 501.
  Replayed tail = replay(directory.path(), 300);
  ASSERT_TRUE(tail.status.is_ok());
  ASSERT_EQ(tail.sequences.size(), 200u);
  EXPECT_EQ(tail.sequences.front(), 301u);
  EXPECT_EQ(tail.report.last_sequence, 500u);
  {
    auto journal = open_journal(directory.path(), Durability::group, 501, 4096);
    append_records(*journal, 10, /*wait_each=*/true);
    EXPECT_GT(journal->remove_segments_through(300), 0u);
    // The segment made ahead is no segment of records: never removed, and rotation still uses it.
    ASSERT_TRUE(wait_for_next_segment(*journal));
    EXPECT_TRUE(std::filesystem::exists(directory.path() / prepared_segment_file_name));
    const std::size_t before = segment_files(directory.path()).size();
    append_records(*journal, 100, /*wait_each=*/true);
    EXPECT_GT(segment_files(directory.path()).size(), before);
  }
  Replayed after_removal = replay(directory.path(), 300);
  ASSERT_TRUE(after_removal.status.is_ok()) << after_removal.status.message();
  EXPECT_EQ(after_removal.sequences.size(), 310u);
  // The records before 300 are gone: asking for them is a gap, not silence.
  EXPECT_EQ(replay(directory.path(), 0).status.code(), Status::Code::corruption);
}

// Each cut is tried twice: the file ends at the cut (a segment of the versions before
// preallocation), or the bytes from the cut on are zeros to the segment's preallocated size (a
// group whose pages after the cut never reached the disk).
TEST(Journal, TruncationAtEveryByteOfTheLastRecordsKeepsTheValidPrefix) {
  constexpr std::uint64_t segment_bytes = 8192;
  TemporaryDirectory source;
  {
    auto journal = open_journal(source.path(), Durability::group, 1, segment_bytes);
    append_records(*journal, 20);
  }
  const std::filesystem::path segment = only_segment(source.path());
  const std::string preallocated = read_bytes(segment);
  ASSERT_EQ(preallocated.size(), segment_bytes);
  const std::string bytes = preallocated.substr(0, records_end(preallocated));
  const std::vector<std::size_t> offsets = record_offsets(bytes);
  ASSERT_EQ(offsets.size(), 20u);
  // Where each record ends: a cut exactly there leaves whole records only.
  std::vector<std::size_t> ends(offsets.begin() + 1, offsets.end());
  ends.push_back(bytes.size());
  for (std::size_t cut = offsets[16]; cut < bytes.size(); ++cut) {
    for (const bool zero_tail : {false, true}) {
      TemporaryDirectory directory;
      const std::filesystem::path copy = directory.path() / segment.filename();
      std::string written = bytes.substr(0, cut);
      if (zero_tail) written.resize(segment_bytes, '\0');
      write_bytes(copy, written);
      const std::string what = "cut at " + std::to_string(cut) + (zero_tail ? ", zeros after" : "");
      const std::size_t whole = std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin();
      const bool torn = std::find(ends.begin(), ends.end(), cut) == ends.end();
      Replayed replayed = replay(directory.path());
      ASSERT_TRUE(replayed.status.is_ok()) << what << ": " << replayed.status.message();
      ASSERT_EQ(replayed.sequences.size(), whole) << what;
      EXPECT_TRUE(replayed.payloads_match);
      EXPECT_EQ(replayed.report.repairs.size(), torn ? 1u : 0u) << what;
      // The torn bytes are gone from the file, so that what is appended next follows the prefix.
      EXPECT_EQ(std::filesystem::file_size(copy), torn ? ends[whole - 1] : written.size()) << what;
      {
        auto journal = open_journal(directory.path(), Durability::group, whole + 1, segment_bytes);
        append_records(*journal, 3);
      }
      replayed = replay(directory.path());
      ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
      EXPECT_EQ(replayed.sequences.size(), whole + 3);
      EXPECT_TRUE(replayed.payloads_match);
    }
  }
}

TEST(Journal, ATruncatedSegmentHeaderAtTheEndIsATornRotation) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path());
    append_records(*journal, 5);
  }
  write_bytes(directory.path() / segment_file_name(6), std::string(10, '\x43'));
  const Replayed replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 5u);
  EXPECT_EQ(replayed.report.repairs.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / segment_file_name(6)));
}

TEST(Journal, AFlippedBitFollowedByValidRecordsIsRefusedWithFileAndOffset) {
  TemporaryDirectory directory;
  {
    // A group per record: the valid records after the damage are of later groups, written only
    // once the damaged record was synced.
    auto journal = open_journal(directory.path());
    append_records(*journal, 10, /*wait_each=*/true);
  }
  const std::filesystem::path segment = only_segment(directory.path());
  std::string bytes = read_bytes(segment);
  const std::vector<std::size_t> offsets = record_offsets(bytes);
  // One bit in the payload of record 4, then one in the header of record 7 (a separate run each).
  for (const std::size_t flipped : {offsets[3] + sizeof(RecordHeader) + 2, offsets[6] + 9}) {
    std::string damaged = bytes;
    damaged[flipped] = static_cast<char>(damaged[flipped] ^ 0x10);
    write_bytes(segment, damaged);
    const std::size_t record_start =
        *(std::upper_bound(offsets.begin(), offsets.end(), flipped) - 1);
    const Replayed refused = replay(directory.path());
    EXPECT_EQ(refused.status.code(), Status::Code::corruption);
    EXPECT_NE(refused.status.message().find(segment.string()), std::string::npos)
        << refused.status.message();
    EXPECT_NE(refused.status.message().find(testing::numbered("offset ", record_start)),
              std::string::npos)
        << refused.status.message();
    EXPECT_EQ(read_bytes(segment), damaged) << "a refused recovery changes nothing";
  }

  // Forced: the damaged record and everything after it are dropped, loudly.
  std::string damaged = bytes;
  damaged[offsets[3] + sizeof(RecordHeader)] ^= 0x01;
  write_bytes(segment, damaged);
  const Replayed forced = replay(directory.path(), 0, /*truncate_corrupt=*/true);
  ASSERT_TRUE(forced.status.is_ok()) << forced.status.message();
  EXPECT_EQ(forced.sequences.size(), 3u);
  ASSERT_EQ(forced.report.repairs.size(), 1u);
  EXPECT_NE(forced.report.repairs[0].find("TRUNCATED"), std::string::npos);
  EXPECT_EQ(std::filesystem::file_size(segment), offsets[3]);
}

TEST(Journal, AMissingSegmentIsASequenceGap) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path(), Durability::group, 1, 2048);
    append_records(*journal, 200, /*wait_each=*/true);
  }
  std::vector<std::uint64_t> firsts;
  for (const auto& segment : segment_files(directory.path())) {
    firsts.push_back(parse_segment_file_name(segment.filename().string()));
  }
  ASSERT_GE(firsts.size(), 3u);
  std::filesystem::remove(directory.path() / segment_file_name(firsts[1]));
  const Replayed replayed = replay(directory.path());
  EXPECT_EQ(replayed.status.code(), Status::Code::corruption);
  EXPECT_NE(replayed.status.message().find("gap"), std::string::npos) << replayed.status.message();
}

TEST(Journal, ATooLargePayloadIsRefusedAndNothingIsAppended) {
  TemporaryDirectory directory;
  auto journal = open_journal(directory.path());
  const std::string huge(record_payload_bytes_max + 1, 'x');
  EXPECT_EQ(journal->append(RecordType::codes_imported, huge), 0u);
  EXPECT_EQ(journal->last_sequence(), 0u);
}

}  // namespace
}  // namespace coupond::journal
