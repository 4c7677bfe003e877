// The opening of a replication connection (replication/handshake.h, the primary's check of a
// hello): the messages decode only whole and encode back to the same bytes, a hello with a node
// name of anything but 1 to 64 letters, digits, '.', '_' or '-' is refused, and the refusal's log
// line does not repeat a name the peer sent that is not one (a line break in it would forge a log
// line of its own, from a peer that proved nothing yet).
#include <gtest/gtest.h>

#include <mutex>

#include "replication/handshake.h"
#include "replication/primary.h"
#include "test_support.h"

namespace coupond {
namespace {

using replication::Connection;
using replication::Message;
using replication::MessageType;

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

TEST(ReplicationHandshakeTest, ARefusedNodeNameIsNotWrittenToThePrimarysLog) {
  testing::EngineFixture fixture;
  std::mutex log_mutex;
  std::vector<std::string> log;
  replication::PrimaryOptions options;
  options.listen = "127.0.0.1:0";
  options.admin_token = "token";
  options.log = [&](const std::string& line) {
    std::lock_guard lock(log_mutex);
    log.push_back(line);
  };
  replication::Primary primary(*fixture.engine, options);
  std::string bound;
  ASSERT_TRUE(primary.start(&bound).is_ok());

  int fd = -1;
  ASSERT_TRUE(replication::connect_to(bound, &fd).is_ok());
  Connection connection(fd);
  connection.set_receive_timeout(std::chrono::seconds(20));
  Message message;
  ASSERT_TRUE(connection.receive(&message).is_ok());
  ASSERT_EQ(message.type, MessageType::challenge);
  replication::Hello hello;
  hello.version = replication::protocol_version;
  hello.node = "n2: wrong admin token\nreplication: forged line";
  ASSERT_TRUE(connection.send(MessageType::hello, replication::encode(hello)).is_ok());
  // The primary logs its refusal before it sends it.
  ASSERT_TRUE(connection.receive(&message).is_ok());
  ASSERT_EQ(message.type, MessageType::refuse);

  std::lock_guard lock(log_mutex);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].find("forged"), std::string::npos) << log[0];
  EXPECT_EQ(log[0].find('\n'), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("refused a standby: a node name is"), std::string::npos) << log[0];
}

}  // namespace
}  // namespace coupond
