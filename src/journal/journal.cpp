#include "journal/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "coupond/invariant.h"
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
  const std::filesystem::path& directory = journal->options_.directory;
  journal->directory_fd_ = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (journal->directory_fd_ < 0) {
    return errno_status("cannot open journal directory", directory, errno);
  }
  journal->segment_firsts_ = list_segments(directory);
  journal->next_segment_ = std::make_unique<NextSegment>(directory, journal->directory_fd_,
                                                         journal->options_.segment_bytes_max);
  Status status = journal->next_segment_->prepare_now();
  if (status.is_ok()) {
    status = journal->start_segment(journal->next_segment_->take(), next_sequence);
  }
  if (!status.is_ok()) return status;
  journal->next_segment_->start();
  journal->last_sequence_.store(next_sequence - 1);
  journal->durable_.store(next_sequence - 1);
  journal->local_durable_.store(next_sequence - 1);
  journal->written_.store(next_sequence - 1);
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
  next_segment_.reset();  // its thread syncs the directory through directory_fd_
  if (directory_fd_ >= 0) ::close(directory_fd_);
}

// Makes the prepared file fd the segment for records from first_sequence on: its header written
// and synced, then the file renamed to the segment's name and the directory synced, so that a
// crash never leaves records in a file the directory does not name, nor a named segment without
// its header. Opens nothing.
Status Journal::start_segment(int fd, std::uint64_t first_sequence) {
  const std::filesystem::path path = options_.directory / segment_file_name(first_sequence);
  SegmentHeader header;
  header.first_sequence = first_sequence;
  header.checksum = segment_header_checksum(header);
  Status status = write_all_at(fd, &header, sizeof(header), 0, path);
  if (status.is_ok()) status = sync_data(fd, path);
  // A file of this name can only be an empty segment left by a crash right after it was made:
  // recovery has checked that no record at or after first_sequence exists. The rename replaces it.
  if (status.is_ok() && ::renameat(directory_fd_, prepared_segment_file_name, directory_fd_,
                                   path.filename().c_str()) != 0) {
    status = errno_status("cannot name journal segment", path, errno);
  }
  if (status.is_ok()) {
    fault_point("journal.rotate");
    status = sync_open_directory(directory_fd_, options_.directory);
  }
  next_segment_->ask_for_next();
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

// Moves to the next segment when the group does not fit in what is left of this one and the
// next is ready. When it is not (still being made, or its making failed, out of descriptors or
// space), the group goes on in this segment, growing it: the journal never stops for that.
Status Journal::rotate_if_full(const std::string& group) {
  if (segment_bytes_ == sizeof(SegmentHeader) ||
      segment_bytes_ + group.size() <= options_.segment_bytes_max) {
    return Status::ok();
  }
  const int fd = next_segment_->take();
  if (fd < 0) {
    next_segment_->ask_for_next();
    return Status::ok();
  }
  RecordHeader first;
  std::memcpy(&first, group.data(), sizeof(first));
  return start_segment(fd, first.sequence);
}

Status Journal::write_in_place(const char* bytes, std::size_t size) {
  Status status = write_all_at(fd_, bytes, size, segment_bytes_, segment_path_);
  if (status.is_ok()) segment_bytes_ += size;
  return status;
}

std::uint64_t Journal::append(RecordType type, std::string_view payload) {
  if (payload.size() > record_payload_bytes_max) return 0;
  // A local change on a follower would take a sequence the primary's stream will use.
  COUPOND_INVARIANT(!following());
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
    local_durable_.store(header.sequence, std::memory_order_release);
    durable_.store(header.sequence, std::memory_order_release);
  }
  if (was_empty) group_ready_.notify_one();
  return header.sequence;
}

Status Journal::append_replicated(std::uint64_t sequence, RecordType type,
                                  std::string_view payload) {
  if (payload.size() > record_payload_bytes_max) {
    return Status::invalid_argument("a replicated record is larger than a record may be");
  }
  RecordHeader header;
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.type = static_cast<std::uint8_t>(type);
  header.sequence = sequence;
  std::lock_guard lock(append_mutex_);
  if (!following()) return Status::failed_precondition("the journal is not following a primary");
  const std::uint64_t expected = last_sequence_.load(std::memory_order_relaxed) + 1;
  if (sequence != expected) {
    return Status::failed_precondition("the primary sent record " + std::to_string(sequence) +
                                       " where this journal's next is " + std::to_string(expected));
  }
  pending_.append(reinterpret_cast<const char*>(&header), sizeof(header));
  pending_.append(payload);
  last_sequence_.store(sequence, std::memory_order_release);
  if (options_.durability == Durability::none) {
    local_durable_.store(sequence, std::memory_order_release);
    durable_.store(sequence, std::memory_order_release);
  }
  // The follower writes the group itself (write_replicated) once it has taken every record that
  // arrived: waking the writer thread for it would cost a context switch per group.
  return Status::ok();
}

void Journal::set_following(bool following) {
  // Under the append lock: no local append is half made when the flag turns.
  std::lock_guard lock(append_mutex_);
  following_.store(following, std::memory_order_release);
  // A follower that stopped between appending and writing leaves records to the writer thread.
  if (!pending_.empty()) group_ready_.notify_one();
}

Status Journal::write_replicated() { return write_pending(replicated_group_); }

Status Journal::write_pending(std::string& group) {
  // One writer at a time: the writer thread, or a follower writing its own group.
  std::lock_guard writing(write_mutex_);
  std::uint64_t last_in_group = 0;
  {
    std::lock_guard lock(append_mutex_);
    group.clear();
    group.swap(pending_);
    last_in_group = last_sequence_.load(std::memory_order_relaxed);
  }
  if (group.empty()) return Status::ok();  // the other writer took it
  Status status = write_group(group, last_in_group);
  if (!status.is_ok()) fail(status);
  return status;
}

void Journal::run_writer() {
  std::string group;
  for (;;) {
    {
      std::unique_lock lock(append_mutex_);
      group_ready_.wait(lock, [this] { return !pending_.empty() || stopping_; });
      if (pending_.empty()) return;  // stopping, and everything is written
    }
    if (!write_pending(group).is_ok()) return;
  }
}

Status Journal::write_group(std::string& group, std::uint64_t last_in_group) {
  seal_records(group, options_.durability == Durability::sync);
  Status status = rotate_if_full(group);
  if (!status.is_ok()) return status;
  if (options_.durability == Durability::sync) {
    // One write and one sync per record: what group commit saves, made visible.
    std::size_t offset = 0;
    while (offset < group.size()) {
      RecordHeader header;
      std::memcpy(&header, group.data() + offset, sizeof(header));
      const std::size_t size = sizeof(header) + header.payload_bytes;
      status = write_in_place(group.data() + offset, size);
      if (status.is_ok()) {
        announce_written(header.sequence, std::string_view(group.data() + offset, size));
      }
      if (status.is_ok()) status = sync_data(fd_, segment_path_);
      if (!status.is_ok()) return status;
      publish(header.sequence);
      offset += size;
    }
  } else {
    status = write_in_place(group.data(), group.size());
    if (!status.is_ok()) return status;
    fault_point("journal.after_write");
    announce_written(last_in_group, group);
    if (options_.durability == Durability::group) {
      status = sync_data(fd_, segment_path_);
      if (!status.is_ok()) return status;
      fault_point("journal.after_sync");
    }
    publish(last_in_group);
  }
  return Status::ok();
}

void Journal::publish(std::uint64_t durable_through) {
  {
    std::lock_guard lock(waiters_mutex_);
    if (options_.durability != Durability::none) {
      local_durable_.store(durable_through, std::memory_order_release);
    }
  }
  notify(locally_durable_listeners_);
  commit();
}

void Journal::require_standby(bool required) {
  {
    std::lock_guard lock(waiters_mutex_);
    standby_required_.store(required, std::memory_order_release);
  }
  commit();
}

void Journal::standby_acknowledged(std::uint64_t sequence) {
  {
    std::lock_guard lock(waiters_mutex_);
    if (sequence <= standby_acked_.load(std::memory_order_relaxed)) return;
    standby_acked_.store(sequence, std::memory_order_release);
  }
  commit();
}

void Journal::commit() {
  std::vector<DurableCallback> ready;
  bool moved = false;
  {
    std::lock_guard lock(waiters_mutex_);
    if (options_.durability != Durability::none) {
      std::uint64_t allowed = local_durable_.load(std::memory_order_relaxed);
      if (standby_required_.load(std::memory_order_relaxed)) {
        allowed = std::min(allowed, standby_acked_.load(std::memory_order_relaxed));
      }
      // Never lowered: what was answered stays answered.
      if (allowed > durable_.load(std::memory_order_relaxed)) {
        durable_.store(allowed, std::memory_order_release);
        moved = true;
      }
    } else {
      moved = true;  // durable_ moves in append
    }
    const auto done = std::partition(waiters_.begin(), waiters_.end(), [&](const auto& waiter) {
      return waiter.first > durable_.load(std::memory_order_relaxed);
    });
    for (auto it = done; it != waiters_.end(); ++it) ready.push_back(std::move(it->second));
    waiters_.erase(done, waiters_.end());
  }
  // Also for wait_locally_durable, whose sequence may have moved alone.
  durable_changed_.notify_all();
  // A primary waiting for its standby syncs its own disk first: waking every I/O thread for a
  // commit sequence that did not move would cost each of them a context switch per group.
  if (moved) notify_listeners();
  for (DurableCallback& callback : ready) callback(true);
}

void Journal::subscribe_written(WrittenListener wake) {
  std::lock_guard lock(listeners_mutex_);
  written_listeners_.push_back(std::move(wake));
}

void Journal::subscribe_locally_durable(std::function<void()> wake) {
  std::lock_guard lock(listeners_mutex_);
  locally_durable_listeners_.push_back(std::move(wake));
}

void Journal::announce_written(std::uint64_t written_through, std::string_view group) {
  written_.store(written_through, std::memory_order_release);
  std::lock_guard lock(listeners_mutex_);
  for (const auto& wake : written_listeners_) wake(group);
}

void Journal::notify(const std::vector<std::function<void()>>& listeners) {
  std::lock_guard lock(listeners_mutex_);
  for (const auto& wake : listeners) wake();
}

void Journal::subscribe(std::function<void()> wake) {
  std::lock_guard lock(listeners_mutex_);
  listeners_.push_back(std::move(wake));
}

void Journal::notify_listeners() {
  // Pairs with the fence a waiter makes between saying it waits and reading durable_: either the
  // waiter sees the new durable_, or this call sees the waiter.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  notify(listeners_);
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
  notify(locally_durable_listeners_);
  for (auto& waiter : waiters) waiter.second(false);
  if (options_.on_failure) options_.on_failure(status);
  // Appends go on piling up in pending_ with nobody to write them; coupond exits in on_failure.
}

Status Journal::wait_locally_durable(std::uint64_t sequence) {
  std::unique_lock lock(waiters_mutex_);
  durable_changed_.wait(lock, [&] { return local_durable_sequence() >= sequence || failed(); });
  if (local_durable_sequence() >= sequence) return Status::ok();
  return failure_;
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
