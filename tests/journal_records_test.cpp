// Journal record payloads: a batch's code format is written with its creation and read back, and a
// creation record written before batches had tagged fields still reads, as standard.
#include "persist/journal_records.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace coupond::records {
namespace {

BatchCreated compact_batch() {
  BatchCreated record;
  record.number = 7;
  record.definition = testing::amount_off_batch("drinks");
  std::string prefix("LAT");
  record.definition.code.prefix = std::move(prefix);
  record.definition.code.format = CodeFormat::compact;
  record.definition.code.tag_bits = compact_tag_bits;
  return record;
}

TEST(JournalRecordsTest, ABatchCreationKeepsItsCodeFormat) {
  std::string payload;
  encode(compact_batch(), &payload);
  BatchCreated decoded;
  ASSERT_TRUE(decode(payload, &decoded));
  EXPECT_EQ(decoded.number, 7u);
  EXPECT_EQ(decoded.definition.code.format, CodeFormat::compact);
  EXPECT_EQ(decoded.definition.code.prefix, "LAT");
  EXPECT_EQ(decoded.definition.code.tag_bits, compact_tag_bits);
}

TEST(JournalRecordsTest, ABatchCreationFromBeforeFormatsReadsAsStandard) {
  BatchCreated standard = compact_batch();
  standard.definition.code.format = CodeFormat::standard;
  standard.definition.code.tag_bits = tag_bits_default;
  std::string payload;
  encode(standard, &payload);
  payload.resize(payload.size() - 4);  // the tagged fields' count, which older builds did not write
  BatchCreated decoded;
  ASSERT_TRUE(decode(payload, &decoded));
  EXPECT_EQ(decoded.definition.code.format, CodeFormat::standard);
  EXPECT_EQ(decoded.definition.id, "drinks");
}

TEST(JournalRecordsTest, AnUnknownCodeFormatOrTrailingBytesDoNotDecode) {
  std::string payload;
  encode(compact_batch(), &payload);
  BatchCreated decoded;
  std::string unknown = payload;
  unknown.back() = 9;  // the code format's value, the last tagged field
  EXPECT_FALSE(decode(unknown, &decoded));
  EXPECT_FALSE(decode(payload + '\0', &decoded));
}

}  // namespace
}  // namespace coupond::records
