// A primary's sessions (replication/primary.h) facing a peer that misbehaves. A refused hello's
// log line does not repeat a node name that is not one: until the hello is checked the name is
// whatever bytes the peer sent, and a line break in it would forge a log line of its own. And a
// standby, even one that proved who it is, gets no more room for an ack than for its hello: a head
// claiming more ends the session at once, its body never waited for.
#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>

#include "replication/handshake.h"
#include "replication/primary.h"
#include "test_support.h"

namespace coupond {
namespace {

using replication::Connection;
using replication::Message;
using replication::MessageType;

struct PrimaryOnLoopback {
  testing::EngineFixture fixture;
  std::mutex log_mutex;
  std::vector<std::string> log;
  std::unique_ptr<replication::Primary> primary;
  std::string bound;

  PrimaryOnLoopback() {
    replication::PrimaryOptions options;
    options.listen = "127.0.0.1:0";
    options.admin_token = "token";
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mutex);
      log.push_back(line);
    };
    primary = std::make_unique<replication::Primary>(*fixture.engine, options);
    EXPECT_TRUE(primary->start(&bound).is_ok());
  }

  std::vector<std::string> lines() {
    std::lock_guard lock(log_mutex);
    return log;
  }
};

// Connects as a standby named node, with the right proofs, and returns the primary's answer to
// the hello. *fd is the connection's socket, for writing past the framing.
Message say_hello(const PrimaryOnLoopback& primary, const std::string& node,
                  std::unique_ptr<Connection>* connection, int* fd) {
  Message message;
  EXPECT_TRUE(replication::connect_to(primary.bound, fd).is_ok());
  *connection = std::make_unique<Connection>(*fd);
  // Bounds each wait: a primary that never answers fails the test, not hangs it.
  (*connection)->set_receive_timeout(std::chrono::seconds(20));
  EXPECT_TRUE((*connection)->receive(&message).is_ok());
  replication::Challenge challenge;
  EXPECT_EQ(message.type, MessageType::challenge);
  EXPECT_TRUE(replication::decode(message.body, &challenge));
  replication::Hello hello;
  hello.version = replication::protocol_version;
  hello.node = node;
  hello.last_sequence = primary.fixture.engine->last_sequence();
  hello.token_proof = replication::token_proof("token", challenge.nonce);
  EXPECT_TRUE(replication::key_proof(primary.fixture.engine->key_file(), challenge.nonce,
                                     &hello.key_proof)
                  .is_ok());
  EXPECT_TRUE((*connection)->send(MessageType::hello, replication::encode(hello)).is_ok());
  message.body = "no answer";
  EXPECT_TRUE((*connection)->receive(&message).is_ok());
  return message;
}

TEST(ReplicationPrimaryTest, ARefusedNodeNameIsNotWrittenToTheLog) {
  PrimaryOnLoopback primary;
  std::unique_ptr<Connection> connection;
  int fd = -1;
  // The primary logs its refusal before it sends it.
  const Message answer =
      say_hello(primary, "n2: wrong admin token\nreplication: forged line", &connection, &fd);
  ASSERT_EQ(answer.type, MessageType::refuse);
  const std::vector<std::string> lines = primary.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("forged"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find('\n'), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("refused a standby: a node name is"), std::string::npos) << lines[0];
}

TEST(ReplicationPrimaryTest, AnAckClaimingMoreThanAHellosRoomEndsTheSession) {
  PrimaryOnLoopback primary;
  std::unique_ptr<Connection> connection;
  int fd = -1;
  const Message answer = say_hello(primary, "standby-1", &connection, &fd);
  ASSERT_EQ(answer.type, MessageType::start) << answer.body;
  // The head of an ack claiming 1 MiB, and none of its body.
  const char head[5] = {static_cast<char>(MessageType::ack), 0, 0, 0x10, 0};
  ASSERT_EQ(::write(fd, head, sizeof(head)), 5);
  // A primary that waited for the body would still hold the connection at the timeout.
  Message message;
  Status status;
  while ((status = connection->receive(&message)).is_ok()) {
    EXPECT_EQ(message.type, MessageType::record);
  }
  EXPECT_NE(status.message().find("closed by the other side"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace coupond
