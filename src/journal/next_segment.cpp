#include "journal/next_segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "journal/durable_file.h"
#include "journal/journal_format.h"

namespace coupond::journal {
namespace {

constexpr std::size_t zero_chunk_bytes = 1u << 20;
// The zeros are synced as they go, a few MiB at a time: the writer's next fdatasync then never
// waits behind the flush of a whole segment's zeros (at the 99th percentile of a durable record's
// latency, bench/journal_bench.cpp, this was the difference between ~150 us and several hundred).
constexpr std::uint64_t zero_sync_bytes = 4u << 20;

}  // namespace

NextSegment::NextSegment(std::filesystem::path directory, int directory_fd,
                         std::uint64_t segment_bytes)
    : directory_(std::move(directory)),
      directory_fd_(directory_fd),
      segment_bytes_(std::max<std::uint64_t>(segment_bytes, sizeof(SegmentHeader))) {}

NextSegment::~NextSegment() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wanted_changed_.notify_one();
  if (thread_.joinable()) thread_.join();
  if (ready_fd_ >= 0) ::close(ready_fd_);
}

std::filesystem::path NextSegment::prepared_path() const {
  return directory_ / prepared_segment_file_name;
}

// The file is written with zeros, not fallocate()d: fallocate leaves unwritten extents, and a
// write into one converts it, which commits metadata through the file system's journal at the
// group's fdatasync again. Measured on ext4 (bench/journal_bench.cpp, docs/storage.md): a write
// and fdatasync of a 16 KiB group costs as much into a fallocated region as at the end of a
// growing file, about a third more than into zeros written and synced beforehand; only single
// small records are as cheap there, since ext4 converts 32 KiB at a time.
Status NextSegment::prepare(int* fd) {
  const std::filesystem::path path = prepared_path();
  // O_TRUNC: whatever a crash or an earlier run left under this name was never a segment.
  *fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (*fd < 0) return errno_status("cannot create journal segment", path, errno);
  const std::vector<char> zeros(zero_chunk_bytes, 0);
  Status status;
  for (std::uint64_t offset = 0; status.is_ok() && offset < segment_bytes_;
       offset += zeros.size()) {
    if (stopping_.load(std::memory_order_acquire)) {
      status = Status::io_error("the journal stopped while " + path.string() + " was prepared");
      break;
    }
    const std::size_t size = static_cast<std::size_t>(
        std::min<std::uint64_t>(zeros.size(), segment_bytes_ - offset));
    status = write_zeros_at(*fd, zeros.data(), size, offset, path);
    if (status.is_ok() && (offset + size) % zero_sync_bytes == 0) status = sync_data(*fd, path);
  }
  if (status.is_ok()) status = sync_data(*fd, path);
  if (status.is_ok()) status = sync_open_directory(directory_fd_, directory_);
  if (!status.is_ok()) {
    // What was written of it goes back to the file system: on a full disk, the room the writer
    // still has in its segment's zeros is all there is, and that stays its own.
    ::unlink(path.c_str());
    ::close(*fd);
    *fd = -1;
  }
  return status;
}

Status NextSegment::prepare_now() {
  int fd = -1;
  Status status = prepare(&fd);
  if (!status.is_ok()) return status;
  std::lock_guard lock(mutex_);
  if (ready_fd_ >= 0) ::close(ready_fd_);
  ready_fd_ = fd;
  return Status::ok();
}

void NextSegment::start() {
  {
    std::lock_guard lock(mutex_);
    wanted_ = ready_fd_ < 0;
  }
  thread_ = std::thread([this] { run(); });
}

int NextSegment::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(ready_fd_, -1);
}

void NextSegment::ask_for_next() {
  {
    std::lock_guard lock(mutex_);
    wanted_ = true;
  }
  wanted_changed_.notify_one();
}

bool NextSegment::ready() const {
  std::lock_guard lock(mutex_);
  return ready_fd_ >= 0;
}

void NextSegment::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wanted_changed_.wait(lock, [this] {
        return stopping_.load(std::memory_order_acquire) || (wanted_ && ready_fd_ < 0);
      });
      if (stopping_.load(std::memory_order_acquire)) return;
      wanted_ = false;
    }
    // A failure is not the journal's: the writer goes on in its segment and asks again after its
    // next group. Only a failed write or sync of records stops the journal.
    int fd = -1;
    if (!prepare(&fd).is_ok()) continue;
    std::lock_guard lock(mutex_);
    ready_fd_ = fd;
  }
}

}  // namespace coupond::journal
