// The shard table on its own: what goes in comes out, through growth and presizing; the file on
// disk has the documented header; and the sharded CouponTable spreads keys over every shard.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "store/coupon_table.h"
#include "store/customer_usage.h"
#include "store/slot_table.h"
#include "test_support.h"

namespace coupond::store {
namespace {

Slot slot_for(std::uint32_t batch, std::uint32_t serial) {
  Slot slot;
  slot.key = CouponKey::for_signed(batch, serial);
  slot.set_batch_number(batch);
  slot.uses_left = serial % 7 + 1;
  return slot;
}

TEST(SlotTableTest, FindsEveryInsertedKeyThroughGrowth) {
  testing::TemporaryDirectory directory;
  SlotTable table;
  ASSERT_TRUE(SlotTable::create(directory.path() / "shard.tbl", 0, 1, 0, &table).is_ok());
  EXPECT_EQ(table.capacity(), shard_slots_min);
  constexpr std::uint32_t count = 100'000;
  for (std::uint32_t serial = 0; serial < count; ++serial) {
    const Slot slot = slot_for(3, serial);
    Slot* stored = nullptr;
    ASSERT_TRUE(table.insert(slot, hash_key(slot.key), &stored).is_ok());
    ASSERT_EQ(stored->key, slot.key);
  }
  EXPECT_EQ(table.count(), count);
  EXPECT_LE(static_cast<double>(table.count()), table.capacity() * table_load_max);
  for (std::uint32_t serial = 0; serial < count; ++serial) {
    const CouponKey key = CouponKey::for_signed(3, serial);
    const Slot* found = table.find(key, hash_key(key));
    ASSERT_NE(found, nullptr) << serial;
    EXPECT_EQ(found->uses_left, serial % 7 + 1);
    EXPECT_EQ(found->batch_number(), 3u);
  }
  const CouponKey absent = CouponKey::for_signed(4, 0);
  EXPECT_EQ(table.find(absent, hash_key(absent)), nullptr);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "shard.tbl.grow"));
}

TEST(SlotTableTest, ReservePresizesToTheTargetLoadSoInsertsNeverGrow) {
  testing::TemporaryDirectory directory;
  SlotTable table;
  ASSERT_TRUE(SlotTable::create(directory.path() / "shard.tbl", 0, 1, 0, &table).is_ok());
  ASSERT_TRUE(table.reserve(10'000).is_ok());
  const std::uint64_t capacity = table.capacity();
  EXPECT_EQ(capacity, 12'500u);  // 10,000 / 0.80: not rounded up to a power of two
  for (std::uint32_t serial = 0; serial < 10'000; ++serial) {
    const Slot slot = slot_for(1, serial);
    Slot* stored = nullptr;
    ASSERT_TRUE(table.insert(slot, hash_key(slot.key), &stored).is_ok());
  }
  EXPECT_EQ(table.capacity(), capacity);
}

TEST(SlotTableTest, FileHoldsTheDocumentedHeaderAndSlots) {
  testing::TemporaryDirectory directory;
  const auto path = directory.path() / "shard.tbl";
  {
    SlotTable table;
    ASSERT_TRUE(SlotTable::create(path, 5, 16, 100, &table).is_ok());
    const Slot slot = slot_for(9, 77);
    Slot* stored = nullptr;
    ASSERT_TRUE(table.insert(slot, hash_key(slot.key), &stored).is_ok());
  }
  std::ifstream file(path, std::ios::binary);
  ShardHeader header;
  file.read(reinterpret_cast<char*>(&header), sizeof(header));
  ASSERT_TRUE(file);
  EXPECT_EQ(header.magic, shard_magic);
  EXPECT_EQ(header.format_version, shard_format_version);
  EXPECT_EQ(header.slot_bytes, sizeof(Slot));
  EXPECT_EQ(header.shard_index, 5u);
  EXPECT_EQ(header.shard_count, 16u);
  EXPECT_EQ(header.capacity, 100u);
  EXPECT_EQ(header.count, 1u);
  EXPECT_EQ(std::filesystem::file_size(path), sizeof(ShardHeader) + 100 * sizeof(Slot));
}

// A snapshot's slot array is restored as it is; one that says the wrong count, or leaves no
// empty slot to end a probe, would make every later lookup of a missing key loop for ever.
TEST(SlotTableTest, RestoreRefusesSlotArraysThatWouldNeverEndAProbe) {
  testing::TemporaryDirectory directory;
  SlotTable table;
  ASSERT_TRUE(SlotTable::create(directory.path() / "shard.tbl", 0, 1, 0, &table).is_ok());
  std::vector<Slot> slots(shard_slots_min);
  for (std::uint32_t serial = 0; serial < slots.size(); ++serial) slots[serial] = slot_for(1, serial);

  EXPECT_EQ(table.restore(slots.data(), slots.size(), slots.size()).code(), Status::Code::corruption);
  slots.back() = Slot();  // one empty slot, but more than the load the table keeps to
  EXPECT_EQ(table.restore(slots.data(), slots.size(), slots.size() - 1).code(),
            Status::Code::corruption);
  slots.assign(shard_slots_min, Slot());
  slots[5] = slot_for(1, 5);
  EXPECT_EQ(table.restore(slots.data(), slots.size(), 0).code(), Status::Code::corruption);
  EXPECT_EQ(table.restore(slots.data(), slots.size(), 2).code(), Status::Code::corruption);

  ASSERT_TRUE(table.restore(slots.data(), slots.size(), 1).is_ok());
  EXPECT_EQ(table.count(), 1u);
  const CouponKey absent = CouponKey::for_signed(2, 0);
  EXPECT_EQ(table.find(absent, hash_key(absent)), nullptr);
}

TEST(CouponTableTest, SpreadsKeysOverEveryShardAndCountsThem) {
  testing::TemporaryDirectory directory;
  std::unique_ptr<CouponTable> table;
  ASSERT_TRUE(CouponTable::create(directory.path() / "table", 4, &table).is_ok());
  ASSERT_EQ(table->shard_count(), 16u);
  ASSERT_TRUE(table->reserve(16'000).is_ok());
  std::mt19937_64 random(7);
  for (std::uint32_t i = 0; i < 16'000; ++i) {
    Slot slot;
    slot.key = CouponKey::for_imported(random(), random());
    const std::uint64_t hash = hash_key(slot.key);
    CouponTable::Shard& shard = table->shard_for(hash);
    std::lock_guard lock(shard.mutex);
    Slot* stored = nullptr;
    ASSERT_TRUE(shard.slots.insert(slot, hash, &stored).is_ok());
  }
  EXPECT_EQ(table->count(), 16'000u);
  for (std::uint32_t i = 0; i < table->shard_count(); ++i) {
    EXPECT_GT(table->shard(i).slots.count(), 800u) << "shard " << i;
    EXPECT_LT(table->shard(i).slots.count(), 1200u) << "shard " << i;
  }
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "table" / "shard-0015.tbl"));
  EXPECT_EQ(CouponTable::create(directory.path() / "t2", 13, &table).code(),
            Status::Code::invalid_argument);
}

TEST(CouponKeyTest, SignedAndImportedKeysNeverMeetAndNeverLookEmpty) {
  const CouponKey signed_key = CouponKey::for_signed(1, 0);
  EXPECT_TRUE(signed_key.is_signed());
  EXPECT_FALSE(signed_key.is_empty());
  EXPECT_EQ(signed_key.signed_batch_number(), 1u);
  const CouponKey imported = CouponKey::for_imported(~std::uint64_t{0}, 0);
  EXPECT_FALSE(imported.is_signed());
  EXPECT_FALSE(CouponKey::for_imported(0, 0).is_empty());
}

TEST(CustomerUsageTest, TakesUpToTheLimitPerBatchAndCustomer) {
  CustomerUsage usage(2);
  EXPECT_TRUE(usage.try_take(1, 42, 2));
  EXPECT_TRUE(usage.try_take(1, 42, 2));
  EXPECT_FALSE(usage.try_take(1, 42, 2));
  EXPECT_TRUE(usage.try_take(2, 42, 2));  // another batch
  EXPECT_TRUE(usage.try_take(1, 43, 2));  // another customer
  EXPECT_EQ(usage.uses(1, 42), 2u);
  usage.give_back(1, 42);
  EXPECT_EQ(usage.uses(1, 42), 1u);
  EXPECT_TRUE(usage.try_take(1, 42, 2));
  usage.give_back(9, 9);  // nothing to give back: no effect
  EXPECT_EQ(usage.uses(9, 9), 0u);
}

}  // namespace
}  // namespace coupond::store
