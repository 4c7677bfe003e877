// Power cuts of the real coupond. A SIGKILL alone leaves the page cache, so it cannot tell a
// missing fdatasync from a present one; here coupond runs under the power-cut shim (power_cut.h)
// and every kill is followed by a simulated power cut: each file of the data directory is cut back
// to its size at its last completed sync, and each creation, rename and removal whose directory
// was not synced after it is undone. The table files are left out: they are rebuilt at every
// start. After every restart the two invariants of crash_support.h must hold, and a large import
// answered before the cut is all there.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "crash_support.h"
#include "http_client.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using namespace testing;

TEST(CrashTest, PowerCutsAtRandomMomentsLoseNoAcknowledgedRedemption) {
  TemporaryDirectory directory;
  const fs::path data_dir = directory.path() / "data";
  const fs::path log = directory.path() / "power-cut.log";
  const std::vector<std::string> codes = prepare(data_dir);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(crash_codes_count));
  Ledger ledger;
  std::mt19937 random(20261129);
  std::uniform_int_distribution<int> run_time_ms(200, 700);
  int syncs_seen = 0;
  const int cycles = crash_cycles(4);
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE(testing::numbered("cycle ", cycle));
    // Small segments, so that runs rotate the journal; every other run also takes a snapshot
    // part way, which removes the segments it covers.
    ServerProcess server(ServerOptions{{"--journal-segment-bytes", "16384"}, data_dir,
                                       power_cut_environment(data_dir, log), true});
    if (!server.started()) {
      server.wait_for_end(std::chrono::seconds(10));
      FAIL() << "coupond did not start after the power cut:\n" << server.error_output();
    }
    expect_ledger_holds(server, ledger);
    Shoppers shoppers(server, codes, ledger, testing::numbered("p", cycle));
    const int run_time = run_time_ms(random);
    sleep_for_milliseconds(run_time / 2);
    if (cycle % 2 == 1) {
      EXPECT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/snapshot", "",
                             server.admin_token()).status, 200);
    }
    sleep_for_milliseconds(run_time / 2);
    server.kill_now();
    shoppers.join();
    const PowerCutReport cut = cut_power(data_dir, log, {rebuilt_at_start(data_dir)});
    syncs_seen += cut.syncs_seen;
    EXPECT_GT(shoppers.answered(), 0);
    EXPECT_EQ(shoppers.bad_replays(), 0);
  }
  EXPECT_GT(syncs_seen, 0) << "the shim saw no sync: coupond did not run under it";
  ServerProcess last(ServerOptions{{}, data_dir, {}, false});
  ASSERT_TRUE(last.started());
  expect_ledger_holds(last, ledger);
  EXPECT_GT(ledger.size(), 50u) << "the cuts came before enough was redeemed to prove anything";
}

TEST(CrashTest, APowerCutBetweenWriteAndSyncDropsTheUnsyncedGroup) {
  const auto the_group_dropped = [](const fs::path&, const PowerCutReport& cut) {
    EXPECT_GT(cut.bytes_dropped, 0u) << cut.describe();
  };
  run_fault_case({.point = "journal.after_write:60", .power_cut = true,
                  .after_kill = the_group_dropped});
}

TEST(CrashTest, APowerCutAfterASnapshotRenameBeforeTheDirectorySyncLosesTheNewSnapshot) {
  // The new snapshot's name, and the temporary name it had, were never synced: the two snapshots
  // from before are all there is (a kill alone leaves three).
  const auto the_rename_undone = [](const fs::path& data_dir, const PowerCutReport& cut) {
    std::vector<fs::path> snapshots;
    for (const auto& entry : fs::directory_iterator(data_dir / "snapshots")) {
      snapshots.push_back(entry.path());
    }
    EXPECT_EQ(snapshots.size(), 2u) << cut.describe();
    EXPECT_GE(cut.names_undone, 2) << cut.describe();
  };
  run_fault_case({.point = "snapshot.after_rename:2", .snapshots = true, .power_cut = true,
                  .after_kill = the_rename_undone});
}

TEST(CrashTest, APowerCutDuringJournalRotationLeavesTheNewSegmentOrNothing) {
  const auto rotation_cut = [](const fs::path& data_dir, const PowerCutReport& cut) {
    EXPECT_GT(cut.names_undone, 0) << cut.describe();
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(data_dir / "journal", ignored)) {
      EXPECT_GT(fs::file_size(entry.path()), 0u) << entry.path() << " was never synced";
    }
  };
  run_fault_case({.point = "journal.rotate:4", .flags = {"--journal-segment-bytes", "4096"},
                  .power_cut = true, .after_kill = rotation_cut});
}

// The first run of a fresh data directory: the batch, its codes and the redemptions acknowledged
// are kept, and so are the keys that make the codes verify, the journal directory, and the
// snapshot directory that a snapshot made (after which the journal segments it covers are gone).
TEST(CrashTest, APowerCutInTheFirstRunKeepsWhatItAcknowledged) {
  TemporaryDirectory directory;
  const fs::path data_dir = directory.path() / "data";
  const fs::path log = directory.path() / "power-cut.log";
  fs::create_directory(data_dir);  // the shim watches a directory that exists
  Ledger ledger;
  {
    ServerProcess server(ServerOptions{{"--journal-segment-bytes", "4096"}, data_dir,
                                       power_cut_environment(data_dir, log), true});
    ASSERT_TRUE(server.started());
    const std::vector<std::string> codes = create_flash_sale(server);
    ASSERT_EQ(codes.size(), static_cast<std::size_t>(crash_codes_count));
    const auto redeem = [&](int first, int count) {
      for (int i = first; i < first + count; ++i) {
        const std::string order = testing::numbered("first-", i);
        const std::string& code = codes[static_cast<std::size_t>(i)];
        ASSERT_EQ(http_request(server.data_port(), "POST", "/v1/redeem", redeem_body(code, order))
                      .status, 200);
        ledger.acknowledged(code, order);
      }
    };
    redeem(0, 60);
    ASSERT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/snapshot", "",
                           server.admin_token()).status, 200);
    redeem(60, 20);
    server.kill_now();
  }
  const PowerCutReport cut = cut_power(data_dir, log, {rebuilt_at_start(data_dir)});
  EXPECT_GT(cut.syncs_seen, 0) << "coupond did not run under the shim";
  ServerProcess restarted(ServerOptions{{}, data_dir, {}, true});
  if (!restarted.started()) {
    restarted.wait_for_end(std::chrono::seconds(10));
    FAIL() << "coupond did not start after the power cut:\n" << restarted.error_output() << "\n"
           << cut.describe();
  }
  expect_ledger_holds(restarted, ledger);
  EXPECT_EQ(issued_count(restarted), crash_codes_count) << cut.describe();
}

TEST(CrashTest, APowerCutRightAfterALargeImportIsAnsweredKeepsEveryImportedCode) {
  // The file beside the journal, its pending name and its final one must all have been synced
  // before the 200: a cut drops whatever was not.
  TemporaryDirectory directory;
  const fs::path data_dir = directory.path() / "data";
  const fs::path log = directory.path() / "power-cut.log";
  const std::vector<std::string> codes = prepare(data_dir);
  Ledger ledger;
  const HttpResult imported =
      import_then_kill(data_dir, codes, ledger, power_cut_environment(data_dir, log));
  ASSERT_EQ(imported.status, 200) << imported.body;
  const PowerCutReport cut = cut_power(data_dir, log, {rebuilt_at_start(data_dir)});
  EXPECT_GT(cut.syncs_seen, 0) << "the shim saw no sync: coupond did not run under it";
  ServerProcess restarted(ServerOptions{{}, data_dir, {}, true});
  if (!restarted.started()) {
    restarted.wait_for_end(std::chrono::seconds(10));
    FAIL() << "coupond did not start after the power cut (" << cut.describe() << "):\n"
           << restarted.error_output();
  }
  expect_ledger_holds(restarted, ledger);
  EXPECT_EQ(issued_count(restarted), crash_codes_count + large_import_codes);
}

}  // namespace
}  // namespace coupond
