#include "replication/live_tail.h"

#include <algorithm>
#include <cstring>

#include "journal/journal_format.h"

namespace coupond::replication {

using journal::RecordHeader;

bool LiveStream::go_live(std::uint64_t next, const Engine& engine) {
  std::lock_guard lock(mutex_);
  // Read under the lock: the journal stores its written sequence before it offers the group,
  // under this lock. So a group written after this look is offered to a live stream, and one
  // written before it is seen here and is the sender's to read.
  if (engine.written_sequence() >= next) return false;
  live_ = true;
  next_ = next;
  return true;
}

LiveStream::Handback LiveStream::take() {
  std::lock_guard lock(mutex_);
  Handback handback;
  handback.live = live_;
  handback.next = next_;
  if (!live_) handback.unsent.swap(unsent_);
  return handback;
}

void LiveStream::wait_while_live(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  handed_back_.wait_for(lock, timeout, [&] { return !live_; });
}

void LiveStream::end() {
  std::lock_guard lock(mutex_);
  hand_back();
}

void LiveStream::hand_back() {
  live_ = false;
  handed_back_.notify_all();
}

void LiveStream::offer(std::string_view group) {
  std::lock_guard lock(mutex_);
  if (!live_ || group.size() < sizeof(RecordHeader)) return;
  framed_.clear();
  std::uint64_t first = 0, last = 0;
  for (std::size_t offset = 0; offset + sizeof(RecordHeader) <= group.size();) {
    RecordHeader header;
    std::memcpy(&header, group.data() + offset, sizeof(header));
    if (first == 0) first = header.sequence;
    last = header.sequence;
    // An import's file goes before its record: the sender's work.
    if (header.type == static_cast<std::uint8_t>(journal::RecordType::codes_imported_from_file)) {
      hand_back();
      return;
    }
    const std::size_t size = sizeof(header) + header.payload_bytes;
    append_message(&framed_, MessageType::record, group.substr(offset, size));
    offset += size;
  }
  if (first != next_) {
    hand_back();
    return;
  }
  std::size_t sent = 0;
  const Status status = connection_.send_without_blocking(framed_, &sent);
  if (status.is_ok() && sent == framed_.size()) {
    next_ = last + 1;
    return;
  }
  // Refused (the connection is gone: the sender finds out) or sent in part: the rest of a message
  // begun on the wire goes first, then the sender reads on from the next record.
  if (sent > 0) {
    unsent_.assign(framed_, sent);
    next_ = last + 1;
  }
  hand_back();
}

std::shared_ptr<LiveTail> LiveTail::subscribe(Engine& engine) {
  auto tail = std::make_shared<LiveTail>();
  engine.subscribe_written([tail](std::string_view group) { tail->written(group); });
  return tail;
}

void LiveTail::add(const std::shared_ptr<LiveStream>& stream) {
  std::lock_guard lock(streams_mutex_);
  streams_.push_back(stream);
}

void LiveTail::remove(const LiveStream* stream) {
  std::lock_guard lock(streams_mutex_);
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [&](const auto& held) { return held.get() == stream; }),
                 streams_.end());
}

void LiveTail::written(std::string_view group) {
  {
    std::lock_guard lock(streams_mutex_);
    for (const auto& stream : streams_) stream->offer(group);
  }
  notify();
}

std::uint64_t LiveTail::generation() {
  std::lock_guard lock(mutex_);
  return generation_;
}

void LiveTail::wait_past(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
}

void LiveTail::notify() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

}  // namespace coupond::replication
