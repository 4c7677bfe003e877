// The power-cut shim: an LD_PRELOAD library for the crash tests. A process killed with SIGKILL
// leaves the page cache whole, so a kill alone cannot tell a missing fdatasync from a present one.
// This library watches the calls that make files durable under one directory and notes, in a side
// log, what a power cut could keep: each file's size at every completed sync, and each change of a
// name (create, mkdir, rename, unlink) and the directory syncs after it. tests/power_cut.cpp then
// applies the cut to what a killed process left (see docs/storage.md, "Simulated power cuts").
//
// COUPOND_POWER_CUT_DIR   the directory watched (everything under it)
// COUPOND_POWER_CUT_LOG   the side log, appended to; outside the watched directory, on the same
//                         file system (unlinked and replaced files are kept as hard links beside
//                         it, <log>.saved.<n>, so that the cut can bring them back)
//
// Log lines, fields separated by tabs, paths absolute and canonical, in the order the calls ended:
//   create INODE PATH          a regular file was created (open with O_CREAT)
//   base INODE SIZE PATH       an existing file was opened for writing: its size then
//   truncate INODE SIZE PATH   O_TRUNC, ftruncate or truncate
//   sync INODE SIZE PATH       fsync or fdatasync returned 0; SIZE is the size when it was called
//   pwrite INODE OFFSET LENGTH PATH   bytes written in place at OFFSET (pwrite)
//   mkdir PATH                 a directory was created
//   dirsync PATH               fsync or fdatasync of a directory returned 0
//   rename FROM TO SAVED       SAVED: the hard link kept of the file TO replaced, or -
//   unlink PATH SAVED          SAVED: the hard link kept of the file removed, or -
//
// Writes at the file's position need no watching: what a sync makes durable is the file's size
// when the sync was called. Writes in place (pwrite, as into the journal's preallocated segments)
// are noted, so that the cut can undo those that no later sync of their file covers: they read as
// zeros then, which is what a preallocated segment held there. The writes to one file and its
// syncs are taken to come from one thread at a time, as the journal's do. sync_file_range is no
// sync (it flushes no metadata and no disk cache) and is not a durability point. The library is
// built without sanitizers and uses the C library alone.
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace {

struct ShimState {
  bool watching = false;
  char directory[PATH_MAX] = {};
  std::size_t directory_length = 0;
  char log_path[PATH_MAX] = {};
  int log_fd = -1;
  unsigned saved_files = 0;
};

ShimState shim;
pthread_once_t shim_once = PTHREAD_ONCE_INIT;
// Held across each change of a name or directory sync and its log line, so that the log's order
// is the order in which they happened.
pthread_mutex_t shim_mutex = PTHREAD_MUTEX_INITIALIZER;

template <typename Function>
Function next_symbol(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

#define REAL(name) static const auto real = next_symbol<decltype(&::name)>(#name)

using OpenAtFunction = int (*)(int, const char*, int, ...);

int real_openat(int directory_fd, const char* path, int flags, mode_t mode) {
  static const auto real = next_symbol<OpenAtFunction>("openat");
  return real(directory_fd, path, flags, mode);
}

int real_unlink(const char* path) {
  REAL(unlink);
  return real(path);
}

void start_watching() {
  const char* directory = getenv("COUPOND_POWER_CUT_DIR");
  const char* log = getenv("COUPOND_POWER_CUT_LOG");
  if (directory == nullptr || log == nullptr || *directory == '\0' || *log == '\0') return;
  if (realpath(directory, shim.directory) == nullptr) return;
  if (strlen(log) >= sizeof(shim.log_path)) return;
  strcpy(shim.log_path, log);
  shim.directory_length = strlen(shim.directory);
  shim.log_fd = real_openat(AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  shim.watching = shim.log_fd >= 0;
}

bool watching() {
  pthread_once(&shim_once, start_watching);
  return shim.watching;
}

bool is_watched(const char* path, bool or_the_directory_itself) {
  if (strncmp(path, shim.directory, shim.directory_length) != 0) return false;
  const char next = path[shim.directory_length];
  return next == '/' || (or_the_directory_itself && next == '\0');
}

// One log line, written whole by one write(2).
void note(const char* format, ...) {
  char line[3 * PATH_MAX + 128];
  va_list arguments;
  va_start(arguments, format);
  const int length = vsnprintf(line, sizeof(line), format, arguments);
  va_end(arguments);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof(line)) return;
  [[maybe_unused]] const ssize_t ignored =
      write(shim.log_fd, line, static_cast<std::size_t>(length));
}

// The path a descriptor stands for, as the kernel names it.
bool path_of_fd(int fd, char* out) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  const ssize_t length = readlink(link, out, PATH_MAX - 1);
  if (length <= 0) return false;
  out[length] = '\0';
  return true;
}

// The absolute path of (directory_fd, path) with its parent made canonical; the last component is
// kept as it is (it may not exist yet, or be a link the call acts on).
bool resolve(int directory_fd, const char* path, char* out) {
  char joined[2 * PATH_MAX];
  if (path[0] == '/') {
    snprintf(joined, sizeof(joined), "%s", path);
  } else {
    char base[PATH_MAX];
    if (directory_fd == AT_FDCWD) {
      if (getcwd(base, sizeof(base)) == nullptr) return false;
    } else if (!path_of_fd(directory_fd, base)) {
      return false;
    }
    snprintf(joined, sizeof(joined), "%s/%s", base, path);
  }
  char* slash = strrchr(joined, '/');
  const char* name = slash + 1;
  char parent[PATH_MAX];
  *slash = '\0';
  if (realpath(joined[0] == '\0' ? "/" : joined, parent) == nullptr) return false;
  const int length = snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, name);
  return length > 0 && length < PATH_MAX;
}

// Keeps a hard link of the regular file at path beside the log; "-" when there is none.
void keep_a_link(const char* path, char* saved) {
  struct stat status;
  strcpy(saved, "-");
  if (lstat(path, &status) != 0 || !S_ISREG(status.st_mode)) return;
  char candidate[PATH_MAX + 32];
  snprintf(candidate, sizeof(candidate), "%s.saved.%u", shim.log_path, shim.saved_files++);
  if (strlen(candidate) < PATH_MAX && link(path, candidate) == 0) strcpy(saved, candidate);
}

void drop_the_link(const char* saved) {
  if (strcmp(saved, "-") != 0) real_unlink(saved);
}

int watched_open(int directory_fd, const char* path, int flags, mode_t mode) {
  char full[PATH_MAX];
  const bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT) != 0;
  if (!watching() || !writes || (flags & O_TMPFILE) == O_TMPFILE ||
      !resolve(directory_fd, path, full) || !is_watched(full, false)) {
    return real_openat(directory_fd, path, flags, mode);
  }
  pthread_mutex_lock(&shim_mutex);
  struct stat before;
  const bool existed = lstat(full, &before) == 0;
  const int fd = real_openat(directory_fd, path, flags, mode);
  struct stat after;
  if (fd >= 0 && fstat(fd, &after) == 0 && S_ISREG(after.st_mode)) {
    const auto inode = static_cast<unsigned long long>(after.st_ino);
    if (!existed) {
      note("create\t%llu\t%s\n", inode, full);
    } else if ((flags & O_TRUNC) != 0) {
      note("truncate\t%llu\t0\t%s\n", inode, full);
    } else {
      note("base\t%llu\t%lld\t%s\n", inode, static_cast<long long>(after.st_size), full);
    }
  }
  pthread_mutex_unlock(&shim_mutex);
  return fd;
}

mode_t mode_argument(int flags, va_list arguments) {
  if ((flags & O_CREAT) == 0 && (flags & O_TMPFILE) != O_TMPFILE) return 0;
  return static_cast<mode_t>(va_arg(arguments, int));
}

template <typename SyncFunction>
int watched_sync(int fd, SyncFunction real) {
  char path[PATH_MAX];
  struct stat status;
  if (!watching() || !path_of_fd(fd, path) || fstat(fd, &status) != 0 ||
      !is_watched(path, S_ISDIR(status.st_mode))) {
    return real(fd);
  }
  if (S_ISDIR(status.st_mode)) {
    pthread_mutex_lock(&shim_mutex);
    const int result = real(fd);
    if (result == 0) note("dirsync\t%s\n", path);
    pthread_mutex_unlock(&shim_mutex);
    return result;
  }
  const int result = real(fd);
  if (result == 0 && S_ISREG(status.st_mode)) {
    note("sync\t%llu\t%lld\t%s\n", static_cast<unsigned long long>(status.st_ino),
         static_cast<long long>(status.st_size), path);
  }
  return result;
}

ssize_t watched_pwrite(int fd, const void* data, size_t size, off_t offset) {
  REAL(pwrite);
  char path[PATH_MAX];
  struct stat status;
  const ssize_t written = real(fd, data, size, offset);
  if (written > 0 && watching() && path_of_fd(fd, path) && is_watched(path, false) &&
      fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
    note("pwrite\t%llu\t%lld\t%lld\t%s\n", static_cast<unsigned long long>(status.st_ino),
         static_cast<long long>(offset), static_cast<long long>(written), path);
  }
  return written;
}

void note_truncate(const struct stat& status, off_t length, const char* path) {
  note("truncate\t%llu\t%lld\t%s\n", static_cast<unsigned long long>(status.st_ino),
       static_cast<long long>(length), path);
}

template <typename MakeFunction>
int watched_mkdir(int directory_fd, const char* path, MakeFunction make) {
  char full[PATH_MAX];
  if (!watching() || !resolve(directory_fd, path, full) || !is_watched(full, false)) return make();
  pthread_mutex_lock(&shim_mutex);
  const int result = make();
  if (result == 0) note("mkdir\t%s\n", full);
  pthread_mutex_unlock(&shim_mutex);
  return result;
}

template <typename RenameFunction>
int watched_rename(int from_fd, const char* from, int to_fd, const char* to,
                   RenameFunction rename_it) {
  char from_full[PATH_MAX];
  char to_full[PATH_MAX];
  if (!watching() || !resolve(from_fd, from, from_full) || !resolve(to_fd, to, to_full) ||
      (!is_watched(from_full, false) && !is_watched(to_full, false))) {
    return rename_it();
  }
  pthread_mutex_lock(&shim_mutex);
  char saved[PATH_MAX];
  keep_a_link(to_full, saved);
  const int result = rename_it();
  if (result == 0) {
    note("rename\t%s\t%s\t%s\n", from_full, to_full, saved);
  } else {
    drop_the_link(saved);
  }
  pthread_mutex_unlock(&shim_mutex);
  return result;
}

template <typename UnlinkFunction>
int watched_unlink(int directory_fd, const char* path, UnlinkFunction unlink_it) {
  char full[PATH_MAX];
  if (!watching() || !resolve(directory_fd, path, full) || !is_watched(full, false)) {
    return unlink_it();
  }
  pthread_mutex_lock(&shim_mutex);
  char saved[PATH_MAX];
  keep_a_link(full, saved);
  const int result = unlink_it();
  if (result == 0) {
    note("unlink\t%s\t%s\n", full, saved);
  } else {
    drop_the_link(saved);
  }
  pthread_mutex_unlock(&shim_mutex);
  return result;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return watched_open(AT_FDCWD, path, flags, mode);
}

int openat(int directory_fd, const char* path, int flags, ...) {
  va_list arguments;
  va_start(arguments, flags);
  const mode_t mode = mode_argument(flags, arguments);
  va_end(arguments);
  return watched_open(directory_fd, path, flags, mode);
}

int creat(const char* path, mode_t mode) {
  return watched_open(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int fsync(int fd) {
  REAL(fsync);
  return watched_sync(fd, real);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  return watched_sync(fd, real);
}

ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  return watched_pwrite(fd, data, size, offset);
}

int ftruncate(int fd, off_t length) {
  REAL(ftruncate);
  char path[PATH_MAX];
  struct stat status;
  if (!watching() || !path_of_fd(fd, path) || !is_watched(path, false) || fstat(fd, &status) != 0) {
    return real(fd, length);
  }
  const int result = real(fd, length);
  if (result == 0) note_truncate(status, length, path);
  return result;
}


int truncate(const char* path, off_t length) {
  REAL(truncate);
  char full[PATH_MAX];
  struct stat status;
  if (!watching() || !resolve(AT_FDCWD, path, full) || !is_watched(full, false) ||
      stat(full, &status) != 0) {
    return real(path, length);
  }
  const int result = real(path, length);
  if (result == 0) note_truncate(status, length, full);
  return result;
}


int mkdir(const char* path, mode_t mode) {
  REAL(mkdir);
  return watched_mkdir(AT_FDCWD, path, [&] { return real(path, mode); });
}

int mkdirat(int directory_fd, const char* path, mode_t mode) {
  REAL(mkdirat);
  return watched_mkdir(directory_fd, path, [&] { return real(directory_fd, path, mode); });
}

int rename(const char* from, const char* to) {
  REAL(rename);
  return watched_rename(AT_FDCWD, from, AT_FDCWD, to, [&] { return real(from, to); });
}

int renameat(int from_fd, const char* from, int to_fd, const char* to) {
  REAL(renameat);
  return watched_rename(from_fd, from, to_fd, to, [&] { return real(from_fd, from, to_fd, to); });
}

int renameat2(int from_fd, const char* from, int to_fd, const char* to, unsigned flags) {
  REAL(renameat2);
  return watched_rename(from_fd, from, to_fd, to,
                        [&] { return real(from_fd, from, to_fd, to, flags); });
}

int unlink(const char* path) {
  return watched_unlink(AT_FDCWD, path, [&] { return real_unlink(path); });
}

int unlinkat(int directory_fd, const char* path, int flags) {
  REAL(unlinkat);
  return watched_unlink(directory_fd, path, [&] { return real(directory_fd, path, flags); });
}

// The C library's remove() calls its own unlink inside, out of this library's reach.
int remove(const char* path) {
  REAL(remove);
  return watched_unlink(AT_FDCWD, path, [&] { return real(path); });
}

// The 64-bit names are the same calls on a 64-bit system.
int open64(const char* path, int flags, ...) __attribute__((alias("open")));
int openat64(int directory_fd, const char* path, int flags, ...) __attribute__((alias("openat")));
int creat64(const char* path, mode_t mode) __attribute__((alias("creat")));
int ftruncate64(int fd, off64_t length) __attribute__((alias("ftruncate")));
ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset)
    __attribute__((alias("pwrite")));
int truncate64(const char* path, off64_t length) __attribute__((alias("truncate")));

}  // extern "C"
