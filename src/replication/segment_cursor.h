// Reads a journal's records in sequence from its segment files while the journal is being
// written: what a primary sends a standby (catch-up and live tail alike) and how either side
// finds the record at a given sequence. Reading the segments, not a copy of each group kept in
// memory, bounds a slow standby's cost to a file position: it reads from the page cache while it
// keeps up, and from the disk when it falls behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "coupond/status.h"
#include "replication/byte_buffer.h"

namespace coupond::replication {

class SegmentCursor {
 public:
  SegmentCursor(std::filesystem::path directory, std::uint64_t next_sequence)
      : directory_(std::move(directory)), next_(next_sequence) {}
  ~SegmentCursor();
  SegmentCursor(const SegmentCursor&) = delete;
  SegmentCursor& operator=(const SegmentCursor&) = delete;

  enum class Read {
    record,   // *bytes holds the next record (header and payload), verified
    not_yet,  // its sequence is past durable_through
    gone,     // no segment holds it any more (a snapshot covered it and it was removed)
    damaged,  // a segment holds something else where it should be
  };
  // The record at next_sequence(), which moves on by one when it is read. Only records up to
  // written_through are read: those are whole in their segment.
  Read next(std::uint64_t written_through, std::string* bytes);
  std::uint64_t next_sequence() const { return next_; }

 private:
  bool open_segment_holding(std::uint64_t sequence);
  bool open_segment(std::uint64_t first);
  // The record at offset_ when it is next_ and verifies. fresh: read the file again rather than
  // trust what was read before (the writer may have written there since).
  bool take_record(bool fresh, std::string* bytes);
  // size bytes of the segment from offset, from the buffer or read into it; null when the file
  // holds fewer.
  const char* view(std::uint64_t offset, std::size_t size);

  const std::filesystem::path directory_;
  std::uint64_t next_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;  // of record next_ in the open segment
  // What was last read of the segment, from buffer_offset_ on: one read serves many records.
  ByteBuffer buffer_;
  std::uint64_t buffer_offset_ = 0;
};

// Whether a segment of the journal in directory starts at or before sequence: a cursor from
// sequence on can find it (once it is written).
bool journal_reaches(const std::filesystem::path& directory, std::uint64_t sequence);

// The record at sequence in the journal in directory, as record_identity hashes it; 0 when no
// segment holds it whole.
std::uint64_t identity_of_record(const std::filesystem::path& directory, std::uint64_t sequence);

}  // namespace coupond::replication
