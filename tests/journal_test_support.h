// Helpers shared by the journal's tests: records whose payloads say their own sequence, a replay
// that collects what it was given, and the raw bytes of segment files to damage on purpose.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "test_support.h"

namespace coupond::testing::journal_files {

using namespace coupond::journal;

inline std::string payload_for(std::uint64_t sequence) {
  return "record " + std::to_string(sequence) + std::string(sequence % 37, 'x');
}

inline std::unique_ptr<Journal> open_journal(const std::filesystem::path& directory,
                                      Durability durability = Durability::group,
                                      std::uint64_t next_sequence = 1,
                                      std::uint64_t segment_bytes_max = 64u << 20) {
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

inline std::filesystem::path only_segment(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> segments;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    segments.push_back(entry.path());
  }
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

// Offsets where each record of a segment starts, from its bytes.
inline std::vector<std::size_t> record_offsets(const std::string& bytes) {
  std::vector<std::size_t> offsets;
  std::size_t offset = sizeof(SegmentHeader);
  while (offset + sizeof(RecordHeader) <= bytes.size()) {
    offsets.push_back(offset);
    RecordHeader header;
    std::memcpy(&header, bytes.data() + offset, sizeof(header));
    offset += sizeof(header) + header.payload_bytes;
  }
  return offsets;
}

}  // namespace coupond::testing::journal_files
