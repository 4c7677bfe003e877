// The few system calls that make bytes durable, each returning a Status that names the file and
// says what the system said. Used by the journal and by snapshots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "coupond/status.h"

namespace coupond::journal {

// Writes all of size bytes at the file's position, retrying short writes and EINTR.
Status write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path);
// The same at offset (pwrite): the file's position is neither used nor moved.
Status write_all_at(int fd, const void* data, std::size_t size, std::uint64_t offset,
                    const std::filesystem::path& path);
// Writes size zero bytes at offset, from zeros (at least size bytes): a journal segment made
// ahead. The fault point write.enospc stands for a failed write of data, and does not count
// these, whose number depends on sizes and on when a thread gets to them.
Status write_zeros_at(int fd, const char* zeros, std::size_t size, std::uint64_t offset,
                      const std::filesystem::path& path);
// fdatasync: the file's bytes (and its size) are on disk when this returns ok.
Status sync_data(int fd, const std::filesystem::path& path);
// fsync of a directory: a file created, renamed or removed in it stays so after a crash.
Status sync_directory(const std::filesystem::path& directory);
// The same through a descriptor of the directory held open: needs no descriptor of its own.
Status sync_open_directory(int directory_fd, const std::filesystem::path& directory);
// fsync of the directory that holds path: makes a file just created there stay after a crash.
Status sync_parent_directory(const std::filesystem::path& path);
// Creates directory and any missing parents, syncing each new one into its parent: a directory
// made but never synced into its parent may be gone after a power cut, with all it holds.
Status create_directories_durably(const std::filesystem::path& directory);

// An io_error for the errno of a failed call: "<what> <path>: <reason>", where a full disk says so
// plainly (it is the one an operator can fix).
Status errno_status(const char* what, const std::filesystem::path& path, int error_number);

}  // namespace coupond::journal
