// The replication stream's framing (replication/wire.h): a message whose head claims more than the
// connection's body limit is refused as soon as the head is read, its body neither waited for nor
// assigned; the messages before it arrive whole. A body that is one number (an ack, a file's end)
// decodes only at exactly its length.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replication/handshake.h"
#include "replication/wire.h"

namespace coupond {
namespace {

using replication::Connection;
using replication::Message;
using replication::MessageType;

TEST(ReplicationWireTest, AMessageOverTheBodyLimitIsRefusedOnItsHead) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  Connection receiver(fds[1]);
  receiver.set_body_limit(replication::hello_bytes_max);
  receiver.set_receive_timeout(std::chrono::seconds(5));  // a wait for the body fails, not hangs
  {
    Connection sender(fds[0]);
    sender.queue(MessageType::hello, std::string(replication::hello_bytes_max, 'h'));
    // Only the head of a message claiming 4 GiB: the receiver must not wait for its body.
    sender.queue(MessageType::hello, "");
    ASSERT_TRUE(sender.flush().is_ok());
    char claim_4_gib[5] = {2, '\xff', '\xff', '\xff', '\xff'};
    ASSERT_EQ(::write(fds[0], claim_4_gib, sizeof(claim_4_gib)), 5);
    // Kept open: a receive that waited for the body would only end at the timeout.
    Message message;
    ASSERT_TRUE(receiver.receive(&message).is_ok());
    EXPECT_EQ(message.body.size(), replication::hello_bytes_max);
    ASSERT_TRUE(receiver.receive(&message).is_ok());
    EXPECT_EQ(message.body, "");
    message.body = "not assigned";
    EXPECT_EQ(receiver.receive(&message).code(), Status::Code::corruption);
    EXPECT_EQ(message.body, "not assigned");
  }
}

TEST(ReplicationWireTest, ANumberBodyDecodesOnlyAtItsLength) {
  const std::string body = replication::encode_number(0x0102030405060708u);
  ASSERT_EQ(body.size(), 8u);
  std::uint64_t number = 0;
  ASSERT_TRUE(replication::decode_number(body, &number));
  EXPECT_EQ(number, 0x0102030405060708u);
  EXPECT_FALSE(replication::decode_number(body + "x", &number));
  EXPECT_FALSE(replication::decode_number(body.substr(0, 7), &number));
  EXPECT_FALSE(replication::decode_number("", &number));
}

}  // namespace
}  // namespace coupond
