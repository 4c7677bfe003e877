// The standby's check of a record message (replication/record_message.h): a whole record passes
// with its header and payload; one cut short, with bytes its header does not count, or with any
// bit changed is refused, even where its checksum still verifies over what its header counts.
#include <gtest/gtest.h>

#include <cstring>

#include "replication/record_message.h"

namespace coupond {
namespace {

using replication::check_record_message;

std::string record_message(std::uint64_t sequence, std::string_view payload) {
  journal::RecordHeader header;
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.type = static_cast<std::uint8_t>(journal::RecordType::use_taken);
  header.sequence = sequence;
  header.checksum = journal::record_checksum(header, payload.data());
  std::string body(reinterpret_cast<const char*>(&header), sizeof(header));
  body.append(payload);
  return body;
}

TEST(ReplicationRecordMessageTest, AWholeRecordPassesWithItsHeaderAndPayload) {
  const std::string body = record_message(7, "payload");
  journal::RecordHeader header;
  std::string_view payload;
  ASSERT_TRUE(check_record_message(body, &header, &payload).is_ok());
  EXPECT_EQ(header.sequence, 7u);
  EXPECT_EQ(header.payload_bytes, 7u);
  EXPECT_EQ(payload, "payload");
}

TEST(ReplicationRecordMessageTest, ARecordOfTheWrongLengthOrChecksumIsRefused) {
  const std::string body = record_message(7, "payload");
  journal::RecordHeader header;
  std::string_view payload;
  EXPECT_FALSE(check_record_message(body.substr(0, 23), &header, &payload).is_ok());
  EXPECT_FALSE(check_record_message(body.substr(0, body.size() - 1), &header, &payload).is_ok());
  // The checksum verifies over the 7 bytes the header counts; the eighth is not the record's.
  EXPECT_FALSE(check_record_message(body + "x", &header, &payload).is_ok());
  for (std::size_t at = 0; at < body.size(); ++at) {
    std::string flipped = body;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    EXPECT_FALSE(check_record_message(flipped, &header, &payload).is_ok()) << "byte " << at;
  }
}

}  // namespace
}  // namespace coupond
