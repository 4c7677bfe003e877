// Whole files over a replication connection, in chunks: a base copy's snapshot, and the file of an
// import kept beside the journal (record type 12), which the standby must hold, verified, before
// the record naming it. A begin message (the file's length and one number saying what it is),
// chunks, and an end message with the xxh3-64 of all the bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "coupond/status.h"
#include "replication/wire.h"

namespace coupond::replication {

Status send_file(Connection& connection, const std::filesystem::path& path, MessageType begin,
                 std::uint64_t tag, MessageType chunk, MessageType end);
// The file of the type 12 record at sequence whose payload is record_payload: under its final
// name, or still under its pending one (the rename follows the record's append).
Status send_load_file(Connection& connection, const std::filesystem::path& imports_directory,
                      std::uint64_t sequence, std::string_view record_payload);

// A begin message's body: the file's length and its tag.
std::string encode_file_begin(std::uint64_t bytes, std::uint64_t tag);
bool decode_file_begin(std::string_view body, std::uint64_t* bytes, std::uint64_t* tag);
// Receives the chunks and the end of a file whose begin said bytes, into path (replaced),
// synced, and checked against the end's checksum; nothing is left at path when it fails.
Status receive_file(Connection& connection, std::uint64_t bytes, MessageType chunk,
                    MessageType end, const std::filesystem::path& path);

// The sequence a snapshot file's name gives ("<20 digits>.snap"), or 0.
std::uint64_t snapshot_file_sequence(const std::string& name);

}  // namespace coupond::replication
