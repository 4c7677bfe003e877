#include "journal/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "journal/durable_file.h"
#include "journal/fault_point.h"

namespace coupond::journal {
namespace {

std::vector<std::uint64_t> list_segments(const std::filesystem::path& directory) {
  std::vector<std::uint64_t> firsts;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::uint64_t first = parse_segment_file_name(entry.path().filename().string());
    if (first != 0) firsts.push_back(first);
  }
  std::sort(firsts.begin(), firsts.end());
  return firsts;
}

// Marks every record of a group with its position in the group and fills in its checksum: done by
// the writer thread, off the path of the requests that appended them. one_group_per_record: each
// record is written and synced on its own (durability sync), so each is a group of one.
void seal_records(std::string& group, bool one_group_per_record) {
  std::size_t offset = 0;
  std::uint32_t position = 0;
  while (offset < group.size()) {
    RecordHeader header;
    std::memcpy(&header, group.data() + offset, sizeof(header));
    set_group_position(&header, one_group_per_record ? 0 : position);
    position = position == group_position_max ? 0 : position + 1;
    header.checksum = record_checksum(header, group.data() + offset + sizeof(header));
    std::memcpy(group.data() + offset, &header, sizeof(header));
    offset += sizeof(header) + header.payload_bytes;
  }
}

}  // namespace

Status Journal::open(JournalOptions options, std::uint64_t next_sequence,
                     std::unique_ptr<Journal>* out) {
  Status created = create_directories_durably(options.directory);
  if (!created.is_ok()) return created;
  std::unique_ptr<Journal> journal(new Journal(std::move(options)));
  journal->segment_firsts_ = list_segments(journal->options_.directory);
  Status status = journal->start_segment(next_sequence);
  if (!status.is_ok()) return status;
  journal->last_sequence_.store(next_sequence - 1);
  journal->durable_.store(next_sequence - 1);
  journal->writer_ = std::thread([raw = journal.get()] { raw->run_writer(); });
  *out = std::move(journal);
  return Status::ok();
}

Journal::~Journal() {
  {
    std::lock_guard lock(append_mutex_);
    stopping_ = true;
  }
  group_ready_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

// Creates the segment file for records from first_sequence on, with its header synced and the
// directory synced, so that a crash never leaves records in a file the directory does not name.
Status Journal::start_segment(std::uint64_t first_sequence) {
  const std::filesystem::path path = options_.directory / segment_file_name(first_sequence);
  // A file of this name can only be an empty segment left by a crash right after it was made:
  // recovery has checked that no record at or after first_sequence exists.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("cannot create journal segment", path, errno);
  fault_point("journal.rotate");
  SegmentHeader header;
  header.first_sequence = first_sequence;
  header.checksum = segment_header_checksum(header);
  Status status = write_all(fd, &header, sizeof(header), path);
  if (status.is_ok()) status = sync_data(fd, path);
  if (status.is_ok()) status = sync_directory(options_.directory);
  if (!status.is_ok()) {
    ::close(fd);
    return status;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_path_ = path;
  segment_bytes_ = sizeof(header);
  std::lock_guard lock(segments_mutex_);
  if (segment_firsts_.empty() || segment_firsts_.back() != first_sequence) {
    segment_firsts_.push_back(first_sequence);
  }
  return Status::ok();
}

std::uint64_t Journal::append(RecordType type, std::string_view payload) {
  if (payload.size() > record_payload_bytes_max) return 0;
  RecordHeader header;
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.type = static_cast<std::uint8_t>(type);
  std::lock_guard lock(append_mutex_);
  header.sequence = last_sequence_.load(std::memory_order_relaxed) + 1;
  const bool was_empty = pending_.empty();
  pending_.append(reinterpret_cast<const char*>(&header), sizeof(header));
  pending_.append(payload);
  last_sequence_.store(header.sequence, std::memory_order_release);
  if (options_.durability == Durability::none) {
    durable_.store(header.sequence, std::memory_order_release);
  }
  if (was_empty) group_ready_.notify_one();
  return header.sequence;
}

void Journal::run_writer() {
  std::string group;
  for (;;) {
    std::uint64_t last_in_group = 0;
    {
      std::unique_lock lock(append_mutex_);
      group_ready_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;  // stopping, and everything is written
      group.clear();
      group.swap(pending_);
      last_in_group = last_sequence_.load(std::memory_order_relaxed);
    }
    const Status status = write_group(group, last_in_group);
    if (!status.is_ok()) return fail(status);
  }
}

Status Journal::write_group(std::string& group, std::uint64_t last_in_group) {
  seal_records(group, options_.durability == Durability::sync);
  if (options_.durability == Durability::sync) {
    // One write and one sync per record: what group commit saves, made visible.
    std::size_t offset = 0;
    while (offset < group.size()) {
      RecordHeader header;
      std::memcpy(&header, group.data() + offset, sizeof(header));
      const std::size_t size = sizeof(header) + header.payload_bytes;
      Status status = write_all(fd_, group.data() + offset, size, segment_path_);
      if (status.is_ok()) status = sync_data(fd_, segment_path_);
      if (!status.is_ok()) return status;
      publish(header.sequence);
      offset += size;
    }
  } else {
    Status status = write_all(fd_, group.data(), group.size(), segment_path_);
    if (!status.is_ok()) return status;
    fault_point("journal.after_write");
    if (options_.durability == Durability::group) {
      status = sync_data(fd_, segment_path_);
      if (!status.is_ok()) return status;
      fault_point("journal.after_sync");
    }
    publish(last_in_group);
  }
  segment_bytes_ += group.size();
  if (segment_bytes_ >= options_.segment_bytes_max) return start_segment(last_in_group + 1);
  return Status::ok();
}

void Journal::publish(std::uint64_t durable_through) {
  std::vector<DurableCallback> ready;
  {
    std::lock_guard lock(waiters_mutex_);
    if (options_.durability != Durability::none) {
      durable_.store(durable_through, std::memory_order_release);
    }
    const auto done = std::partition(waiters_.begin(), waiters_.end(), [&](const auto& waiter) {
      return waiter.first > durable_.load(std::memory_order_relaxed);
    });
    for (auto it = done; it != waiters_.end(); ++it) ready.push_back(std::move(it->second));
    waiters_.erase(done, waiters_.end());
  }
  durable_changed_.notify_all();
  notify_listeners();
  for (DurableCallback& callback : ready) callback(true);
}

void Journal::subscribe(std::function<void()> wake) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(wake));
}

void Journal::notify_listeners() {
  // Pairs with the fence a waiter makes between saying it waits and reading durable_: either the
  // waiter sees the new durable_, or this call sees the waiter.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  std::lock_guard lock(listeners_mutex_);
  for (const auto& wake : listeners_) wake();
}

void Journal::fail(const Status& status) {
  std::vector<std::pair<std::uint64_t, DurableCallback>> waiters;
  {
    std::lock_guard lock(waiters_mutex_);
    failure_ = status;
    failed_.store(true, std::memory_order_release);
    waiters.swap(waiters_);
  }
  durable_changed_.notify_all();
  notify_listeners();
  for (auto& waiter : waiters) waiter.second(false);
  if (options_.on_failure) options_.on_failure(status);
  // Appends go on piling up in pending_ with nobody to write them; coupond exits in on_failure.
}

Status Journal::wait_durable(std::uint64_t sequence) {
  std::unique_lock lock(waiters_mutex_);
  durable_changed_.wait(lock, [&] { return durable_sequence() >= sequence || failed(); });
  if (durable_sequence() >= sequence) return Status::ok();
  return failure_;
}

void Journal::when_durable(std::uint64_t sequence, DurableCallback done) {
  if (durable_sequence() >= sequence) return done(true);
  {
    std::lock_guard lock(waiters_mutex_);
    // Checked again under the lock: publish() and fail() change both under it.
    if (durable_sequence() < sequence && !failed()) {
      waiters_.emplace_back(sequence, std::move(done));
      return;
    }
  }
  done(durable_sequence() >= sequence);
}

std::size_t Journal::remove_segments_through(std::uint64_t sequence) {
  std::lock_guard lock(segments_mutex_);
  // A segment's last record is the next segment's first minus one; the last segment is the one
  // being written and always stays.
  std::size_t removable = 0;
  while (removable + 1 < segment_firsts_.size() &&
         segment_firsts_[removable + 1] - 1 <= sequence) {
    ++removable;
  }
  std::size_t removed = 0;
  for (std::size_t i = 0; i < removable; ++i) {
    std::error_code error;
    if (std::filesystem::remove(options_.directory / segment_file_name(segment_firsts_[i]), error)) {
      ++removed;
    }
  }
  segment_firsts_.erase(segment_firsts_.begin(), segment_firsts_.begin() + removable);
  if (removed > 0) (void)sync_directory(options_.directory);
  return removed;
}

}  // namespace coupond::journal
