// A small program the power-cut shim's own tests run under it: it performs the file operations
// named on its command line, in order, with the same calls coupond uses (open, write, fdatasync,
// fsync of a directory, std::filesystem's rename and remove), so that the test can cut the power
// afterwards and see that only what was synced is left. Exits 1 at the first operation that fails.
//   append PATH TEXT   open (creating it if needed) and append TEXT
//   pwrite PATH OFFSET TEXT   open the file and write TEXT at OFFSET in place (pwrite)
//   sync PATH          fdatasync the file
//   syncdir PATH       fsync the directory
//   rename FROM TO     std::filesystem::rename
//   remove PATH        std::filesystem::remove
//   mkdir PATH         std::filesystem::create_directory
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

bool append(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return written;
}

bool write_in_place(const char* path, const char* offset, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool written = ::pwrite(fd, text.data(), text.size(), std::atoll(offset)) ==
                       static_cast<ssize_t>(text.size());
  ::close(fd);
  return written;
}

bool sync(const char* path, int flags) {
  const int fd = ::open(path, flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = (flags & O_DIRECTORY) != 0 ? ::fsync(fd) == 0 : ::fdatasync(fd) == 0;
  ::close(fd);
  return synced;
}

int arguments_of(const std::string& operation) {
  if (operation == "pwrite") return 3;
  return operation == "append" || operation == "rename" ? 2 : 1;
}

bool perform(const std::string& operation, char** arguments) {
  std::error_code error;
  if (operation == "append") return append(arguments[0], arguments[1]);
  if (operation == "pwrite") return write_in_place(arguments[0], arguments[1], arguments[2]);
  if (operation == "sync") return sync(arguments[0], O_WRONLY);
  if (operation == "syncdir") return sync(arguments[0], O_RDONLY | O_DIRECTORY);
  if (operation == "rename") {
    std::filesystem::rename(arguments[0], arguments[1], error);
    return !error;
  }
  if (operation == "remove") return std::filesystem::remove(arguments[0], error) && !error;
  if (operation == "mkdir") return std::filesystem::create_directory(arguments[0], error) && !error;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc;) {
    const std::string operation = argv[i];
    const int needed = arguments_of(operation);
    if (argc - i - 1 < needed || !perform(operation, argv + i + 1)) {
      std::fprintf(stderr, "power-cut-writer: %s failed: %s\n", operation.c_str(),
                   std::strerror(errno));
      return 1;
    }
    i += 1 + needed;
  }
  return 0;
}
