// A standby's engine, fed by hand: the records of a primary's journal, read back with the
// segment cursor, are appended under the same sequences and applied, after which the standby
// answers as the primary does; while following it refuses every local change; promoted, it goes
// on after the primary's last record. The cursor says when a record is not written yet and when
// its segment is gone.
#include <gtest/gtest.h>

#include <cstring>

#include "journal/journal_format.h"
#include "replication/segment_cursor.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

// Every record of source's journal after the standby's last, applied to standby.
void feed(Engine& source, Engine& standby) {
  replication::SegmentCursor cursor(source.data_dir() / "journal", standby.last_sequence() + 1);
  std::string bytes;
  while (cursor.next(source.local_durable_sequence(), &bytes) ==
         replication::SegmentCursor::Read::record) {
    journal::RecordHeader header;
    std::memcpy(&header, bytes.data(), sizeof(header));
    const Status status = standby.apply_replicated(
        header.sequence, header.type, std::string_view(bytes).substr(sizeof(header)));
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  const Status written = standby.write_replicated();
  ASSERT_TRUE(written.is_ok()) << written.message();
}

TEST(ReplicationApplyTest, AStandbyEngineAppliesThePrimarysRecordsAndRefusesItsOwn) {
  EngineFixture primary;
  primary.create(amount_off_batch("feed"));
  const std::vector<std::string> codes = primary.generate("feed", 50);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(primary.engine->redeem(request_for(codes[static_cast<std::size_t>(i)], testing::numbered("o", i))).ok());
  }
  ASSERT_TRUE(primary.engine->reserve(request_for(codes[20], "held"), std::chrono::seconds(60)).ok());
  ASSERT_EQ(primary.engine->rollback(codes[1], "o1").reason, Reason::ok);
  // Everything appended is on the disk before it is read back.
  SnapshotInfo ignored;
  ASSERT_TRUE(primary.engine->snapshot(&ignored).is_ok());

  testing::TemporaryDirectory standby_dir;
  std::unique_ptr<Engine> standby;
  ASSERT_TRUE(primary.open_standby(standby_dir.path(), &standby).is_ok());
  feed(*primary.engine, *standby);
  EXPECT_EQ(standby->last_sequence(), primary.engine->last_sequence());
  const BatchStats on_primary = primary.engine->find_batch("feed")->stats();
  const BatchStats on_standby = standby->find_batch("feed")->stats();
  EXPECT_EQ(on_standby.issued, on_primary.issued);
  EXPECT_EQ(on_standby.redeemed, 9u);
  EXPECT_EQ(on_standby.rolled_back, 1u);
  EXPECT_EQ(on_standby.held, 1u);
  EXPECT_EQ(standby->validate(request_for(codes[0])).reason, Reason::already_redeemed);
  EXPECT_EQ(standby->validate(request_for(codes[1])).reason, Reason::ok);

  // Refused while following, and nothing journaled.
  const std::uint64_t last = standby->last_sequence();
  EXPECT_EQ(standby->redeem(request_for(codes[30], "x")).reason, Reason::not_primary);
  EXPECT_EQ(standby->rollback(codes[0], "o0").reason, Reason::not_primary);
  const Batch* batch = nullptr;
  EXPECT_EQ(standby->create_batch(amount_off_batch("other"), &batch).code(),
            Status::Code::failed_precondition);
  std::uint64_t revoked = 0;
  EXPECT_EQ(standby->revoke_batch("feed", &revoked).code(), Status::Code::failed_precondition);
  EXPECT_EQ(standby->generate("feed", 1, [](std::string_view) {}).code(),
            Status::Code::failed_precondition);
  EXPECT_EQ(standby->lapse_due_holds(), 0u);
  // A record out of order is refused before anything is appended.
  EXPECT_FALSE(standby->apply_replicated(last + 5, 8, "").is_ok());
  EXPECT_EQ(standby->last_sequence(), last);

  // Live: what the primary does next reaches the standby the same way.
  ASSERT_TRUE(primary.engine->redeem(request_for(codes[40], "later")).ok());
  ASSERT_TRUE(primary.engine->snapshot(&ignored).is_ok());
  feed(*primary.engine, *standby);
  EXPECT_EQ(standby->validate(request_for(codes[40])).reason, Reason::already_redeemed);

  // Promoted: its own changes go on after the primary's last record.
  ASSERT_TRUE(standby->set_following(false).is_ok());
  EXPECT_FALSE(standby->following());
  const Outcome taken = standby->redeem(request_for(codes[41], "promoted"));
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken.journal_sequence, primary.engine->last_sequence() + 1);
}

TEST(ReplicationApplyTest, TheCursorWaitsForWhatIsNotDurableAndSaysWhenASegmentIsGone) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("cursor"));
  const std::uint64_t last = fixture.engine->last_sequence();
  std::string bytes;
  replication::SegmentCursor ahead(fixture.directory.path() / "journal", last + 1);
  EXPECT_EQ(ahead.next(last, &bytes), replication::SegmentCursor::Read::not_yet);
  replication::SegmentCursor from_start(fixture.directory.path() / "journal", 1);
  EXPECT_EQ(from_start.next(last, &bytes), replication::SegmentCursor::Read::record);
  EXPECT_NE(replication::identity_of_record(fixture.directory.path() / "journal", 1), 0u);
  EXPECT_EQ(replication::identity_of_record(fixture.directory.path() / "journal", last + 1), 0u);
  // Segments removed after a snapshot: the record is gone for good.
  std::filesystem::path renamed = fixture.directory.path() / "journal" / "moved";
  std::filesystem::rename(fixture.directory.path() / "journal" / journal::segment_file_name(1), renamed);
  replication::SegmentCursor gone(fixture.directory.path() / "journal", 1);
  EXPECT_EQ(gone.next(last, &bytes), replication::SegmentCursor::Read::gone);
  EXPECT_FALSE(replication::journal_reaches(fixture.directory.path() / "journal", 1));
  std::filesystem::rename(renamed, fixture.directory.path() / "journal" / journal::segment_file_name(1));
}

}  // namespace
}  // namespace coupond
