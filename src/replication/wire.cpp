#include "replication/wire.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "journal/byte_codec.h"

namespace coupond::replication {
namespace {

Status errno_error(const std::string& what) {
  return Status::io_error(what + ": " + std::strerror(errno));
}

// Every byte of the parts, in order, in as few system calls as the socket takes them: a message's
// head and body leave in one segment, not two (TCP_NODELAY sends each write at once).
Status write_fully(int fd, iovec* parts, std::size_t count) {
  while (count > 0) {
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = count;
    const ssize_t written = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return errno_error("replication connection lost while sending");
    auto left = static_cast<std::size_t>(written);
    while (count > 0 && left >= parts->iov_len) {
      left -= parts->iov_len;
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<char*>(parts->iov_base) + left;
      parts->iov_len -= left;
    }
  }
  return Status::ok();
}

bool split_address(const std::string& address, std::string* host, std::string* port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return false;
  std::string_view name(address.data(), colon);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  host->assign(name.data(), name.size());
  port->assign(address, colon + 1);
  return true;
}

Status resolve(const std::string& address, bool passive, addrinfo** out) {
  std::string host, port;
  if (!split_address(address, &host, &port)) {
    return Status::invalid_argument("a replication address is HOST:PORT, not " + address);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  const int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, out);
  if (error != 0) {
    return Status::invalid_argument("cannot resolve " + address + ": " + ::gai_strerror(error));
  }
  return Status::ok();
}

}  // namespace

Connection::~Connection() { ::close(fd_); }

void append_message(std::string* out, MessageType type, std::string_view body) {
  journal::ByteWriter writer(out);
  writer.integer(static_cast<std::uint8_t>(type));
  writer.integer(static_cast<std::uint32_t>(body.size()));
  writer.raw(body.data(), body.size());
}

void Connection::queue(MessageType type, std::string_view body) {
  append_message(&queued_, type, body);
}

Status Connection::send_without_blocking(std::string_view bytes, std::size_t* sent) {
  *sent = 0;
  std::unique_lock lock(send_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return Status::failed_precondition("another thread is sending");
  while (*sent < bytes.size()) {
    const ssize_t written = ::send(fd_, bytes.data() + *sent, bytes.size() - *sent,
                                   MSG_NOSIGNAL | MSG_DONTWAIT);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Status::ok();
    if (written <= 0) return errno_error("replication connection lost while sending");
    *sent += static_cast<std::size_t>(written);
  }
  return Status::ok();
}

Status Connection::flush() {
  if (queued_.empty()) return Status::ok();
  std::lock_guard lock(send_mutex_);
  iovec part{queued_.data(), queued_.size()};
  Status status = write_fully(fd_, &part, 1);
  queued_.clear();
  return status;
}

Status Connection::send(MessageType type, std::string_view body) {
  char head[5];
  head[0] = static_cast<char>(type);
  const auto size = static_cast<std::uint32_t>(body.size());
  std::memcpy(head + 1, &size, sizeof(size));
  iovec parts[2] = {{head, sizeof(head)}, {const_cast<char*>(body.data()), body.size()}};
  std::lock_guard lock(send_mutex_);
  return write_fully(fd_, parts, 2);
}

Status Connection::receive_more() {
  // Room for what has arrived, at least 64 KiB, and for a message as long as what is held.
  char* room = received_.room(std::max<std::size_t>(64u << 10, received_.size()));
  const std::size_t room_bytes = received_.room_left();
  for (;;) {
    const ssize_t got = ::recv(fd_, room, room_bytes, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got == 0) return Status::io_error("replication connection closed by the other side");
    if (got < 0) return errno_error("replication connection lost while receiving");
    received_.grown(static_cast<std::size_t>(got));
    return Status::ok();
  }
}

namespace {
constexpr std::size_t head_bytes = 5;
}  // namespace

bool Connection::holds_message() const {
  if (received_.size() < head_bytes) return false;
  std::uint32_t size = 0;
  std::memcpy(&size, received_.data() + 1, sizeof(size));
  return received_.size() - head_bytes >= size;
}

Status Connection::receive(Message* out) {
  while (received_.size() < head_bytes) {
    Status status = receive_more();
    if (!status.is_ok()) return status;
  }
  std::uint32_t size = 0;
  std::memcpy(&size, received_.data() + 1, sizeof(size));
  if (size > body_limit_) {
    return Status::corruption("a replication message claims " + std::to_string(size) + " bytes");
  }
  while (received_.size() < head_bytes + size) {
    Status status = receive_more();
    if (!status.is_ok()) return status;
  }
  out->type = static_cast<MessageType>(received_.data()[0]);
  out->body.assign(received_.data() + head_bytes, size);
  received_.take(head_bytes + size);
  return Status::ok();
}

void Connection::shut_down() { ::shutdown(fd_, SHUT_RDWR); }

void Connection::set_receive_timeout(std::chrono::seconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(value));
}

std::string encode_number(std::uint64_t value) {
  std::string body;
  journal::ByteWriter(&body).integer(value);
  return body;
}

bool decode_number(std::string_view body, std::uint64_t* value) {
  journal::ByteReader reader(body);
  *value = reader.integer<std::uint64_t>();
  return reader.ok() && reader.at_end();
}

Status connect_to(const std::string& address, int* fd) {
  addrinfo* found = nullptr;
  Status status = resolve(address, false, &found);
  if (!status.is_ok()) return status;
  status = Status::io_error("cannot connect to " + address);
  for (addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    const int socket_fd =
        ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, candidate->ai_protocol);
    if (socket_fd < 0) continue;
    if (::connect(socket_fd, candidate->ai_addr, candidate->ai_addrlen) == 0) {
      const int on = 1;
      ::setsockopt(socket_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
      *fd = socket_fd;
      status = Status::ok();
      break;
    }
    status = errno_error("cannot connect to " + address);
    ::close(socket_fd);
  }
  ::freeaddrinfo(found);
  return status;
}

Status listen_on(const std::string& address, int* fd, std::string* bound) {
  addrinfo* found = nullptr;
  Status status = resolve(address, true, &found);
  if (!status.is_ok()) return status;
  const int socket_fd =
      ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  const int on = 1;
  if (socket_fd < 0 ||
      ::setsockopt(socket_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
      ::bind(socket_fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(socket_fd, 16) != 0) {
    status = errno_error("cannot listen for standbys on " + address);
    if (socket_fd >= 0) ::close(socket_fd);
    ::freeaddrinfo(found);
    return status;
  }
  ::freeaddrinfo(found);
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&local), &length);
  char host[INET6_ADDRSTRLEN] = {};
  std::uint16_t port = 0;
  if (local.ss_family == AF_INET6) {
    const auto* ipv6 = reinterpret_cast<const sockaddr_in6*>(&local);
    ::inet_ntop(AF_INET6, &ipv6->sin6_addr, host, sizeof(host));
    port = ntohs(ipv6->sin6_port);
    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict in "literal" + string.
    bound->assign(1, '[');
    bound->append(host);
    bound->append("]:");
    bound->append(std::to_string(port));
  } else {
    const auto* ipv4 = reinterpret_cast<const sockaddr_in*>(&local);
    ::inet_ntop(AF_INET, &ipv4->sin_addr, host, sizeof(host));
    port = ntohs(ipv4->sin_port);
    *bound = std::string(host) + ":" + std::to_string(port);
  }
  *fd = socket_fd;
  return Status::ok();
}

std::uint64_t record_identity(std::uint64_t sequence, std::uint8_t type, std::string_view payload) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, &sequence, sizeof(sequence));
  XXH3_64bits_update(&state, &type, sizeof(type));
  XXH3_64bits_update(&state, payload.data(), payload.size());
  return XXH3_64bits_digest(&state);
}

}  // namespace coupond::replication
