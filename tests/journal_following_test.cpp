// The journal's part in replication: with a synchronous standby required, a record counts as
// durable (the waiters hear of it) only once a standby acknowledged it too, and never goes back;
// while following, the journal takes the primary's records under their own sequences, only the
// next one, and a local append is a broken invariant that stops the process.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "journal/journal.h"
#include "journal_test_support.h"
#include "test_support.h"

namespace coupond::journal {
namespace {

using coupond::testing::TemporaryDirectory;
using namespace coupond::testing::journal_files;

void wait_until_local(const Journal& journal, std::uint64_t sequence) {
  while (journal.local_durable_sequence() < sequence && !journal.failed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

TEST(JournalFollowingTest, ACommitWaitsForAStandbyWhileOneIsRequired) {
  TemporaryDirectory directory;
  auto journal = open_journal(directory.path());
  journal->require_standby(true);
  const std::uint64_t first = journal->append(RecordType::use_taken, payload_for(1));
  std::atomic<int> heard{0};
  journal->when_durable(first, [&](bool durable) { heard += durable ? 1 : 100; });
  wait_until_local(*journal, first);
  EXPECT_EQ(journal->local_durable_sequence(), first);
  EXPECT_EQ(journal->durable_sequence(), 0u);
  EXPECT_EQ(heard.load(), 0);
  ASSERT_TRUE(journal->wait_locally_durable(first).is_ok());

  // One acknowledgement covers the whole group, and a stale one changes nothing.
  const std::uint64_t second = journal->append(RecordType::use_taken, payload_for(2));
  wait_until_local(*journal, second);
  journal->standby_acknowledged(second);
  EXPECT_EQ(journal->durable_sequence(), second);
  EXPECT_EQ(heard.load(), 1);
  journal->standby_acknowledged(first);
  EXPECT_EQ(journal->durable_sequence(), second);

  // An acknowledgement past the local disk releases only what the local disk holds.
  const std::uint64_t third = journal->append(RecordType::use_taken, payload_for(3));
  journal->standby_acknowledged(third + 10);
  ASSERT_TRUE(journal->wait_durable(third).is_ok());
  EXPECT_EQ(journal->durable_sequence(), third);

  // No longer required: the local disk alone again.
  journal->require_standby(false);
  const std::uint64_t fourth = journal->append(RecordType::use_taken, payload_for(4));
  ASSERT_TRUE(journal->wait_durable(fourth).is_ok());
}

TEST(JournalFollowingTest, AFollowingJournalTakesOnlyTheNextSequence) {
  TemporaryDirectory directory;
  {
    auto journal = open_journal(directory.path());
    EXPECT_EQ(journal->append_replicated(1, RecordType::use_taken, payload_for(1)).code(),
              Status::Code::failed_precondition);
    journal->set_following(true);
    ASSERT_TRUE(journal->append_replicated(1, RecordType::use_taken, payload_for(1)).is_ok());
    const Status gap = journal->append_replicated(3, RecordType::use_taken, payload_for(3));
    EXPECT_EQ(gap.code(), Status::Code::failed_precondition);
    EXPECT_NE(gap.message().find("where this journal's next is 2"), std::string::npos);
    ASSERT_TRUE(journal->append_replicated(2, RecordType::use_taken, payload_for(2)).is_ok());
    // Taken, not yet written: the follower writes its group itself, no thread does it for it.
    EXPECT_EQ(journal->local_durable_sequence(), 0u);
    ASSERT_TRUE(journal->write_replicated().is_ok());
    EXPECT_EQ(journal->local_durable_sequence(), 2u);
    ASSERT_TRUE(journal->wait_durable(2).is_ok());
    // Promoted: local appends go on after the primary's last.
    journal->set_following(false);
    EXPECT_EQ(journal->append(RecordType::use_taken, payload_for(3)), 3u);
  }
  const Replayed replayed = replay(directory.path());
  ASSERT_TRUE(replayed.status.is_ok()) << replayed.status.message();
  EXPECT_EQ(replayed.sequences, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(replayed.payloads_match);
}

TEST(JournalFollowingDeathTest, ALocalAppendWhileFollowingStopsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TemporaryDirectory directory;
  EXPECT_DEATH(
      {
        auto journal = open_journal(directory.path());
        journal->set_following(true);
        journal->append(RecordType::use_taken, payload_for(1));
      },
      "invariant failed: !following\\(\\)");
}

}  // namespace
}  // namespace coupond::journal
