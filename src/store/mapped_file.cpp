#include "store/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "journal/durable_file.h"

namespace coupond::store {
namespace {

// The journal's wording, so that a full disk reads the same wherever it is met.
Status errno_status(const char* what, const std::filesystem::path& path,
                    int error_number = errno) {
  return journal::errno_status(what, path, error_number);
}

Status map_descriptor(int fd, const std::filesystem::path& path, std::size_t size_bytes,
                      std::byte** out) {
  void* address = ::mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) return errno_status("cannot map", path);
  *out = static_cast<std::byte*>(address);
  return Status::ok();
}

}  // namespace

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_bytes_);
}

Status MappedFile::create(const std::filesystem::path& path, std::size_t size_bytes,
                          MappedFile* out) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot create", path);
  // The file's blocks are reserved now, as zeros (an empty slot is all zeros). Left sparse, the
  // file system would find a block only when a store through the mapping first touches its page,
  // and on a full disk that store would die of SIGBUS instead of failing here as a Status. The
  // reservation writes nothing on file systems with unwritten extents (ext4, xfs, tmpfs).
  const int reserved = ::posix_fallocate(fd, 0, static_cast<off_t>(size_bytes));
  if (reserved != 0) {
    Status status = errno_status("cannot reserve space for", path, reserved);
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  return adopt(fd, path, size_bytes, out);
}

Status MappedFile::adopt(int fd, const std::filesystem::path& path, std::size_t size_bytes,
                         MappedFile* out) {
  MappedFile file;
  Status status = map_descriptor(fd, path, size_bytes, &file.data_);
  ::close(fd);
  if (!status.is_ok()) return status;
  file.size_bytes_ = size_bytes;
  file.path_ = path;
  *out = std::move(file);
  return Status::ok();
}

Status MappedFile::open(const std::filesystem::path& path, MappedFile* out) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
    Status status = errno_status("cannot size", path);
    ::close(fd);
    return status;
  }
  return adopt(fd, path, static_cast<std::size_t>(info.st_size), out);
}

Status MappedFile::flush() const {
  if (data_ == nullptr) return Status::ok();
  if (::msync(data_, size_bytes_, MS_SYNC) != 0) return errno_status("cannot flush", path_);
  return Status::ok();
}

}  // namespace coupond::store
