#include "journal/journal_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "journal/durable_file.h"

namespace coupond::journal {
namespace {

struct Segment {
  std::uint64_t first_sequence = 0;
  std::filesystem::path path;
};

std::vector<Segment> list_segments(const std::filesystem::path& directory) {
  std::vector<Segment> segments;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::uint64_t first = parse_segment_file_name(entry.path().filename().string());
    if (first != 0) segments.push_back({first, entry.path()});
  }
  std::sort(segments.begin(), segments.end(),
            [](const Segment& a, const Segment& b) { return a.first_sequence < b.first_sequence; });
  return segments;
}

// In one read of the file's size: a preallocated segment is its full size however few records
// it holds.
Status read_file(const std::filesystem::path& path, std::string* out) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = file ? static_cast<std::streamoff>(file.tellg()) : -1;
  if (size < 0) return Status::io_error("cannot open " + path.string());
  out->resize(static_cast<std::size_t>(size));
  file.seekg(0);
  file.read(out->data(), static_cast<std::streamsize>(out->size()));
  if (!file) return Status::io_error("cannot read " + path.string());
  return Status::ok();
}

Status truncate_file(const std::filesystem::path& path, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open", path, errno);
  Status status;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    status = errno_status("cannot truncate", path, errno);
  } else {
    status = sync_data(fd, path);
  }
  ::close(fd);
  return status;
}

// The segment's format version when its header verifies, else 0.
std::uint32_t verified_segment_version(const std::string& bytes, std::uint64_t first_sequence) {
  if (bytes.size() < sizeof(SegmentHeader)) return 0;
  SegmentHeader header;
  std::memcpy(&header, bytes.data(), sizeof(header));
  const bool verifies = header.magic == segment_magic &&
                        header.format_version >= segment_format_version_min &&
                        header.format_version <= segment_format_version &&
                        header.header_bytes == sizeof(SegmentHeader) &&
                        header.first_sequence == first_sequence &&
                        header.checksum == segment_header_checksum(header);
  return verifies ? header.format_version : 0;
}

// True, with *header, when a whole record starts at offset and its checksum verifies. Its type
// is not judged here: a record of a type this build does not know verifies, and is refused as
// such rather than taken for a torn write.
bool record_verifies(const std::string& bytes, std::size_t offset, RecordHeader* header) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(RecordHeader)) return false;
  std::memcpy(header, bytes.data() + offset, sizeof(*header));
  if (header->payload_bytes > record_payload_bytes_max) return false;
  if (bytes.size() - offset - sizeof(RecordHeader) < header->payload_bytes) return false;
  return header->checksum == record_checksum(*header, bytes.data() + offset + sizeof(RecordHeader));
}

// Where the segment's bytes end once the zeros after its last byte that is not zero are left
// out. No record starts at or after it: a record's header holds its sequence, which is not zero.
std::size_t end_before_zeros(const std::string& bytes) {
  std::size_t end = bytes.size();
  // Eight bytes at a time over what is mostly a long run of zeros, then byte by byte.
  for (std::uint64_t word = 0; end >= sizeof(word); end -= sizeof(word)) {
    std::memcpy(&word, bytes.data() + end - sizeof(word), sizeof(word));
    if (word != 0) break;
  }
  while (end > 0 && bytes[end - 1] == 0) --end;
  return end;
}

// Whether any record verifies at any byte after offset and before content_end (where only zeros
// remain): what tells corruption from a torn tail.
bool valid_record_after(const std::string& bytes, std::size_t offset, std::size_t content_end) {
  RecordHeader header;
  for (std::size_t at = offset + 1; at < content_end; ++at) {
    if (record_verifies(bytes, at, &header)) return true;
  }
  return false;
}

// What verifies after a damaged record at offset, the one whose sequence should have been
// expected. Nothing: a torn tail. Only records of the damaged one's own group (marked groups only):
// a torn group write, whose later pages reached the disk before its earlier ones and whose sync
// never completed. Anything else, such as a record of a later group (written only after the
// damaged record's group was synced and acknowledged): corruption.
enum class AfterDamage { nothing, own_group_only, other_records };

AfterDamage what_follows_damage(const std::string& bytes, std::size_t offset,
                                std::size_t content_end, std::uint64_t expected,
                                bool groups_marked) {
  AfterDamage found = AfterDamage::nothing;
  RecordHeader header;
  std::size_t at = offset + 1;
  while (at < content_end) {
    if (!record_verifies(bytes, at, &header)) {
      ++at;
      continue;
    }
    const bool own_group = groups_marked && header.sequence > expected &&
                           header.sequence - group_position(header) <= expected;
    if (!own_group) return AfterDamage::other_records;
    found = AfterDamage::own_group_only;
    at += sizeof(header) + header.payload_bytes;
  }
  return found;
}

std::string where(const std::filesystem::path& path, std::size_t offset) {
  return path.string() + " at byte offset " + std::to_string(offset);
}

class Replay {
 public:
  Replay(const ReplayOptions& options, const std::function<Status(const JournalRecord&)>& apply,
         ReplayReport* report)
      : options_(options), apply_(apply), report_(*report) {}

  Status run() {
    segments_ = list_segments(options_.directory);
    report_.last_sequence = options_.after_sequence;
    // Segments whose records the snapshot covers entirely are not read.
    std::size_t start = 0;
    while (start + 1 < segments_.size() &&
           segments_[start + 1].first_sequence - 1 <= options_.after_sequence) {
      ++start;
    }
    if (start == segments_.size()) return Status::ok();
    if (segments_[start].first_sequence > options_.after_sequence + 1) {
      return Status::corruption(
          "journal records " + std::to_string(options_.after_sequence + 1) + " to " +
          std::to_string(segments_[start].first_sequence - 1) +
          " are missing: the oldest segment is " + segments_[start].path.string() +
          " and no snapshot covers what came before it");
    }
    expected_ = segments_[start].first_sequence;
    for (std::size_t k = start; k < segments_.size(); ++k) {
      bool stop = false;
      Status status = read_segment(k, &stop);
      if (!status.is_ok() || stop) return status;
    }
    return Status::ok();
  }

 private:
  Status read_segment(std::size_t k, bool* stop) {
    const Segment& segment = segments_[k];
    const bool last = k + 1 == segments_.size();
    std::string bytes;
    Status status = read_file(segment.path, &bytes);
    if (!status.is_ok()) return status;
    ++report_.segments_read;
    content_end_ = end_before_zeros(bytes);
    const std::uint32_t version = verified_segment_version(bytes, segment.first_sequence);
    if (version == 0) {
      // A crash while a new segment was being started leaves it without a whole header.
      if (last && !valid_record_after(bytes, 0, content_end_)) {
        std::error_code ignored;
        std::filesystem::remove(segment.path, ignored);
        report_.repairs.push_back("removed " + segment.path.string() +
                                  ": a segment whose header was never completely written");
        return Status::ok();
      }
      return Status::corruption("journal segment header does not verify: " + segment.path.string());
    }
    if (segment.first_sequence != expected_) {
      return Status::corruption("journal sequence gap: expected " + std::to_string(expected_) +
                                ", but " + segment.path.string() + " starts at " +
                                std::to_string(segment.first_sequence));
    }
    std::size_t offset = sizeof(SegmentHeader);
    while (offset < bytes.size()) {
      RecordHeader header;
      if (!record_verifies(bytes, offset, &header)) {
        // A preallocated segment ends where only its zeros remain (a segment made ahead and
        // never written, after a crash just after rotation, is all zeros past its header).
        if (version >= segment_format_version_preallocated && offset >= content_end_) break;
        return bad_record(k, bytes, offset, {}, version >= 2, stop);
      }
      if (const std::string wrong = whole_but_wrong(header); !wrong.empty()) {
        return bad_record(k, bytes, offset, wrong, version >= 2, stop);
      }
      if (header.sequence > options_.after_sequence) {
        const JournalRecord record{
            header.sequence, static_cast<RecordType>(header.type),
            std::string_view(bytes.data() + offset + sizeof(header), header.payload_bytes)};
        status = apply_(record);
        if (!status.is_ok()) {
          return Status::corruption("journal record " + std::to_string(header.sequence) + " in " +
                                    where(segment.path, offset) +
                                    " cannot be applied: " + status.message());
        }
        ++report_.records_applied;
      }
      report_.last_sequence = std::max(report_.last_sequence, header.sequence);
      ++expected_;
      offset += sizeof(header) + header.payload_bytes;
    }
    return Status::ok();
  }

  // What is wrong with a record whose checksum holds, or nothing. No crash leaves such a record
  // behind (the journal only appends, one writer, in sequence), so it is never a torn write.
  std::string whole_but_wrong(const RecordHeader& header) const {
    if (header.sequence != expected_) {
      return "a record out of sequence (" + std::to_string(header.sequence) + " where " +
             std::to_string(expected_) + " was expected)";
    }
    if (header.type == 0 || header.type > record_type_max) {
      return "a record of unknown type " + std::to_string(header.type) +
             " (written by a newer coupond, or damaged)";
    }
    return {};
  }

  // A record that cannot be applied: one that does not verify (wrong empty), or a whole one that
  // is wrong. Cut as a torn write when nothing acknowledged can be after it, else refused.
  Status bad_record(std::size_t k, const std::string& bytes, std::size_t offset,
                    const std::string& wrong, bool groups_marked, bool* stop) {
    const Segment& segment = segments_[k];
    const bool later_segments = k + 1 < segments_.size();
    const AfterDamage after = later_segments || !wrong.empty()
                                  ? AfterDamage::other_records
                                  : what_follows_damage(bytes, offset, content_end_, expected_,
                                                        groups_marked);
    *stop = true;
    if (after != AfterDamage::other_records) {
      Status status = truncate_file(segment.path, offset);
      if (!status.is_ok()) return status;
      const std::string dropped = std::to_string(bytes.size() - offset) + " bytes";
      report_.repairs.push_back(
          after == AfterDamage::nothing
              ? "dropped a torn record (" + dropped + ") at the end of " +
                    where(segment.path, offset) + ": it was never acknowledged"
              : "dropped a torn group write (" + dropped + ", from record " +
                    std::to_string(expected_) + " on) at the end of " +
                    where(segment.path, offset) +
                    ": its sync never completed, so none of it was acknowledged");
      return Status::ok();
    }
    const std::string what =
        wrong.empty() ? "a record that does not verify, followed by valid records" : wrong;
    if (!options_.truncate_corrupt) {
      return Status::corruption(
          "journal corrupted: " + what + " in " + where(segment.path, offset) +
          ". Refusing to start: skipping it could make redeemed coupons redeemable again. "
          "Restore the data directory from a backup, or start with --journal-truncate-corrupt to "
          "drop this record and everything after it");
    }
    Status status = truncate_file(segment.path, offset);
    if (!status.is_ok()) return status;
    for (std::size_t later = k + 1; later < segments_.size(); ++later) {
      std::error_code ignored;
      std::filesystem::remove(segments_[later].path, ignored);
    }
    report_.repairs.push_back("TRUNCATED CORRUPT JOURNAL (--journal-truncate-corrupt): " + what +
                              " in " + where(segment.path, offset) +
                              "; it and every record after it were dropped");
    return Status::ok();
  }

  const ReplayOptions& options_;
  const std::function<Status(const JournalRecord&)>& apply_;
  ReplayReport& report_;
  std::vector<Segment> segments_;
  std::uint64_t expected_ = 0;
  std::size_t content_end_ = 0;  // of the segment being read: only zeros from here on
};

}  // namespace

Status replay_journal(const ReplayOptions& options,
                      const std::function<Status(const JournalRecord&)>& apply,
                      ReplayReport* report) {
  *report = ReplayReport();
  std::error_code error;
  if (!std::filesystem::exists(options.directory, error)) {
    report->last_sequence = options.after_sequence;
    return Status::ok();
  }
  return Replay(options, apply, report).run();
}

}  // namespace coupond::journal
