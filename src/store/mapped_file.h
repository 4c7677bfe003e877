// A file mapped into memory with MAP_SHARED: the table's shards live in such files so that the
// kernel pages them in and out and a snapshot can copy them as they are.
#pragma once

#include <cstddef>
#include <filesystem>
#include <utility>

#include "coupond/status.h"

namespace coupond::store {

class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept { swap(other); }
  MappedFile& operator=(MappedFile&& other) noexcept {
    MappedFile moved(std::move(other));
    swap(moved);
    return *this;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Creates (or truncates) path to size_bytes of zeros, its blocks reserved on disk, and maps it
  // read-write. A full disk is an error here, never a SIGBUS later when a page is first written.
  static Status create(const std::filesystem::path& path, std::size_t size_bytes, MappedFile* out);

  // Maps an existing file read-write at its current size.
  static Status open(const std::filesystem::path& path, MappedFile* out);

  std::byte* data() const { return data_; }
  std::size_t size_bytes() const { return size_bytes_; }
  const std::filesystem::path& path() const { return path_; }
  bool is_mapped() const { return data_ != nullptr; }

  // Records that the file was renamed to path (the mapping follows the inode, not the name).
  void set_path(std::filesystem::path path) { path_ = std::move(path); }

  // Asks the kernel to write the mapped pages back now (msync MS_SYNC).
  Status flush() const;

 private:
  // Maps fd read-write as the file at path, and closes fd whether or not that succeeded.
  static Status adopt(int fd, const std::filesystem::path& path, std::size_t size_bytes,
                      MappedFile* out);

  void swap(MappedFile& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_bytes_, other.size_bytes_);
    std::swap(path_, other.path_);
  }

  std::byte* data_ = nullptr;
  std::size_t size_bytes_ = 0;
  std::filesystem::path path_;
};

}  // namespace coupond::store
