// A large load's payload in a file of its own beside the journal (DATA_DIR/imports/), so that the
// journal carries only a small record naming it. Journaled inline, a million imported codes made
// one record of 32 MB: every redemption appended behind it waited for those megabytes to be
// copied, checksummed, written and synced. Written here, by the thread that loads, a few MiB at a
// time and each chunk flushed before the next is written, the disk's queue never holds many MiB
// ahead of a group's fdatasync.
//
// A file's life:
//   1. written under pending-<id, 16 hex digits>.codes and synced, its directory synced, before
//      anything names it;
//   2. the journal record naming it (id, length, checksum) is appended;
//   3. renamed to <the record's sequence, 20 digits>.codes and the directory synced, before the
//      load is answered (and before a snapshot can cover the record);
//   4. removed once the older kept snapshot covers the record (remove_load_files_through).
// Recovery reads the file when replay meets its record, under either name; a file that is missing
// or does not verify is a start-up error that names it. Whatever a crash leaves before step 2
// (a pending file no record names), or a file renamed for a record that never became durable, is
// removed at start (remove_unused_load_files).
//
// The file's bytes are exactly a record payload (persist/journal_records.h); the record's length
// and xxh3-64 checksum cover all of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "coupond/status.h"

namespace coupond::journal {

// What the journal record says of its file.
struct LoadFileRef {
  std::uint64_t id = 0;  // the pending name's
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;  // xxh3-64 of the file's bytes
};

// Writes payload into a new pending file in directory (made if missing) and syncs it and the
// directory: step 1. On failure nothing of it is left.
Status write_load_file(const std::filesystem::path& directory, std::string_view payload,
                       LoadFileRef* out);
// Step 3: gives the pending file its record's sequence for a name, and syncs the directory.
Status name_load_file(const std::filesystem::path& directory, const LoadFileRef& ref,
                      std::uint64_t sequence);
// Removes a pending file whose load was refused before its record was appended.
void discard_load_file(const std::filesystem::path& directory, const LoadFileRef& ref);
// Reads the file of the record at sequence into *out and verifies its length and checksum; a file
// still under its pending name is renamed first (a crash came between steps 2 and 3).
Status read_load_file(const std::filesystem::path& directory, const LoadFileRef& ref,
                      std::uint64_t sequence, std::string* out);
// Removes the named files of records up to sequence (a snapshot covers them). Returns how many.
std::size_t remove_load_files_through(const std::filesystem::path& directory,
                                      std::uint64_t sequence);
// At start, after replay reached last_sequence: removes every pending file (replay renamed those
// a record names) and every file named for a sequence past last_sequence.
std::size_t remove_unused_load_files(const std::filesystem::path& directory,
                                     std::uint64_t last_sequence);

// "00000000000000000042.codes" for the record at sequence 42; "pending-000000000000002a.codes"
// for id 42 before it.
std::string load_file_name(std::uint64_t sequence);
std::string pending_load_file_name(std::uint64_t id);

}  // namespace coupond::journal
