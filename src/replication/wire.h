// The replication stream's framing, over a plain TCP connection between a primary and a standby
// (docs/replication.md): each message is a type byte, a 4-byte little-endian body length and the
// body. Blocking sockets on threads of their own: a primary serves a handful of standbys, and a
// standby one primary, so a thread each is simpler than an event loop and costs nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "coupond/status.h"
#include "replication/byte_buffer.h"

namespace coupond::replication {

// Values are on the wire: never renumber, only add.
enum class MessageType : std::uint8_t {
  challenge = 1,       // primary: protocol version, a fresh nonce
  hello = 2,           // standby: node, last sequence and its record's identity, proofs
  refuse = 3,          // primary: why, then it closes
  start = 4,           // primary: records (from the standby's last + 1) or a base copy first
  record = 5,          // primary: one journal record as its segment holds it (header + payload)
  file_begin = 6,      // primary: an import's file for the record that follows (type 12)
  file_chunk = 7,
  file_end = 8,
  snapshot_begin = 9,  // primary: a base copy's snapshot
  snapshot_chunk = 10,
  snapshot_end = 11,
  ack = 12,            // standby: every record up to this sequence is on its disk
};

inline constexpr std::uint32_t protocol_version = 1;
// The largest body: a whole journal record (header and the largest payload) and a little more.
inline constexpr std::uint32_t message_body_bytes_max = (256u << 20) + 64;
// Files and snapshots travel in chunks of this size.
inline constexpr std::size_t chunk_bytes = 1u << 20;

struct Message {
  MessageType type{};
  std::string body;
};

// One connected socket. One thread may send while another receives; sends are serialized.
class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status send(MessageType type, std::string_view body);
  // Sends what the socket takes now of bytes (whole messages, framed), without waiting; *sent
  // says how much. Fails without sending when another thread is sending.
  Status send_without_blocking(std::string_view bytes, std::size_t* sent);
  // Queues bytes already framed as messages (append_message), as queue() does.
  void queue_framed(std::string_view bytes) { queued_.append(bytes); }
  // Sends several messages queued with queue() in one write.
  void queue(MessageType type, std::string_view body);
  Status flush();
  std::size_t queued_bytes() const { return queued_.size(); }
  Status receive(Message* out);
  // A whole message has arrived and not been taken: receive() returns it without waiting.
  bool holds_message() const;
  // Wakes a thread blocked in receive or send: both fail from then on.
  void shut_down();
  // A receive that waits longer fails; zero: wait for ever.
  void set_receive_timeout(std::chrono::seconds timeout);
  // A message claiming a longer body fails the receive (message_body_bytes_max unless set): a
  // primary gives a standby no more than a hello's room.
  void set_body_limit(std::uint32_t bytes) { body_limit_ = bytes; }

 private:
  // Fills received_ with what the socket has (at least one byte), keeping what is not taken yet.
  Status receive_more();

  const int fd_;
  std::mutex send_mutex_;
  std::string queued_;  // the sending thread's own
  // The receiving thread's own: bytes read and not yet taken. One read takes as many messages as
  // have arrived.
  ByteBuffer received_;
  std::uint32_t body_limit_ = message_body_bytes_max;
};

// Appends one message (head and body) to out, as it goes on the wire.
void append_message(std::string* out, MessageType type, std::string_view body);
// The bodies that are one u64 and nothing else: an ack's sequence, a file end's checksum. A body
// of any other length does not decode.
std::string encode_number(std::uint64_t value);
bool decode_number(std::string_view body, std::uint64_t* value);

// "HOST:PORT" to a connected socket (blocking, TCP_NODELAY).
Status connect_to(const std::string& address, int* fd);
// A listening socket on "HOST:PORT" (port 0: any free one); *bound receives "HOST:PORT".
Status listen_on(const std::string& address, int* fd, std::string* bound);

// What identifies a record whatever its group: its sequence, type and payload, hashed. A standby
// and its primary compare it for the standby's last record (a former primary's record that
// nobody acknowledged differs from what the primary holds there).
std::uint64_t record_identity(std::uint64_t sequence, std::uint8_t type, std::string_view payload);

}  // namespace coupond::replication
