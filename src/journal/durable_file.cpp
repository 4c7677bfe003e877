#include "journal/durable_file.h"

#include "journal/fault_point.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace coupond::journal {

Status errno_status(const char* what, const std::filesystem::path& path, int error_number) {
  std::string message = std::string(what) + " " + path.string() + ": ";
  if (error_number == ENOSPC) {
    message += "no space left on device (ENOSPC): free space on this file system and restart";
  } else {
    message += std::strerror(error_number);
  }
  return Status::io_error(std::move(message));
}

namespace {

// Writes all of size bytes with write_some(bytes, size, done), which writes part of what remains
// and answers as write(2) does, retrying short writes and EINTR.
template <typename WriteSome>
Status write_fully(const void* data, std::size_t size, const std::filesystem::path& path,
                   WriteSome write_some) {
  const char* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t written = write_some(bytes + done, size - done, done);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno_status("cannot write", path, errno);
    }
    done += static_cast<std::size_t>(written);
  }
  return Status::ok();
}

Status pwrite_fully(int fd, const void* data, std::size_t size, std::uint64_t offset,
                    const std::filesystem::path& path) {
  return write_fully(data, size, path, [&](const char* bytes, std::size_t left, std::size_t done) {
    return ::pwrite(fd, bytes, left, static_cast<off_t>(offset + done));
  });
}

}  // namespace

Status write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  if (fault_injected("write.enospc")) return errno_status("cannot write", path, ENOSPC);
  return write_fully(data, size, path, [fd](const char* bytes, std::size_t left, std::size_t) {
    return ::write(fd, bytes, left);
  });
}

Status write_all_at(int fd, const void* data, std::size_t size, std::uint64_t offset,
                    const std::filesystem::path& path) {
  if (fault_injected("write.enospc")) return errno_status("cannot write", path, ENOSPC);
  return pwrite_fully(fd, data, size, offset, path);
}

Status write_zeros_at(int fd, const char* zeros, std::size_t size, std::uint64_t offset,
                      const std::filesystem::path& path) {
  return pwrite_fully(fd, zeros, size, offset, path);
}

Status sync_data(int fd, const std::filesystem::path& path) {
  // No retry on failure: after a failed fsync Linux may have dropped the dirty pages, and a
  // second fsync can report success for data that never reached the disk.
  if (::fdatasync(fd) != 0) return errno_status("cannot sync", path, errno);
  return Status::ok();
}

Status sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open directory", directory, errno);
  Status status = sync_open_directory(fd, directory);
  ::close(fd);
  return status;
}

Status sync_open_directory(int directory_fd, const std::filesystem::path& directory) {
  if (::fsync(directory_fd) != 0) return errno_status("cannot sync directory", directory, errno);
  return Status::ok();
}

Status sync_parent_directory(const std::filesystem::path& path) {
  return sync_directory(path.has_parent_path() ? path.parent_path() : ".");
}

Status create_directories_durably(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (std::filesystem::path path = directory;
       !path.empty() && !std::filesystem::exists(path, error); path = path.parent_path()) {
    missing.push_back(path);
  }
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Status::io_error("cannot create " + directory.string() + ": " + error.message());
  }
  for (auto made = missing.rbegin(); made != missing.rend(); ++made) {
    Status status = sync_parent_directory(*made);
    if (!status.is_ok()) return status;
  }
  return Status::ok();
}

}  // namespace coupond::journal
