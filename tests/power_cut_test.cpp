// The simulated power cut itself: a small program (tests/power_cut_writer.cpp) writes, syncs,
// renames and removes files under the power-cut shim; cut_power() must then leave exactly what a
// power cut could have left: the bytes synced, and the names whose directory was synced after
// they changed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "power_cut.h"
#include "server_process.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using testing::cut_power;
using testing::PowerCutReport;
using testing::TemporaryDirectory;

std::string contents(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void put(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A directory watched by the shim, with its log beside it.
struct Watched {
  TemporaryDirectory temporary;
  fs::path directory = temporary.path() / "data";
  fs::path log = temporary.path() / "power-cut.log";

  Watched() { fs::create_directory(directory); }
  fs::path operator/(const std::string& name) const { return directory / name; }

  // Runs the writer's operations under the shim; fails the test if one fails.
  void run(const std::vector<std::string>& operations) const {
    std::string output;
    const int status = testing::run_program(COUPOND_POWER_CUT_WRITER, operations, &output,
                                            testing::power_cut_environment(directory, log));
    ASSERT_EQ(status, 0) << output;
  }
  PowerCutReport cut() const { return cut_power(directory, log); }
};

TEST(PowerCutTest, KeepsOnlyTheBytesSyncedBeforeTheCut) {
  Watched watched;
  const std::string file = (watched / "journal").string();
  watched.run({"append", file, "synced;", "sync", file, "syncdir", watched.directory.string(),
               "append", file, "written, never synced"});
  ASSERT_EQ(contents(file), "synced;written, never synced");
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(file), "synced;") << report.describe();
  EXPECT_EQ(report.syncs_seen, 1);
  EXPECT_EQ(report.files_cut, 1);
  EXPECT_EQ(report.bytes_dropped, std::string("written, never synced").size());
  EXPECT_FALSE(fs::exists(watched.log)) << "the next run starts a new log";
}

// As into a preallocated journal segment: zeros synced before the run, then records written over
// them in place. What no later sync covered reads as the zeros again.
TEST(PowerCutTest, WritesInPlaceAfterTheLastSyncReadAsZeros) {
  Watched watched;
  const std::string file = (watched / "segment").string();
  put(file, std::string(32, '\0'));
  watched.run({"pwrite", file, "0", "synced", "sync", file, "pwrite", file, "6", "unsynced"});
  ASSERT_EQ(contents(file), "syncedunsynced" + std::string(18, '\0'));
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(file), "synced" + std::string(26, '\0')) << report.describe();
  EXPECT_EQ(report.bytes_dropped, std::string("unsynced").size());
}

TEST(PowerCutTest, AFileThatExistedBeforeTheRunIsCutBackToItsSizeThen) {
  Watched watched;
  put(watched / "old", "on disk before;");
  watched.run({"append", (watched / "old").string(), "appended"});
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(watched / "old"), "on disk before;") << report.describe();
}

TEST(PowerCutTest, AFileWhoseDirectoryWasNeverSyncedIsGone) {
  Watched watched;
  const std::string kept = (watched / "kept").string();
  const std::string unnamed = (watched / "unnamed").string();
  watched.run({"append", kept, "kept", "sync", kept, "syncdir", watched.directory.string(),
               "append", unnamed, "synced, but its name never was", "sync", unnamed});
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(kept), "kept") << report.describe();
  EXPECT_FALSE(fs::exists(unnamed));
  EXPECT_EQ(report.names_undone, 1);
}

TEST(PowerCutTest, ARenameIsUndoneUntilItsDirectoryIsSynced) {
  Watched watched;
  put(watched / "tmp", "new");
  put(watched / "current", "old");
  put(watched / "a", "a");
  watched.run({"rename", (watched / "tmp").string(), (watched / "current").string(), "rename",
               (watched / "a").string(), (watched / "b").string()});
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(watched / "tmp"), "new") << report.describe();
  EXPECT_EQ(contents(watched / "current"), "old") << "the file the rename replaced is back";
  EXPECT_TRUE(fs::exists(watched / "a"));
  EXPECT_FALSE(fs::exists(watched / "b"));
  EXPECT_EQ(report.names_undone, 2);

  Watched synced;
  put(synced / "tmp", "new");
  put(synced / "current", "old");
  synced.run({"rename", (synced / "tmp").string(), (synced / "current").string(), "syncdir",
              synced.directory.string()});
  synced.cut();
  EXPECT_EQ(contents(synced / "current"), "new");
  EXPECT_FALSE(fs::exists(synced / "tmp"));
}

TEST(PowerCutTest, ARemovalIsUndoneUntilItsDirectoryIsSynced) {
  Watched watched;
  put(watched / "segment", "records");
  watched.run({"remove", (watched / "segment").string()});
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(watched / "segment"), "records") << report.describe();

  Watched synced;
  put(synced / "segment", "records");
  synced.run({"remove", (synced / "segment").string(), "syncdir", synced.directory.string()});
  synced.cut();
  EXPECT_FALSE(fs::exists(synced / "segment"));
}

TEST(PowerCutTest, ADirectoryNeverNamedOnDiskIsGoneWithWhatItHolds) {
  Watched watched;
  const fs::path journal = watched / "journal";
  const std::string segment = (journal / "1.log").string();
  watched.run({"mkdir", journal.string(), "append", segment, "records", "sync", segment,
               "syncdir", journal.string()});
  const PowerCutReport report = watched.cut();
  EXPECT_FALSE(fs::exists(journal)) << report.describe();
}

TEST(PowerCutTest, FilesOutsideTheWatchedDirectoryAreLeftAlone) {
  Watched watched;
  const fs::path outside = watched.temporary.path() / "outside";
  watched.run({"append", outside.string(), "never synced"});
  const PowerCutReport report = watched.cut();
  EXPECT_EQ(contents(outside), "never synced");
  EXPECT_EQ(report.notes.size(), 0u) << report.describe();
}

}  // namespace
}  // namespace coupond
