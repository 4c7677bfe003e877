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

const char* SegmentCursor::view(std::uint64_t offset, std::size_t size) {
  if (offset >= buffer_offset_ && offset + size <= buffer_offset_ + buffer_.size()) {
    return buffer_.data() + (offset - buffer_offset_);
  }
  constexpr std::size_t read_ahead = 256u << 10;
  buffer_.clear();
  buffer_offset_ = offset;
  const std::size_t wanted = std::max(size, read_ahead);
  char* room = buffer_.room(wanted);
  std::size_t done = 0;
  while (done < wanted) {
    const ssize_t got =
        ::pread(fd_, room + done, wanted - done, static_cast<off_t>(offset + done));
    if (got <= 0) break;
    done += static_cast<std::size_t>(got);
    // A file reads short only at its end (the live tail): asking again would only hear so.
    if (done < wanted) break;
  }
  buffer_.grown(done);
  return done >= size ? buffer_.data() : nullptr;
}

bool SegmentCursor::open_segment(std::uint64_t first) {
  const int fd = ::open((directory_ / journal::segment_file_name(first)).c_str(),
                        O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  offset_ = sizeof(journal::SegmentHeader);
  buffer_.clear();
  return true;
}

// Opens the segment that holds sequence and walks its record headers to it (once, when the
// cursor starts: from then on it follows the records).
bool SegmentCursor::open_segment_holding(std::uint64_t sequence) {
  const std::uint64_t first = segment_first_for(directory_, sequence);
  if (first == 0 || !open_segment(first)) return false;
  for (std::uint64_t at = first; at < sequence; ++at) {
    const char* bytes = view(offset_, sizeof(RecordHeader));
    if (bytes == nullptr) return false;
    RecordHeader header;
    std::memcpy(&header, bytes, sizeof(header));
    if (header.sequence != at) return false;
    offset_ += sizeof(header) + header.payload_bytes;
  }
  return true;
}

bool SegmentCursor::take_record(bool fresh, std::string* bytes) {
  if (fresh) buffer_.clear();
  const char* head = view(offset_, sizeof(RecordHeader));
  if (head == nullptr) return false;
  RecordHeader header;
  std::memcpy(&header, head, sizeof(header));
  if (header.sequence != next_ || header.payload_bytes > journal::record_payload_bytes_max) {
    return false;
  }
  const std::size_t size = sizeof(header) + header.payload_bytes;
  const char* record = view(offset_, size);
  if (record == nullptr || header.checksum != journal::record_checksum(header, record + sizeof(header))) {
    return false;
  }
  bytes->assign(record, size);
  offset_ += size;
  ++next_;
  return true;
}

SegmentCursor::Read SegmentCursor::next(std::uint64_t written_through, std::string* bytes) {
  if (next_ > written_through) return Read::not_yet;
  if (fd_ < 0 && !open_segment_holding(next_)) {
    return segment_first_for(directory_, next_) == 0 ? Read::gone : Read::damaged;
  }
  // What was read ahead may predate the record; then the writer may have moved on to a segment
  // that starts with it.
  if (take_record(false, bytes) || take_record(true, bytes)) return Read::record;
  if (open_segment(next_) && take_record(true, bytes)) return Read::record;
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
