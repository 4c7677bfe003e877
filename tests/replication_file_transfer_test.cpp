// A file received over a replication connection (replication/file_transfer.h) is taken only whole:
// of the length its begin announced, with its checksum in an end message that holds that checksum
// and nothing else. Bytes past the announced length are refused as they arrive, not written and
// not waited on until the end; nothing is left at the path of a file refused.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <fstream>
#include <iterator>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "replication/file_transfer.h"
#include "test_support.h"

namespace coupond {
namespace {

using replication::Connection;
using replication::MessageType;

struct Link {
  std::unique_ptr<Connection> sender;
  std::unique_ptr<Connection> receiver;
  Link() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    sender = std::make_unique<Connection>(fds[0]);
    receiver = std::make_unique<Connection>(fds[1]);
  }
};

std::uint64_t checksum_of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

Status receive(Link& link, std::uint64_t announced, const std::filesystem::path& path) {
  return replication::receive_file(*link.receiver, announced, MessageType::file_chunk,
                                   MessageType::file_end, path);
}

TEST(ReplicationFileTransferTest, AFileOfItsAnnouncedLengthAndChecksumIsReceived) {
  testing::TemporaryDirectory directory;
  const std::filesystem::path path = directory.path() / "received";
  Link link;
  link.sender->queue(MessageType::file_chunk, "abc");
  link.sender->queue(MessageType::file_chunk, "de");
  link.sender->queue(MessageType::file_end, replication::encode_number(checksum_of("abcde")));
  ASSERT_TRUE(link.sender->flush().is_ok());
  const Status status = receive(link, 5, path);
  ASSERT_TRUE(status.is_ok()) << status.message();
  std::ifstream file(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(file), {}), "abcde");
}

TEST(ReplicationFileTransferTest, AnEndWithBytesAfterItsChecksumIsRefused) {
  testing::TemporaryDirectory directory;
  const std::filesystem::path path = directory.path() / "received";
  Link link;
  link.sender->queue(MessageType::file_chunk, "abcde");
  link.sender->queue(MessageType::file_end,
                     replication::encode_number(checksum_of("abcde")) + "x");
  ASSERT_TRUE(link.sender->flush().is_ok());
  EXPECT_EQ(receive(link, 5, path).code(), Status::Code::corruption);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ReplicationFileTransferTest, BytesPastTheAnnouncedLengthAreRefusedWithoutWaitingForTheEnd) {
  testing::TemporaryDirectory directory;
  const std::filesystem::path path = directory.path() / "received";
  Link link;
  // The sender stays open and sends no end: only a refusal on the chunk itself ends the receive
  // (waiting for the end would run into the timeout, an I/O error).
  link.receiver->set_receive_timeout(std::chrono::seconds(2));
  ASSERT_TRUE(link.sender->send(MessageType::file_chunk, "abcdef").is_ok());
  EXPECT_EQ(receive(link, 5, path).code(), Status::Code::corruption);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ReplicationFileTransferTest, AFileBeginEncodesAndDecodesOnlyAtItsLength) {
  const std::string body = replication::encode_file_begin(5, 42);
  std::uint64_t bytes = 0, tag = 0;
  ASSERT_TRUE(replication::decode_file_begin(body, &bytes, &tag));
  EXPECT_EQ(bytes, 5u);
  EXPECT_EQ(tag, 42u);
  EXPECT_FALSE(replication::decode_file_begin(body + "x", &bytes, &tag));
  EXPECT_FALSE(replication::decode_file_begin(body.substr(0, body.size() - 1), &bytes, &tag));
}

}  // namespace
}  // namespace coupond
