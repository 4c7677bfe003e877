#include "replication/file_transfer.h"

#include <fcntl.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <string>

#include "journal/byte_codec.h"
#include "journal/durable_file.h"
#include "journal/load_file.h"

namespace coupond::replication {

Status send_file(Connection& connection, const std::filesystem::path& path, MessageType begin,
                 std::uint64_t tag, MessageType chunk, MessageType end) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return journal::errno_status("cannot open", path, errno);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  const std::uint64_t bytes = size < 0 ? 0 : static_cast<std::uint64_t>(size);
  Status status = connection.send(begin, encode_file_begin(bytes, tag));
  XXH3_state_t hash;
  XXH3_64bits_reset(&hash);
  std::string buffer(chunk_bytes, '\0');
  for (off_t offset = 0; status.is_ok() && offset < size;) {
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (got <= 0) {
      status = journal::errno_status("cannot read", path, got < 0 ? errno : EIO);
      break;
    }
    XXH3_64bits_update(&hash, buffer.data(), static_cast<std::size_t>(got));
    status = connection.send(chunk, std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    offset += got;
  }
  ::close(fd);
  if (!status.is_ok()) return status;
  return connection.send(end, encode_number(XXH3_64bits_digest(&hash)));
}

Status send_load_file(Connection& connection, const std::filesystem::path& imports_directory,
                      std::uint64_t sequence, std::string_view record_payload) {
  // The record's payload: the file's id, its length and its checksum (persist/journal_records).
  journal::ByteReader reader(record_payload);
  const auto id = reader.integer<std::uint64_t>();
  if (!reader.ok()) return Status::corruption("record " + std::to_string(sequence) + " does not decode");
  std::filesystem::path path = imports_directory / journal::load_file_name(sequence);
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    path = imports_directory / journal::pending_load_file_name(id);
  }
  return send_file(connection, path, MessageType::file_begin, id, MessageType::file_chunk,
                   MessageType::file_end);
}

std::string encode_file_begin(std::uint64_t bytes, std::uint64_t tag) {
  std::string body;
  journal::ByteWriter writer(&body);
  writer.integer(bytes);
  writer.integer(tag);
  return body;
}

bool decode_file_begin(std::string_view body, std::uint64_t* bytes, std::uint64_t* tag) {
  journal::ByteReader reader(body);
  *bytes = reader.integer<std::uint64_t>();
  *tag = reader.integer<std::uint64_t>();
  return reader.ok() && reader.at_end();
}

Status receive_file(Connection& connection, std::uint64_t bytes, MessageType chunk,
                    MessageType end, const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return journal::errno_status("cannot create", path, errno);
  XXH3_state_t hash;
  XXH3_64bits_reset(&hash);
  std::uint64_t received = 0;
  Status status;
  Message message;
  for (;;) {
    status = connection.receive(&message);
    if (!status.is_ok()) break;
    if (message.type == end) {
      std::uint64_t checksum = 0;
      if (!decode_number(message.body, &checksum) || received != bytes ||
          checksum != XXH3_64bits_digest(&hash)) {
        status = Status::corruption("the file received as " + path.string() +
                                    " does not match its length or checksum");
      } else {
        status = journal::sync_data(fd, path);
      }
      break;
    }
    if (message.type != chunk) {
      status = Status::corruption("a file's transfer was interrupted by another message");
      break;
    }
    received += message.body.size();
    // More than the begin said is refused at once: not written, not waited on until the end.
    if (received > bytes) {
      status = Status::corruption("the file received as " + path.string() +
                                  " is longer than its announcement said");
      break;
    }
    XXH3_64bits_update(&hash, message.body.data(), message.body.size());
    status = journal::write_all(fd, message.body.data(), message.body.size(), path);
    if (!status.is_ok()) break;
  }
  ::close(fd);
  if (status.is_ok()) status = journal::sync_parent_directory(path);
  if (!status.is_ok()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  return status;
}

std::uint64_t snapshot_file_sequence(const std::string& name) {
  constexpr std::size_t digits = 20;
  if (name.size() != digits + 5 || name.compare(digits, 5, ".snap") != 0) return 0;
  std::uint64_t sequence = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    sequence = sequence * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return sequence;
}

}  // namespace coupond::replication
