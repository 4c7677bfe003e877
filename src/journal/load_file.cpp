#include "journal/load_file.h"

#include <fcntl.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

#include "journal/durable_file.h"
#include "journal/fault_point.h"
#include "journal/journal_format.h"

namespace coupond::journal {
namespace {

// Each chunk is flushed and waited for before the next is written: the journal's next fdatasync
// queues behind at most this much of a load, never behind the whole file's writeback.
constexpr std::size_t flush_chunk_bytes = 4u << 20;

constexpr std::string_view file_suffix = ".codes";
constexpr std::string_view pending_prefix = "pending-";

std::uint64_t next_id() {
  static std::atomic<std::uint64_t> counter{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count())};
  return counter.fetch_add(0x9e3779b97f4a7c15ull, std::memory_order_relaxed);
}

// The sequence a named file's name gives, or 0 when it is not a named load file.
std::uint64_t parse_load_file_name(const std::string& name) {
  if (name.size() != 20 + file_suffix.size() || !name.ends_with(file_suffix)) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return value;
}

Status write_flushed(int fd, std::string_view payload, const std::filesystem::path& path) {
  for (std::size_t offset = 0; offset < payload.size(); offset += flush_chunk_bytes) {
    const std::size_t size = std::min(flush_chunk_bytes, payload.size() - offset);
    Status status = write_all_at(fd, payload.data() + offset, size, offset, path);
    if (!status.is_ok()) return status;
    if (::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(size),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      return errno_status("cannot flush", path, errno);
    }
  }
  return sync_data(fd, path);
}

}  // namespace

std::string load_file_name(std::uint64_t sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.codes", static_cast<unsigned long long>(sequence));
  return name;
}

std::string pending_load_file_name(std::uint64_t id) {
  char name[40];
  std::snprintf(name, sizeof(name), "pending-%016llx.codes", static_cast<unsigned long long>(id));
  return name;
}

Status write_load_file(const std::filesystem::path& directory, std::string_view payload,
                       LoadFileRef* out) {
  Status status = create_directories_durably(directory);
  if (!status.is_ok()) return status;
  LoadFileRef ref;
  ref.bytes = payload.size();
  ref.checksum = XXH3_64bits(payload.data(), payload.size());
  std::filesystem::path path;
  int fd = -1;
  do {
    ref.id = next_id();
    path = directory / pending_load_file_name(ref.id);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  } while (fd < 0 && errno == EEXIST);
  if (fd < 0) return errno_status("cannot create", path, errno);
  // The fault point stands for a disk that fills while the file is written.
  status = fault_injected("load_file.enospc") ? errno_status("cannot write", path, ENOSPC)
                                              : write_flushed(fd, payload, path);
  ::close(fd);
  if (status.is_ok()) status = sync_directory(directory);
  if (!status.is_ok()) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return status;
  }
  *out = ref;
  return Status::ok();
}

Status name_load_file(const std::filesystem::path& directory, const LoadFileRef& ref,
                      std::uint64_t sequence) {
  const std::filesystem::path named = directory / load_file_name(sequence);
  if (::rename((directory / pending_load_file_name(ref.id)).c_str(), named.c_str()) != 0) {
    return errno_status("cannot name", named, errno);
  }
  return sync_directory(directory);
}

void discard_load_file(const std::filesystem::path& directory, const LoadFileRef& ref) {
  std::error_code ignored;
  std::filesystem::remove(directory / pending_load_file_name(ref.id), ignored);
}

Status read_load_file(const std::filesystem::path& directory, const LoadFileRef& ref,
                      std::uint64_t sequence, std::string* out) {
  const std::filesystem::path named = directory / load_file_name(sequence);
  const std::filesystem::path pending = directory / pending_load_file_name(ref.id);
  std::error_code error;
  if (!std::filesystem::exists(named, error) && std::filesystem::exists(pending, error)) {
    Status status = name_load_file(directory, ref, sequence);
    if (!status.is_ok()) return status;
  }
  // The record's checksum held, but a length no load is written with is damage all the same, and
  // must not become an allocation of that size.
  if (ref.bytes > record_payload_bytes_max) {
    return Status::corruption("the record naming " + named.string() + " claims " +
                              std::to_string(ref.bytes) + " bytes, more than any load");
  }
  const int fd = ::open(named.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno_status("cannot open the imported codes' file", named, errno);
  }
  out->resize(ref.bytes);
  std::size_t done = 0;
  while (done < out->size()) {
    const ssize_t got = ::pread(fd, out->data() + done, out->size() - done,
                                static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
  }
  char past_end = 0;
  const bool longer = ::pread(fd, &past_end, 1, static_cast<off_t>(done)) > 0;
  ::close(fd);
  if (done != ref.bytes || longer || XXH3_64bits(out->data(), out->size()) != ref.checksum) {
    return Status::corruption("the imported codes' file " + named.string() +
                              " is not the one its journal record names (length or checksum "
                              "differs): restore the data directory from a backup");
  }
  return Status::ok();
}

std::size_t remove_load_files_through(const std::filesystem::path& directory,
                                      std::uint64_t sequence) {
  std::size_t removed = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::uint64_t named = parse_load_file_name(entry.path().filename().string());
    std::error_code ignored;
    if (named != 0 && named <= sequence && std::filesystem::remove(entry.path(), ignored)) {
      ++removed;
    }
  }
  if (removed > 0) (void)sync_directory(directory);
  return removed;
}

std::size_t remove_unused_load_files(const std::filesystem::path& directory,
                                     std::uint64_t last_sequence) {
  std::size_t removed = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    const bool pending = name.starts_with(pending_prefix) && name.ends_with(file_suffix);
    const std::uint64_t named = parse_load_file_name(name);
    std::error_code ignored;
    if ((pending || named > last_sequence) && std::filesystem::remove(entry.path(), ignored)) {
      ++removed;
    }
  }
  if (removed > 0) (void)sync_directory(directory);
  return removed;
}

}  // namespace coupond::journal
