// The journal's preallocated segments: each is written with zeros to its full size before its
// first record and written in place, the zeros after the last record are the segment's end and
// no damage, a segment made at a rotation that never got a record reads as empty, and rotation
// opens no file, so that it works with every descriptor of the process in use.
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "journal_test_support.h"
#include "test_support.h"

namespace coupond::journal {
namespace {

using coupond::testing::TemporaryDirectory;
using namespace coupond::testing::journal_files;

bool only_zeros(const std::string& bytes, std::size_t from) {
  return std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(from), bytes.end(),
                     [](char c) { return c == 0; });
}

TEST(JournalSegments, AHeaderOfZerosIsNeverARecord) {
  // Its sequence, 0, is never written; and it does not even verify (its checksum is not zero).
  const RecordHeader zeros;
  EXPECT_EQ(zeros.sequence, 0u);
  EXPECT_NE(record_checksum(zeros, ""), zeros.checksum);
}

TEST(JournalSegments, SegmentsArePreallocatedWithZerosAndTheirZeroTailIsTheirEnd) {
  constexpr std::uint64_t segment_bytes = 8192;
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path(), Durability::group, 1, segment_bytes);
    append_records(*journal, 5, /*wait_each=*/true);
    ASSERT_TRUE(wait_for_next_segment(*journal));
    const std::string next = read_bytes(directory.path() / prepared_segment_file_name);
    EXPECT_EQ(next.size(), segment_bytes);
    EXPECT_TRUE(only_zeros(next, 0));
  }
  const std::filesystem::path segment = only_segment(directory.path());
  const std::string bytes = read_bytes(segment);
  ASSERT_EQ(bytes.size(), segment_bytes) << "records are written in place, never growing the file";
  EXPECT_EQ(record_offsets(bytes).size(), 5u);
  EXPECT_TRUE(only_zeros(bytes, records_end(bytes)));

  const Replayed replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 5u);
  EXPECT_TRUE(replayed.payloads_match);
  EXPECT_TRUE(replayed.report.repairs.empty());
  EXPECT_EQ(read_bytes(segment), bytes) << "a zero tail is no damage to repair";
}

TEST(JournalSegments, ACrashJustAfterRotationLeavesAnEmptySegmentThatRecovers) {
  constexpr std::uint64_t segment_bytes = 4096;
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path(), Durability::group, 1, segment_bytes);
    append_records(*journal, 5, /*wait_each=*/true);
  }
  // A journal started at 6 and stopped before its first record: the segment rotation names, with
  // its header and zeros, exactly as a crash just after rotation leaves it.
  open_journal(directory.path(), Durability::group, 6, segment_bytes).reset();
  const std::filesystem::path empty = directory.path() / segment_file_name(6);
  ASSERT_EQ(std::filesystem::file_size(empty), segment_bytes);
  EXPECT_TRUE(only_zeros(read_bytes(empty), sizeof(SegmentHeader)));

  Replayed replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 5u);
  EXPECT_EQ(replayed.report.segments_read, 2u);
  EXPECT_TRUE(replayed.report.repairs.empty());
  EXPECT_EQ(replayed.report.last_sequence, 5u);
  {
    auto journal = open_journal(directory.path(), Durability::group, 6, segment_bytes);
    append_records(*journal, 3, /*wait_each=*/true);
  }
  replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 8u);
  EXPECT_TRUE(replayed.payloads_match);

  // A last segment of zeros alone never had its header written: a torn rotation, removed.
  write_bytes(directory.path() / segment_file_name(9), std::string(segment_bytes, '\0'));
  replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), 8u);
  EXPECT_EQ(replayed.report.repairs.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / segment_file_name(9)));
}

// What the child reports by its exit status.
enum ChildExit { ok = 0, not_opened = 10, next_never_made = 11, limit_not_reached = 12,
                 not_durable = 13 };

// Run in a child process: a journal of small segments, its next one made ahead, then every
// descriptor the limit allows taken, then enough records, each waited for, to rotate.
int rotate_at_the_descriptor_limit(const std::filesystem::path& directory, int records) {
  JournalOptions options;
  options.directory = directory;
  options.segment_bytes_max = 4096;
  std::unique_ptr<Journal> journal;
  if (!Journal::open(options, 1, &journal).is_ok()) return not_opened;
  if (!wait_for_next_segment(*journal)) return next_never_made;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = 64;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  while (::dup(STDERR_FILENO) >= 0) {
  }
  if (errno != EMFILE || ::open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0) return limit_not_reached;
  for (int i = 0; i < records; ++i) {
    const std::uint64_t sequence =
        journal->append(RecordType::use_taken, payload_for(journal->last_sequence() + 1));
    if (!journal->wait_durable(sequence).is_ok()) return not_durable;
  }
  journal.reset();
  return ok;
}

TEST(JournalSegments, RotationWorksWithEveryDescriptorInUse) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the sanitizers' runtime needs descriptors of its own";
#endif
  constexpr int records = 300;  // about four segments of 4 KiB
  TemporaryDirectory directory;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(rotate_at_the_descriptor_limit(directory.path(), records));
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), next_never_made);
  ASSERT_NE(WEXITSTATUS(status), limit_not_reached);
  EXPECT_EQ(WEXITSTATUS(status), ok) << "a record was not made durable at the descriptor limit";

  // The rotation to the segment made ahead happened; the later ones, whose making needed a
  // descriptor, waited, and the records went on in the segment at hand.
  EXPECT_GE(segment_files(directory.path()).size(), 2u);
  const Replayed replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences.size(), static_cast<std::size_t>(records));
  EXPECT_TRUE(replayed.payloads_match);
}

}  // namespace
}  // namespace coupond::journal
