// The lock that makes a data directory one process's own. Two processes on one directory would
// each rebuild the table files the other has mapped and each append to the journal as if alone:
// the first would stop finding the coupons it issued and acknowledged redemptions would be lost.
// So before anything in the directory is read or written, the engine takes an exclusive flock on
// DATA_DIR/LOCK and writes its pid there; whoever comes second is refused at once, told which
// process holds it, and has changed nothing.
//
// flock belongs to the open file, not the process: a second Engine::open on the same directory in
// the same process is refused too. The lock ends when the holder closes it or dies (kill -9 and
// power cuts included), so a stale LOCK file never blocks a restart.
#pragma once

#include <filesystem>
#include <memory>

#include "coupond/status.h"

namespace coupond::store {

inline constexpr const char* data_dir_lock_file_name = "LOCK";

class DataDirLock {
 public:
  // Takes the lock on directory/LOCK, creating the file if missing, and writes this process's pid
  // into it. When another holds it: an error naming the directory and the holder's pid, and no
  // file touched.
  static Status acquire(const std::filesystem::path& directory, std::unique_ptr<DataDirLock>* out);

  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace coupond::store
