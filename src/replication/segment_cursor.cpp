#include "replication/segment_cursor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "journal/journal_format.h"
#include "replication/wire.h"

namespace coupond::replication {
namespace {

using journal::RecordHeader;

// The first sequence of the segment that would hold sequence: the largest first at most it.
std::uint64_t segment_first_for(const std::filesystem::path& directory, std::uint64_t sequence) {
  std::uint64_t best = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::uint64_t first = journal::parse_segment_file_name(entry.path().filename().string());
    if (first != 0 && first <= sequence && first > best) best = first;
  }
  return best;
}

}  // namespace

SegmentCursor::~SegmentCursor() {
  if (fd_ >= 0) ::close(fd_);
}

bool SegmentCursor::read_at(std::uint64_t offset, std::size_t size, std::string* out) {
  out->resize(size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd_, out->data() + done, size - done,
                                static_cast<off_t>(offset + done));
    if (got <= 0) return false;
    done += static_cast<std::size_t>(got);
  }
  return true;
}

// Opens the segment that holds sequence and walks its record headers to it.
bool SegmentCursor::open_segment_holding(std::uint64_t sequence) {
  const std::uint64_t first = segment_first_for(directory_, sequence);
  if (first == 0) return false;
  const int fd = ::open((directory_ / journal::segment_file_name(first)).c_str(),
                        O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_first_ = first;
  offset_ = sizeof(journal::SegmentHeader);
  std::string header_bytes;
  for (std::uint64_t at = first; at < sequence; ++at) {
    RecordHeader header;
    if (!read_at(offset_, sizeof(header), &header_bytes)) return false;
    std::memcpy(&header, header_bytes.data(), sizeof(header));
    if (header.sequence != at) return false;
    offset_ += sizeof(header) + header.payload_bytes;
  }
  return true;
}

SegmentCursor::Read SegmentCursor::next(std::uint64_t durable_through, std::string* bytes) {
  if (next_ > durable_through) return Read::not_yet;
  if (fd_ < 0 && !open_segment_holding(next_)) {
    return segment_first_for(directory_, next_) == 0 ? Read::gone : Read::damaged;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    RecordHeader header;
    std::string header_bytes;
    if (read_at(offset_, sizeof(header), &header_bytes)) {
      std::memcpy(&header, header_bytes.data(), sizeof(header));
      if (header.sequence == next_ && header.payload_bytes <= journal::record_payload_bytes_max &&
          read_at(offset_, sizeof(header) + header.payload_bytes, bytes) &&
          header.checksum == journal::record_checksum(header, bytes->data() + sizeof(header))) {
        offset_ += bytes->size();
        ++next_;
        return Read::record;
      }
    }
    // Not here: the writer moved on to a segment that starts with it.
    if (attempt == 0 && !open_segment_holding(next_)) break;
  }
  return Read::damaged;
}

bool journal_reaches(const std::filesystem::path& directory, std::uint64_t sequence) {
  return segment_first_for(directory, sequence) != 0;
}

std::uint64_t identity_of_record(const std::filesystem::path& directory, std::uint64_t sequence) {
  if (sequence == 0) return 0;
  SegmentCursor cursor(directory, sequence);
  std::string bytes;
  if (cursor.next(sequence, &bytes) != SegmentCursor::Read::record) return 0;
  RecordHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  return record_identity(sequence, header.type,
                         std::string_view(bytes).substr(sizeof(header)));
}

}  // namespace coupond::replication
