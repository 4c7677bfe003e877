// The snapshot reader refuses a snapshot that verifies but whose references do not hold: a
// coupon of a batch the catalog does not have, or whose latest use is past the use log. Such a
// file is not one coupond writes (each shard is copied under its lock, the catalog with no batch
// change in between), but a lookup of the coupon would otherwise follow the reference out of the
// engine's arrays. It also reads the snapshots of older versions: a version 2 file, without the
// batches' code formats, loads them as standard.
#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>

#include "persist/definition_tags.h"
#include "persist/journal_records.h"
#include "persist/snapshot_format.h"
#include "store/slot_format.h"
#include "test_support.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;

// Rewrites the snapshot at path: change is given each occupied slot of the first shard, and the
// checksums are made right again, so that only the reader's own checks can refuse it.
void rewrite_slots(const fs::path& path, const std::function<void(store::Slot&)>& change) {
  std::string file;
  {
    std::ifstream in(path, std::ios::binary);
    file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  snapshot_format::Header header;
  ASSERT_GE(file.size(), sizeof(header));
  std::memcpy(&header, file.data(), sizeof(header));
  char* body = file.data() + sizeof(header);
  journal::ByteReader reader(body, file.size() - sizeof(header));
  reader.integer<std::uint8_t>();  // the catalog: has_imported_codes, then each batch
  const auto batches = reader.integer<std::uint32_t>();
  for (std::uint32_t i = 0; i < batches; ++i) {
    reader.integer<std::uint32_t>();
    BatchDefinition definition;
    records::read_definition(reader, &definition, records::TaggedFields::present);
    reader.integer<std::uint64_t>();
    reader.integer<std::uint8_t>();
  }
  reader.integer<std::uint64_t>();  // the first shard: its sequence, capacity, count, slots
  const auto capacity = reader.integer<std::uint64_t>();
  reader.integer<std::uint64_t>();
  char* slots = const_cast<char*>(reader.raw(capacity * sizeof(store::Slot)));
  ASSERT_TRUE(reader.ok());
  for (std::uint64_t i = 0; i < capacity; ++i) {
    store::Slot slot;
    std::memcpy(&slot, slots + i * sizeof(slot), sizeof(slot));
    if (slot.key.is_empty()) continue;
    change(slot);
    std::memcpy(slots + i * sizeof(slot), &slot, sizeof(slot));
  }
  header.body_checksum = XXH3_64bits(body, header.body_bytes);
  header.header_checksum = XXH3_64bits(&header, offsetof(snapshot_format::Header, header_checksum));
  std::memcpy(file.data(), &header, sizeof(header));
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(file.data(), static_cast<std::streamsize>(file.size()));
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Rewrites the snapshot at path as version 2 wrote it: without each batch's tagged fields,
// checksums made right again.
void rewrite_as_version_2(const fs::path& path) {
  const std::string file = read_whole(path);
  snapshot_format::Header header;
  ASSERT_GE(file.size(), sizeof(header));
  std::memcpy(&header, file.data(), sizeof(header));
  const std::string_view body(file.data() + sizeof(header), file.size() - sizeof(header));
  journal::ByteReader reader(body);
  auto position = [&] { return body.size() - reader.remaining(); };
  std::string old_body;
  reader.integer<std::uint8_t>();
  const auto batches = reader.integer<std::uint32_t>();
  std::size_t copied = 0;
  for (std::uint32_t i = 0; i < batches; ++i) {
    reader.integer<std::uint32_t>();
    BatchDefinition definition;
    records::read_definition(reader, &definition, records::TaggedFields::absent);
    old_body.append(body.substr(copied, position() - copied));
    records::read_tagged_fields(reader, &definition);
    copied = position();  // the tagged fields are left out
    reader.integer<std::uint64_t>();
    reader.integer<std::uint8_t>();
  }
  ASSERT_TRUE(reader.ok());
  old_body.append(body.substr(copied));
  header.format_version = 2;
  header.body_bytes = old_body.size();
  header.body_checksum = XXH3_64bits(old_body.data(), old_body.size());
  header.header_checksum = XXH3_64bits(&header, offsetof(snapshot_format::Header, header_checksum));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&header), sizeof(header));
  out.write(old_body.data(), static_cast<std::streamsize>(old_body.size()));
}

// One shard holding a redeemed imported code; the snapshot path it was saved to.
fs::path snapshot_of_one_redemption(testing::EngineFixture& fixture) {
  fixture.create(testing::amount_off_batch("partner"));
  const std::vector<ImportLine> lines = {{"REF-0001", "", ""}};
  ImportResult imported;
  EXPECT_TRUE(fixture.engine->import_codes("partner", lines, &imported).is_ok());
  EXPECT_TRUE(fixture.engine->redeem(testing::request_for("REF-0001", "order-1")).ok());
  SnapshotInfo snapshot;
  EXPECT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  fixture.engine.reset();
  return snapshot.path;
}

TEST(SnapshotReaderTest, OpensTheSnapshotAsWrittenWhenItsSlotsAreRewrittenUnchanged) {
  testing::EngineFixture fixture(0);
  rewrite_slots(snapshot_of_one_redemption(fixture), [](store::Slot&) {});
  ASSERT_TRUE(fixture.reopen().is_ok());
  CouponDescription description;
  ASSERT_TRUE(fixture.engine->describe_coupon("REF-0001", &description).is_ok());
  EXPECT_EQ(description.uses, 1u);
}

TEST(SnapshotReaderTest, RefusesACouponOfABatchTheCatalogDoesNotHave) {
  testing::EngineFixture fixture(0);
  rewrite_slots(snapshot_of_one_redemption(fixture), [](store::Slot& slot) { slot.set_batch_number(7); });
  EXPECT_EQ(fixture.reopen().code(), Status::Code::corruption);
}

TEST(SnapshotReaderTest, RefusesACouponWhoseLatestUseIsPastTheUseLog) {
  testing::EngineFixture fixture(0);
  rewrite_slots(snapshot_of_one_redemption(fixture), [](store::Slot& slot) { slot.latest_use = 2; });
  EXPECT_EQ(fixture.reopen().code(), Status::Code::corruption);
}

TEST(SnapshotReaderTest, AVersion2SnapshotLoadsItsBatchesAsStandard) {
  testing::EngineFixture fixture(0);
  const fs::path path = snapshot_of_one_redemption(fixture);
  rewrite_as_version_2(path);
  ASSERT_TRUE(fixture.reopen().is_ok());
  const Batch* batch = fixture.engine->find_batch("partner");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->code_format(), CodeFormat::standard);
  CouponDescription description;
  ASSERT_TRUE(fixture.engine->describe_coupon("REF-0001", &description).is_ok());
  EXPECT_EQ(description.uses, 1u);
}

TEST(SnapshotReaderTest, ACompactBatchKeepsItsFormatInTheSnapshot) {
  testing::EngineFixture fixture(0);
  BatchDefinition compact = testing::amount_off_batch("drinks");
  compact.code.format = CodeFormat::compact;
  compact.code.tag_bits = compact_tag_bits;
  compact.code.group_size = 0;
  fixture.create(compact);
  const std::string code = fixture.generate("drinks", 1).at(0);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  // The batch comes back from the snapshot's catalog: replay skips the catalog records it covers.
  ASSERT_TRUE(fixture.reopen().is_ok());
  const Batch* batch = fixture.engine->find_batch("drinks");
  ASSERT_NE(batch, nullptr);
  EXPECT_EQ(batch->code_format(), CodeFormat::compact);
  EXPECT_EQ(fixture.engine->validate(testing::request_for(code)).reason, Reason::ok);
  EXPECT_EQ(fixture.generate("drinks", 1).at(0).size(), 2u + 16u);  // "T-" and 16
}

}  // namespace
}  // namespace coupond
