// The opening of a replication connection (replication/handshake.h): the messages decode only
// whole and encode back to the same bytes, and a node name is 1 to 64 letters, digits, '.', '_'
// or '-'.
#include <gtest/gtest.h>

#include "replication/handshake.h"
#include "replication/wire.h"

namespace coupond {
namespace {

TEST(ReplicationHandshakeTest, MessagesDecodeOnlyWholeAndEncodeBackToTheSameBytes) {
  replication::Hello hello;
  hello.version = replication::protocol_version;
  hello.node = "standby-1";
  hello.last_sequence = 12;
  hello.last_identity = 34;
  hello.token_proof[0] = 5;
  const std::string body = replication::encode(hello);
  EXPECT_LE(body.size(), replication::hello_bytes_max);
  replication::Hello decoded;
  ASSERT_TRUE(replication::decode(body, &decoded));
  EXPECT_EQ(replication::encode(decoded), body);
  EXPECT_FALSE(replication::decode(body + "x", &decoded));
  EXPECT_FALSE(replication::decode(body.substr(0, body.size() - 1), &decoded));

  replication::Start start{replication::StartMode::base_copy, 9};
  std::string start_body = replication::encode(start);
  replication::Start decoded_start;
  ASSERT_TRUE(replication::decode(start_body, &decoded_start));
  EXPECT_EQ(replication::encode(decoded_start), start_body);
  start_body[0] = 3;  // neither records nor a base copy
  EXPECT_FALSE(replication::decode(start_body, &decoded_start));
}

TEST(ReplicationHandshakeTest, NodeNamesAreOneToSixtyFourOfTheAllowedCharacters) {
  EXPECT_TRUE(replication::valid_node_name("n2.zone-a_1"));
  EXPECT_TRUE(replication::valid_node_name(std::string(64, 'n')));
  EXPECT_FALSE(replication::valid_node_name(""));
  EXPECT_FALSE(replication::valid_node_name(std::string(65, 'n')));
  EXPECT_FALSE(replication::valid_node_name("n2\nreplication: forged"));
  EXPECT_FALSE(replication::valid_node_name(std::string("n\0", 2)));
  EXPECT_FALSE(replication::valid_node_name("n\"}"));
}

}  // namespace
}  // namespace coupond
