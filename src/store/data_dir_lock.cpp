#include "store/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace coupond::store {
namespace {

// The pid the holder wrote, as text, or a sentence saying it is not known (the holder may be
// between taking the lock and writing it).
std::string holder_of(int fd) {
  char text[32] = {};
  const ssize_t got = ::pread(fd, text, sizeof(text) - 1, 0);
  std::string pid(text, got > 0 ? static_cast<std::size_t>(got) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) {
    return "a process whose pid it has not written yet";
  }
  return "pid " + pid;
}

Status lock_error(const char* what, const std::filesystem::path& path, int error_number) {
  return Status::io_error(std::string(what) + " " + path.string() + ": " +
                          std::strerror(error_number));
}

}  // namespace

Status DataDirLock::acquire(const std::filesystem::path& directory,
                            std::unique_ptr<DataDirLock>* out) {
  const std::filesystem::path path = directory / data_dir_lock_file_name;
  // No O_TRUNC: the file is emptied only once the lock is ours, so a refused start leaves the
  // holder's pid in place.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return lock_error("cannot open the lock file", path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error_number = errno;
    Status status =
        error_number == EWOULDBLOCK
            ? Status::io_error("the data directory " + directory.string() +
                               " is in use by another coupond (" + holder_of(fd) + " holds " +
                               path.string() +
                               "); a data directory belongs to one process: stop that one first "
                               "or give this one another --data-dir")
            : lock_error("cannot lock", path, error_number);
    ::close(fd);
    return status;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    Status status = lock_error("cannot write the pid into", path, errno);
    ::close(fd);
    return status;
  }
  out->reset(new DataDirLock(fd));
  return Status::ok();
}

DataDirLock::~DataDirLock() { ::close(fd_); }

}  // namespace coupond::store
