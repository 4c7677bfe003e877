// Helpers shared by the journal's tests: records whose payloads say their own sequence, a replay
// that collects what it was given, and the raw bytes of segment files to damage on purpose.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "test_support.h"

namespace coupond::testing::journal_files {

using namespace coupond::journal;

inline std::string payload_for(std::uint64_t sequence) {
  return "record " + std::to_string(sequence) + std::string(sequence % 37, 'x');
}

// Segments of 64 KiB unless said otherwise: every segment is written whole with zeros, and read
// whole, however few records it holds.
inline std::unique_ptr<Journal> open_journal(const std::filesystem::path& directory,
                                      Durability durability = Durability::group,
                                      std::uint64_t next_sequence = 1,
                                      std::uint64_t segment_bytes_max = 64u << 10) {
  JournalOptions options;
  options.directory = directory;
  options.durability = durability;
  options.segment_bytes_max = segment_bytes_max;
  std::unique_ptr<Journal> journal;
  const Status status = Journal::open(options, next_sequence, &journal);
  EXPECT_TRUE(status.is_ok()) << status.message();
  return journal;
}

// Appends count records whose payloads say their sequence, and waits for them: for each in turn
// when wait_each is set (a group per record, so that small segments rotate often).
inline void append_records(Journal& journal, std::uint64_t count, bool wait_each = false) {
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    last = journal.append(RecordType::use_taken, payload_for(journal.last_sequence() + 1));
    if (wait_each) {
      ASSERT_TRUE(journal.wait_durable(last).is_ok());
    }
  }
  ASSERT_TRUE(journal.wait_durable(last).is_ok());
}

// Waits, a bounded while, for the journal's thread to have made the next segment ahead.
inline bool wait_for_next_segment(const Journal& journal) {
  for (int i = 0; i < 2000 && !journal.next_segment_ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return journal.next_segment_ready();
}

struct Replayed {
  Status status;
  ReplayReport report;
  std::vector<std::uint64_t> sequences;
  bool payloads_match = true;
};

inline Replayed replay(const std::filesystem::path& directory, std::uint64_t after = 0,
                bool truncate_corrupt = false) {
  Replayed out;
  ReplayOptions options{directory, after, truncate_corrupt};
  out.status = replay_journal(
      options,
      [&](const JournalRecord& record) {
        out.sequences.push_back(record.sequence);
        if (record.payload != payload_for(record.sequence)) out.payloads_match = false;
        return Status::ok();
      },
      &out.report);
  return out;
}

// The segment files of a journal directory (not the next segment, made ahead), in order.
inline std::vector<std::filesystem::path> segment_files(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> segments;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (parse_segment_file_name(entry.path().filename().string()) != 0) {
      segments.push_back(entry.path());
    }
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

inline std::filesystem::path only_segment(const std::filesystem::path& directory) {
  const std::vector<std::filesystem::path> segments = segment_files(directory);
  EXPECT_EQ(segments.size(), 1u);
  return segments.empty() ? std::filesystem::path() : segments.front();
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Offsets where each record of a segment starts, from its bytes, up to the file's end or the
// zeros that follow the last record of a preallocated segment.
inline std::vector<std::size_t> record_offsets(const std::string& bytes) {
  std::vector<std::size_t> offsets;
  std::size_t offset = sizeof(SegmentHeader);
  while (offset + sizeof(RecordHeader) <= bytes.size()) {
    RecordHeader header;
    std::memcpy(&header, bytes.data() + offset, sizeof(header));
    if (header.sequence == 0) break;
    offsets.push_back(offset);
    offset += sizeof(header) + header.payload_bytes;
  }
  return offsets;
}

// Where the records of a segment end: the file's end, or where its zero tail begins.
inline std::size_t records_end(const std::string& bytes) {
  const std::vector<std::size_t> offsets = record_offsets(bytes);
  if (offsets.empty()) return sizeof(SegmentHeader);
  RecordHeader last;
  std::memcpy(&last, bytes.data() + offsets.back(), sizeof(last));
  return offsets.back() + sizeof(last) + last.payload_bytes;
}

}  // namespace coupond::testing::journal_files
