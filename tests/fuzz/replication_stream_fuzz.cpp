// Fuzzes what a primary and a standby read from each other (src/replication/, docs/replication.md):
// each message body through its decoder, a framed stream through a real Connection over a
// socketpair with a small body limit (the room a peer not yet authenticated gets for its hello),
// the standby's check of each record, and a file's transfer. The peer may not be authenticated
// yet, so nothing here may read out of bounds, allocate what the input claims, or take a malformed
// message. The first byte, modulo 4, picks what the rest is:
//
//   0  a body, of the message type the next byte names, read as its receiver reads it
//   1  the bytes a socket carries, read message by message under a body limit; the next byte
//      says which (modulo 4: 0 the hello's, 1 none but the largest, 2 and 3 the byte / 4)
//   2  a record made right (length and checksum from the harness), then damaged or not: a damage
//      byte (modulo 4: none, one bit flipped, cut short, bytes added; its top 3 bits pick the
//      bit), a place (u16), the type, the group position, the sequence (u64), the payload
//   3  a file's transfer made right (length and checksum from the harness), then damaged or not:
//      a damage byte (modulo 8: none, announced longer, announced shorter, checksum wrong, a byte
//      after the end's checksum, another message before the end, no end; 8 set: a snapshot's
//      messages), the chunk size less one, an amount (how much longer, shorter, or which bit), the
//      tag (u64), the file's bytes
//
// The seeds in corpus/replication_stream/ are a few of each, written by hand in this layout.
//
// Properties:
// - A body that decodes encodes back to the same bytes. Every body is fixed-width fields, a
//   length-prefixed text and digests, read to its end (a start's mode among the two there are):
//   one value has one encoding, so the bytes compare, not only the values.
// - valid_node_name agrees with the handshake's rule restated here (1 to 64 letters, digits, '.',
//   '_', '-'): a name the handshake would refuse never passes. A hello with a valid name fits the
//   room the primary gives a hello.
// - The stream yields exactly the messages framed in it, in order. One claiming a longer body than
//   the limit is refused as soon as its head is read: its body is never waited for nor assigned
//   (and libFuzzer's malloc limit catches any allocation of what a head claims).
// - A record passes the check only when its payload length and checksum are right; a right one
//   passes with its header and payload as sent.
// - A file is received only whole, of its announced length, with its checksum, and nothing else in
//   between; nothing is left at its path otherwise.
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz_support.h"
#include "journal/journal_format.h"
#include "replication/file_transfer.h"
#include "replication/handshake.h"
#include "replication/record_message.h"
#include "replication/wire.h"

using namespace coupond;
using namespace coupond::replication;

namespace {

// The most the harness takes from the input for a stream, a payload or a file: with the heads of
// one-byte chunks, still well within a socketpair's buffer, so that the harness's writes never
// wait for the reader on the same thread.
constexpr std::size_t stream_bytes_max = 4u << 10;

// The handshake's rule for node names, restated rather than called.
bool node_name_allowed(std::string_view node) {
  if (node.empty() || node.size() > 64) return false;
  for (const char c : node) {
    if (std::strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", c) ==
            nullptr ||
        c == '\0') {
      return false;
    }
  }
  return true;
}

void check_record(std::string_view body) {
  journal::RecordHeader header;
  std::string_view payload;
  if (!check_record_message(body, &header, &payload).is_ok()) return;
  FUZZ_REQUIRE(body.size() >= sizeof(header));
  FUZZ_REQUIRE(std::memcmp(&header, body.data(), sizeof(header)) == 0);
  FUZZ_REQUIRE(payload.data() == body.data() + sizeof(header));
  FUZZ_REQUIRE(payload.size() == body.size() - sizeof(header));
  FUZZ_REQUIRE(payload.size() == header.payload_bytes);
  FUZZ_REQUIRE(header.checksum == journal::record_checksum(header, payload.data()));
}

// Reads body as the receiver of a message of this type does.
void check_body(MessageType type, std::string_view body) {
  switch (type) {
    case MessageType::challenge: {
      Challenge challenge;
      if (decode(body, &challenge)) FUZZ_REQUIRE(encode(challenge) == body);
      break;
    }
    case MessageType::hello: {
      FUZZ_REQUIRE(valid_node_name(body) == node_name_allowed(body));
      Hello hello;
      if (!decode(body, &hello)) break;
      FUZZ_REQUIRE(encode(hello) == body);
      FUZZ_REQUIRE(valid_node_name(hello.node) == node_name_allowed(hello.node));
      if (valid_node_name(hello.node)) FUZZ_REQUIRE(body.size() <= hello_bytes_max);
      break;
    }
    case MessageType::start: {
      Start start;
      if (decode(body, &start)) FUZZ_REQUIRE(encode(start) == body);
      break;
    }
    case MessageType::record:
      check_record(body);
      break;
    case MessageType::file_begin:
    case MessageType::snapshot_begin: {
      std::uint64_t bytes = 0, tag = 0;
      if (decode_file_begin(body, &bytes, &tag)) FUZZ_REQUIRE(encode_file_begin(bytes, tag) == body);
      break;
    }
    case MessageType::ack:
    case MessageType::file_end:
    case MessageType::snapshot_end: {
      std::uint64_t number = 0;
      if (decode_number(body, &number)) FUZZ_REQUIRE(encode_number(number) == body);
      break;
    }
    case MessageType::refuse:  // a sentence, logged as it is
    case MessageType::file_chunk:
    case MessageType::snapshot_chunk:
      break;
  }
}

// Two connected sockets: what is written to the first is read from the second.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  }
};

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written <= 0) std::abort();
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

void fuzz_stream(fuzz::FuzzBytes& bytes) {
  const std::uint8_t limit_choice = bytes.byte();
  std::uint32_t limit = message_body_bytes_max;
  if (limit_choice % 4 == 0) limit = hello_bytes_max;
  if (limit_choice % 4 >= 2) limit = limit_choice >> 2;
  const std::string_view stream = bytes.rest().substr(0, stream_bytes_max);

  SocketPair sockets;
  write_all(sockets.fds[0], stream);
  ::close(sockets.fds[0]);  // the reader sees the stream's end after its bytes
  Connection connection(sockets.fds[1]);
  if (limit != message_body_bytes_max) connection.set_body_limit(limit);
  constexpr std::size_t head_bytes = 5;
  for (std::size_t at = 0;;) {
    Message message;
    message.body = "not assigned";
    const Status status = connection.receive(&message);
    const std::size_t left = stream.size() - at;
    if (left < head_bytes) {
      FUZZ_REQUIRE(status.code() == Status::Code::io_error);
      return;
    }
    std::uint32_t size = 0;
    std::memcpy(&size, stream.data() + at + 1, sizeof(size));
    if (size > limit) {
      FUZZ_REQUIRE(status.code() == Status::Code::corruption);
      FUZZ_REQUIRE(message.body == "not assigned");
      return;
    }
    if (left - head_bytes < size) {
      FUZZ_REQUIRE(status.code() == Status::Code::io_error);
      return;
    }
    FUZZ_REQUIRE(status.is_ok());
    FUZZ_REQUIRE(static_cast<std::uint8_t>(message.type) == static_cast<std::uint8_t>(stream[at]));
    FUZZ_REQUIRE(message.body == stream.substr(at + head_bytes, size));
    check_body(message.type, message.body);
    at += head_bytes + size;
  }
}

void fuzz_record(fuzz::FuzzBytes& bytes) {
  const std::uint8_t damage = bytes.byte();
  const auto place = bytes.integer<std::uint16_t>();
  journal::RecordHeader header;
  header.type = bytes.byte();
  journal::set_group_position(&header, bytes.byte());
  header.sequence = bytes.integer<std::uint64_t>();
  const std::string_view payload = bytes.rest().substr(0, stream_bytes_max);
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.checksum = journal::record_checksum(header, payload.data());
  std::string body(reinterpret_cast<const char*>(&header), sizeof(header));
  body.append(payload);

  switch (damage % 4) {
    case 0: {  // none: the record passes as it was made
      journal::RecordHeader checked;
      std::string_view checked_payload;
      FUZZ_REQUIRE(check_record_message(body, &checked, &checked_payload).is_ok());
      FUZZ_REQUIRE(std::memcmp(&checked, &header, sizeof(header)) == 0);
      FUZZ_REQUIRE(checked_payload == payload);
      return;
    }
    case 1:  // one bit flipped anywhere: the checksum, the header's fields or the payload
      body[place % body.size()] = static_cast<char>(body[place % body.size()] ^ (1 << (damage >> 5)));
      break;
    case 2:  // cut short: the checksum covers bytes that did not arrive
      body.resize(body.size() - 1 - place % body.size());
      break;
    case 3:  // bytes after the payload the header does not count (the checksum still verifies)
      body.append(1 + place % 64, static_cast<char>(damage));
      break;
  }
  journal::RecordHeader checked;
  std::string_view checked_payload;
  FUZZ_REQUIRE(!check_record_message(body, &checked, &checked_payload).is_ok());
  check_record(body);
}

std::string read_whole(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

void fuzz_file(fuzz::FuzzBytes& bytes) {
  const std::uint8_t damage = bytes.byte();
  const std::size_t chunk_size = 1 + bytes.byte();
  const std::uint8_t amount = bytes.byte();
  const auto tag = bytes.integer<std::uint64_t>();
  const std::string_view content = bytes.rest().substr(0, stream_bytes_max);
  const bool snapshot = (damage & 8) != 0;
  const MessageType begin = snapshot ? MessageType::snapshot_begin : MessageType::file_begin;
  const MessageType chunk = snapshot ? MessageType::snapshot_chunk : MessageType::file_chunk;
  const MessageType end = snapshot ? MessageType::snapshot_end : MessageType::file_end;

  std::uint64_t announced = content.size();
  std::uint64_t checksum = XXH3_64bits(content.data(), content.size());
  std::string end_body;
  bool whole = true;
  bool interrupted = false;
  bool ended = true;
  switch (damage % 8) {
    case 1:
      announced += 1 + amount;
      whole = false;
      break;
    case 2:
      whole = announced == 0;
      announced -= std::min<std::uint64_t>(announced, 1 + amount);
      break;
    case 3:
      checksum ^= std::uint64_t{1} << (amount % 64);
      whole = false;
      break;
    case 4:
      end_body.push_back(static_cast<char>(amount));  // after the checksum: not an end's body
      whole = false;
      break;
    case 5:
      interrupted = true;
      whole = false;
      break;
    case 6:
      ended = false;
      whole = false;
      break;
  }
  end_body.insert(0, encode_number(checksum));

  SocketPair sockets;
  {
    Connection sender(sockets.fds[0]);
    sender.queue(begin, encode_file_begin(announced, tag));
    for (std::size_t at = 0; at < content.size(); at += chunk_size) {
      if (interrupted && at >= content.size() / 2) {
        sender.queue(MessageType::record, content.substr(0, amount));
        interrupted = false;
      }
      sender.queue(chunk, content.substr(at, chunk_size));
    }
    if (interrupted) sender.queue(MessageType::ack, encode_number(amount));
    if (ended) sender.queue(end, end_body);
    FUZZ_REQUIRE(sender.flush().is_ok());
  }  // closed: the receiver sees the stream's end after its bytes

  Connection receiver(sockets.fds[1]);
  Message message;
  FUZZ_REQUIRE(receiver.receive(&message).is_ok());
  FUZZ_REQUIRE(message.type == begin);
  std::uint64_t bytes_said = 0, tag_said = 0;
  FUZZ_REQUIRE(decode_file_begin(message.body, &bytes_said, &tag_said));
  FUZZ_REQUIRE(bytes_said == announced && tag_said == tag);
  const std::filesystem::path path = fuzz::scratch_directory() / "received";
  const Status status = receive_file(receiver, bytes_said, chunk, end, path);
  FUZZ_REQUIRE(status.is_ok() == whole);
  if (whole) {
    FUZZ_REQUIRE(read_whole(path) == content);
    std::filesystem::remove(path);
  } else {
    FUZZ_REQUIRE(!std::filesystem::exists(path));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  switch (bytes.byte() % 4) {
    case 0: {
      const auto type = static_cast<MessageType>(bytes.byte());
      check_body(type, bytes.rest());
      break;
    }
    case 1:
      fuzz_stream(bytes);
      break;
    case 2:
      fuzz_record(bytes);
      break;
    case 3:
      fuzz_file(bytes);
      break;
  }
  return 0;
}
