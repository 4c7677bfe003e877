// The table's files on a full disk. Shard files are shared mappings: were they sparse, the first
// store into a page with no block behind it would find the disk full and kill the process with
// SIGBUS. Their space is reserved when they are created or grown, so a full disk is an error
// value: a table that cannot grow keeps the coupons it has, a load is refused, and a start-up
// that cannot rebuild its table says so and stops. Each test runs on a small tmpfs of its own.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "store/slot_table.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::TemporaryDirectory;

// A tmpfs of size_bytes mounted on a directory of the test's own, unmounted when done.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(std::size_t size_bytes) {
    const std::string options = testing::numbered("size=", size_bytes);
    mounted_ = ::mount("tmpfs", point_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallFileSystem() {
    if (mounted_) ::umount2(point_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return point_.path(); }

  // Fills the file system but for about room bytes.
  void fill_leaving(std::size_t room) {
    const std::filesystem::path filler = point_.path() / "filler";
    {
      std::ofstream file(filler, std::ios::binary);
      const std::string block(4096, 'x');
      while (file.write(block.data(), block.size())) {
      }
    }
    std::error_code ignored;
    std::filesystem::resize_file(filler, std::filesystem::file_size(filler) - room, ignored);
  }

 private:
  TemporaryDirectory point_;
  bool mounted_ = false;
};

#define REQUIRE_SMALL_FILE_SYSTEM(fs)                                                        \
  if (!(fs).mounted()) GTEST_SKIP() << "cannot mount a small tmpfs here (not root?)"

store::Slot slot_for(std::uint32_t serial) {
  store::Slot slot;
  slot.key = store::CouponKey::for_signed(1, serial);
  slot.set_batch_number(1);
  slot.uses_left = 1;
  return slot;
}

// An engine of four shards with its data directory on fs.
EngineOptions options_on(const SmallFileSystem& fs, const Clock& clock) {
  EngineOptions options;
  options.data_dir = fs.path() / "data";
  options.shard_bits = 2;
  options.clock = &clock;
  // Journal segments are written whole before their first record: small ones, for a small disk.
  options.journal_segment_bytes_max = 64 << 10;
  return options;
}

// Opens an engine on options with one batch, b1.
void open_with_batch(const EngineOptions& options, std::unique_ptr<Engine>* engine) {
  ASSERT_TRUE(Engine::open(options, engine).is_ok());
  const Batch* batch = nullptr;
  ASSERT_TRUE((*engine)->create_batch(amount_off_batch("b1"), &batch).is_ok());
}

bool says_disk_full(const Status& status) {
  return status.message().find("no space left on device") != std::string::npos;
}

TEST(TableSpaceTest, ATableLargerThanTheFreeSpaceIsRefusedWhenCreated) {
  SmallFileSystem fs(1 << 20);
  REQUIRE_SMALL_FILE_SYSTEM(fs);
  store::SlotTable table;
  const Status status =
      store::SlotTable::create(fs.path() / "shard.tbl", 0, 1, 100'000, &table);  // 4 MB
  EXPECT_EQ(status.code(), Status::Code::io_error);
  EXPECT_TRUE(says_disk_full(status)) << status.message();
  EXPECT_FALSE(std::filesystem::exists(fs.path() / "shard.tbl"));
}

TEST(TableSpaceTest, ATableThatCannotGrowKeepsItsCouponsAndSaysWhy) {
  SmallFileSystem fs(1 << 20);
  REQUIRE_SMALL_FILE_SYSTEM(fs);
  store::SlotTable table;
  ASSERT_TRUE(store::SlotTable::create(fs.path() / "shard.tbl", 0, 1, 0, &table).is_ok());
  Status status;
  std::uint32_t inserted = 0;
  for (std::uint32_t serial = 0; serial < 100'000 && status.is_ok(); ++serial) {
    const store::Slot slot = slot_for(serial);
    store::Slot* stored = nullptr;
    status = table.insert(slot, store::hash_key(slot.key), &stored);
    if (status.is_ok()) ++inserted;
  }
  ASSERT_FALSE(status.is_ok()) << "100,000 slots (4 MB) cannot fit in 1 MB";
  EXPECT_TRUE(says_disk_full(status)) << status.message();
  EXPECT_EQ(table.count(), inserted);
  for (std::uint32_t serial = 0; serial < inserted; ++serial) {
    const store::Slot slot = slot_for(serial);
    ASSERT_NE(table.find(slot.key, store::hash_key(slot.key)), nullptr) << serial;
  }
}

TEST(TableSpaceTest, ALoadOnAFullDiskIsRefusedAndTheEngineGoesOn) {
  SmallFileSystem fs(2 << 20);
  REQUIRE_SMALL_FILE_SYSTEM(fs);
  ManualClock clock{testing::campaign_start() + std::chrono::hours(1)};
  const EngineOptions options = options_on(fs, clock);
  std::unique_ptr<Engine> engine;
  open_with_batch(options, &engine);
  std::uint64_t sunk = 0;
  const Status refused =
      engine->generate("b1", 200'000, [&](std::string_view) { ++sunk; });  // 10 MB of table
  EXPECT_FALSE(refused.is_ok());
  EXPECT_TRUE(says_disk_full(refused)) << refused.message();
  EXPECT_EQ(sunk, 0u);
  EXPECT_EQ(engine->coupon_count(), 0u);
  std::vector<std::string> codes;
  ASSERT_TRUE(engine->generate("b1", 100, [&](std::string_view code) {
    codes.emplace_back(code);
  }).is_ok());
  EXPECT_TRUE(engine->redeem(testing::request_for(codes[0], "o-1")).ok());
}

TEST(TableSpaceTest, AStartThatCannotRebuildItsTableIsRefusedWithAMessage) {
  SmallFileSystem fs(16 << 20);
  REQUIRE_SMALL_FILE_SYSTEM(fs);
  ManualClock clock{testing::campaign_start() + std::chrono::hours(1)};
  const EngineOptions options = options_on(fs, clock);
  {
    std::unique_ptr<Engine> engine;
    open_with_batch(options, &engine);
    ASSERT_TRUE(engine->generate("b1", 100'000, [](std::string_view) {}).is_ok());  // 5 MB
    SnapshotInfo snapshot;
    ASSERT_TRUE(engine->snapshot(&snapshot).is_ok());
  }
  // The table is rebuilt at every start, so it need not be kept; the disk then fills up.
  std::filesystem::remove_all(options.data_dir / "table");
  fs.fill_leaving(256 << 10);
  std::unique_ptr<Engine> engine;
  const Status refused = Engine::open(options, &engine);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_TRUE(says_disk_full(refused)) << refused.message();
  EXPECT_EQ(engine, nullptr);
  // With room again, the same directory starts and has every coupon.
  std::filesystem::remove(fs.path() / "filler");
  ASSERT_TRUE(Engine::open(options, &engine).is_ok());
  EXPECT_EQ(engine->coupon_count(), 100'000u);
}

}  // namespace
}  // namespace coupond
