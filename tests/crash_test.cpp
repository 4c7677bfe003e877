// Crashes of the real coupond, and what a restart finds. Many connections redeem codes while the
// server is killed with SIGKILL at a random moment, or kills itself at a fault point (before a
// record is appended, between its write and its sync, after the sync but before the answer, half
// way through a snapshot, a journal rotation or a batch load, or between a large import's file and
// its record), or is killed right after a large import is answered, or runs out of disk. The
// random kills come while single codes and two-code stacks are redeemed. After every restart the
// invariants of crash_support.h are checked against the clients' own records.
// (A SIGKILL leaves the page cache: crash_power_cut_test.cpp also drops what was never synced.)
// A damaged journal makes the server refuse to start, naming the file and the offset.
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>

#include "crash_support.h"
#include "http_client.h"
#include "journal_test_support.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using namespace testing;

// The loop's shoppers redeem single flash codes and stacks of a flash code with a shipping code,
// so the kills come while the capped, budgeted flash batch is taken alone and in stacks.
TEST(CrashTest, KillNineAtRandomMomentsLosesNoAcknowledgedRedemptionAndSplitsNoStack) {
  TemporaryDirectory directory;
  std::vector<std::string> shipping;
  const std::vector<std::string> codes = prepare(directory.path(), {}, &shipping);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(crash_codes_count));
  ASSERT_EQ(shipping.size(), static_cast<std::size_t>(crash_stack_pairs));
  Ledger ledger;
  std::mt19937 random(20261111);
  std::uniform_int_distribution<int> run_time_ms(150, 600);
  const int cycles = crash_cycles(10);
  for (int cycle = 0; cycle < cycles; ++cycle) {
    // Every other run snapshots every second, so that restarts find a snapshot plus a journal.
    std::vector<std::string> flags;
    if (cycle % 2 == 1) flags = {"--snapshot-interval", "1"};
    ServerProcess server(ServerOptions{flags, directory.path(), {}, false});
    ASSERT_TRUE(server.started()) << "cycle " << cycle;
    expect_ledger_holds(server, ledger);
    expect_stacks_whole(server, codes, shipping);
    Shoppers shoppers(server, codes, ledger, testing::numbered("c", cycle), shipping);
    sleep_for_milliseconds(run_time_ms(random));
    server.kill_now();
    shoppers.join();
    EXPECT_EQ(shoppers.bad_replays(), 0) << "cycle " << cycle;
    EXPECT_GT(shoppers.answered(), 0) << "cycle " << cycle;
  }
  ServerProcess last(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(last.started());
  expect_ledger_holds(last, ledger);
  expect_stacks_whole(last, codes, shipping);
  EXPECT_GT(ledger.size_of("FS"), 50u) << "the crash loop redeemed too little to prove anything";
  EXPECT_GT(ledger.size_of("SH"), 10u) << "the crash loop stacked too little to prove anything";
}

// A group written (and, for the second, synced) but never answered: SIGKILL leaves the page cache,
// so the restart finds more redemptions than were acknowledged.
void expect_an_unanswered_group_kept(const ServerProcess& restarted, const Ledger& ledger, int) {
  EXPECT_GT(redeemed_count(restarted), static_cast<std::int64_t>(ledger.size()));
}

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(directory, ignored)) {
    files.push_back(entry.path());
  }
  return files;
}

TEST(CrashTest, KilledBeforeAppendingARecord) {
  run_fault_case({.point = "journal.before_append:150"});
}

TEST(CrashTest, KilledBetweenWriteAndSync) {
  run_fault_case(
      {.point = "journal.after_write:60", .after_restart = expect_an_unanswered_group_kept});
}

TEST(CrashTest, KilledAfterSyncBeforeTheAnswer) {
  run_fault_case(
      {.point = "journal.after_sync:60", .after_restart = expect_an_unanswered_group_kept});
}

TEST(CrashTest, KilledDuringJournalRotation) {
  // The new segment is named, its directory not yet synced: it holds its header and the zeros
  // it was made with, no record.
  const auto a_segment_without_records = [](const fs::path& data_dir, const PowerCutReport&) {
    const std::vector<fs::path> segments = journal_files::segment_files(data_dir / "journal");
    ASSERT_GE(segments.size(), 2u);
    const std::string newest = journal_files::read_bytes(segments.back());
    EXPECT_EQ(newest.size(), 4096u);
    EXPECT_EQ(journal_files::records_end(newest), sizeof(journal::SegmentHeader));
    EXPECT_TRUE(std::all_of(newest.begin() + sizeof(journal::SegmentHeader), newest.end(),
                            [](char c) { return c == 0; }));
  };
  run_fault_case({.point = "journal.rotate:4",
                  .flags = {"--journal-segment-bytes", "4096"},
                  .after_kill = a_segment_without_records});
}

TEST(CrashTest, KilledDuringASnapshotBeforeItsRename) {
  const auto a_snapshot_left_unnamed = [](const fs::path& data_dir, const PowerCutReport&) {
    EXPECT_TRUE(fs::exists(data_dir / "snapshots" / "snapshot.tmp"));
  };
  run_fault_case({.point = "snapshot.before_rename:2", .snapshots = true,
                  .after_kill = a_snapshot_left_unnamed});
}

TEST(CrashTest, KilledDuringASnapshotAfterItsRename) {
  // Named, but the older snapshots not yet removed: one more than are kept.
  const auto a_snapshot_renamed = [](const fs::path& data_dir, const PowerCutReport&) {
    const std::vector<fs::path> snapshots = files_in(data_dir / "snapshots");
    EXPECT_FALSE(fs::exists(data_dir / "snapshots" / "snapshot.tmp"));
    EXPECT_EQ(snapshots.size(), 3u);
  };
  run_fault_case(
      {.point = "snapshot.after_rename:2", .snapshots = true, .after_kill = a_snapshot_renamed});
}

TEST(CrashTest, KilledHalfWayThroughABatchLoad) {
  // The load that was cut is all there or not at all; the loads acknowledged are there.
  const auto whole_loads = [](const ServerProcess& restarted, const Ledger&, int loads) {
    const std::int64_t loaded = issued_count(restarted) - crash_codes_count;
    EXPECT_EQ(loaded % 2000, 0) << loaded << " codes loaded";
    EXPECT_GE(loaded, 2000 * loads);
  };
  run_fault_case({.point = "load.midway:3", .loads = true, .after_restart = whole_loads});
}

// A full disk while redeeming: the server stops acknowledging and exits with a clear message;
// nothing acknowledged is lost and a restart (with space again) is consistent.
void expect_full_disk_is_fatal_and_clean(const std::filesystem::path& data_dir,
                                         const std::vector<std::string>& environment,
                                         const std::vector<std::string>& codes,
                                         const std::function<void()>& make_room = {},
                                         const std::vector<std::string>& flags = {}) {
  Ledger ledger;
  {
    ServerProcess server(ServerOptions{flags, data_dir, environment, true});
    ASSERT_TRUE(server.started());
    Shoppers shoppers(server, codes, ledger, "disk");
    const int ended = server.wait_for_end(std::chrono::seconds(60));
    shoppers.join();
    EXPECT_GT(ended, 0) << "coupond must exit non-zero on a full disk; stderr:\n"
                        << server.error_output();
    EXPECT_NE(server.error_output().find("no space left on device"), std::string::npos)
        << server.error_output();
    ASSERT_GT(ledger.size(), 0u) << "nothing was acknowledged before the disk was full";
  }
  if (make_room) make_room();
  ServerProcess restarted(ServerOptions{flags, data_dir, {}, false});
  ASSERT_TRUE(restarted.started());
  expect_ledger_holds(restarted, ledger);
}

TEST(CrashTest, AnInjectedFullDiskStopsAcknowledgingAndLosesNothing) {
  TemporaryDirectory directory;
  const std::vector<std::string> codes = prepare(directory.path());
  expect_full_disk_is_fatal_and_clean(directory.path(), {"COUPOND_FAULT_POINT=write.enospc:80"},
                                      codes);
}

TEST(CrashTest, ARealFullFileSystemStopsAcknowledgingAndLosesNothing) {
  TemporaryDirectory mount_point;
  // A small file system of the test's own; where the test may not mount one, the injected full
  // disk above covers the same path through the server.
  if (::mount("tmpfs", mount_point.path().c_str(), "tmpfs", 0, "size=3m") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (not root?)";
  }
  const std::filesystem::path data_dir = mount_point.path() / "data";
  // Segments small enough for this file system: the journal makes each in full before its first
  // record, and runs out of room only once it must grow the segment at hand.
  const std::vector<std::string> flags = {"--journal-segment-bytes", "65536"};
  const std::vector<std::string> codes = prepare(data_dir, flags);
  // Fill the file system but for a little room, so that the journal runs out while redeeming.
  {
    std::ofstream filler(mount_point.path() / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
  }
  std::error_code ignored;
  std::filesystem::resize_file(mount_point.path() / "filler",
                               std::filesystem::file_size(mount_point.path() / "filler") - 64 * 1024,
                               ignored);
  expect_full_disk_is_fatal_and_clean(
      data_dir, {}, codes, [&] { std::filesystem::remove(mount_point.path() / "filler"); }, flags);
  ::umount2(mount_point.path().c_str(), MNT_DETACH);
}

TEST(CrashTest, ADamagedJournalIsRefusedUnlessTruncationIsForced) {
  TemporaryDirectory directory;
  const std::vector<std::string> codes = prepare(directory.path());
  Ledger ledger;
  {
    ServerProcess server(ServerOptions{{}, directory.path(), {}, false});
    ASSERT_TRUE(server.started());
    for (int i = 0; i < 50; ++i) {
      const std::string order = testing::numbered("o-", i);
      ASSERT_EQ(http_request(server.data_port(), "POST", "/v1/redeem",
                             redeem_body(codes[static_cast<std::size_t>(i)], order)).status, 200);
    }
    server.kill_now();  // no final snapshot: the redemptions live in the journal only
  }
  // The middle of the records of the segment that holds the redemptions (not of its zero tail).
  std::filesystem::path segment;
  std::size_t records_bytes = 0;
  for (const fs::path& candidate : journal_files::segment_files(directory.path() / "journal")) {
    const std::size_t end = journal_files::records_end(journal_files::read_bytes(candidate));
    if (end > 2000) {
      segment = candidate;
      records_bytes = end;
    }
  }
  ASSERT_FALSE(segment.empty());
  const auto middle = static_cast<std::streamoff>(records_bytes / 2);
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(middle);
    const char byte = static_cast<char>(file.get());
    file.seekp(middle);
    file.put(static_cast<char>(byte ^ 0x40));
  }
  {
    ServerProcess refused(ServerOptions{{}, directory.path(), {}, true});
    EXPECT_FALSE(refused.started());
    EXPECT_GT(refused.wait_for_end(std::chrono::seconds(10)), 0);
    EXPECT_NE(refused.error_output().find(segment.string()), std::string::npos)
        << refused.error_output();
    EXPECT_NE(refused.error_output().find("offset"), std::string::npos) << refused.error_output();
  }
  ServerProcess forced(ServerOptions{{"--journal-truncate-corrupt"}, directory.path(), {}, true});
  ASSERT_TRUE(forced.started());
  EXPECT_EQ(forced.stop(), 0);
  EXPECT_NE(forced.error_output().find("TRUNCATED"), std::string::npos) << forced.error_output();
}

std::vector<fs::path> import_files(const fs::path& data_dir) {
  std::vector<fs::path> files = files_in(data_dir / "imports");
  std::sort(files.begin(), files.end());
  return files;
}

TEST(CrashTest, KilledRightAfterALargeImportIsAnsweredKeepsEveryImportedCode) {
  TemporaryDirectory directory;
  const std::vector<std::string> codes = prepare(directory.path());
  Ledger ledger;
  const HttpResult imported = import_then_kill(directory.path(), codes, ledger);
  ASSERT_EQ(imported.status, 200) << imported.body;
  // The codes are in a file named after its record's sequence, the journal holds only the record.
  const std::vector<fs::path> files = import_files(directory.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string().find("pending"), std::string::npos) << files[0];
  ServerProcess restarted(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(restarted.started());
  expect_ledger_holds(restarted, ledger);
  EXPECT_EQ(issued_count(restarted), crash_codes_count + large_import_codes);
  for (int i = 0; i < large_import_codes; i += 97) {
    const std::string code = testing::numbered("IMPORTED", i);
    const HttpResult coupon = http_request(restarted.data_port(), "GET", "/v1/coupons/" + code);
    EXPECT_EQ(coupon.status, 200) << code;
  }
  EXPECT_EQ(import_files(directory.path()), files);
}

TEST(CrashTest, KilledBetweenAnImportsFileAndItsRecordLoadsNothingAndLeavesNoFile) {
  TemporaryDirectory directory;
  const std::vector<std::string> codes = prepare(directory.path());
  Ledger ledger;
  {
    ServerProcess server(ServerOptions{
        {}, directory.path(), {"COUPOND_FAULT_POINT=import.file_written"}, true});
    ASSERT_TRUE(server.started());
    Shoppers shoppers(server, codes, ledger, "import");
    wait_for_acknowledged(ledger, 20);
    EXPECT_EQ(import_large(server).status, 0) << "the import was answered";
    int signal = 0;
    EXPECT_EQ(server.wait_for_end(std::chrono::seconds(30), &signal), -1);
    EXPECT_EQ(signal, SIGKILL);
    shoppers.join();
  }
  // The file was written and synced; no record names it.
  const std::vector<fs::path> files = import_files(directory.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].filename().string().find("pending"), std::string::npos) << files[0];
  ServerProcess restarted(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(restarted.started());
  expect_ledger_holds(restarted, ledger);
  EXPECT_EQ(issued_count(restarted), crash_codes_count);
  EXPECT_TRUE(import_files(directory.path()).empty());
  // The same import again is whole: none of its codes was half loaded.
  const HttpResult again = import_large(restarted);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(boost::json::parse(again.body).at("imported").as_int64(), large_import_codes);
}

TEST(CrashTest, AFullDiskUnderALargeImportRefusesItLoadsNothingAndGoesOn) {
  TemporaryDirectory directory;
  const std::vector<std::string> codes = prepare(directory.path());
  Ledger ledger;
  {
    ServerProcess server(
        ServerOptions{{}, directory.path(), {"COUPOND_FAULT_POINT=load_file.enospc"}, false});
    ASSERT_TRUE(server.started());
    Shoppers shoppers(server, codes, ledger, "import");
    wait_for_acknowledged(ledger, 20);
    const HttpResult refused = import_large(server);
    EXPECT_EQ(refused.status, 500) << refused.body;
    EXPECT_NE(refused.body.find("no space left on device"), std::string::npos) << refused.body;
    EXPECT_EQ(issued_count(server), crash_codes_count);
    EXPECT_TRUE(import_files(directory.path()).empty());
    // The redemptions go on (answered, if only 409 once the codes are used up): the journal is
    // not the import's.
    const int answered = shoppers.answered();
    sleep_for_milliseconds(200);
    EXPECT_GT(shoppers.answered(), answered);
    shoppers.join();
    expect_ledger_holds(server, ledger);
  }
  // With room again, the same import loads whole.
  ServerProcess restarted(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(restarted.started());
  expect_ledger_holds(restarted, ledger);
  const HttpResult again = import_large(restarted);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(issued_count(restarted), crash_codes_count + large_import_codes);
}

}  // namespace
}  // namespace coupond
