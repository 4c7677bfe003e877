// Bytes read from a socket or a file, kept until taken. Unlike std::string, making room costs no
// zero-fill: the replication stream reads each group into room it is about to overwrite, and
// clearing 64 KiB to 256 KiB per group was a measurable part of a synchronous standby's cost.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

namespace coupond::replication {

class ByteBuffer {
 public:
  const char* data() const { return bytes_.get() + begin_; }
  std::size_t size() const { return end_ - begin_; }
  void clear() { begin_ = end_ = 0; }

  // At least bytes of room after the last byte held, uninitialized; grown() says how many of
  // them were filled.
  char* room(std::size_t bytes) {
    if (capacity_ - end_ < bytes) {
      const std::size_t held = size();
      if (capacity_ < held + bytes) {
        const std::size_t capacity = std::max(held + bytes, capacity_ * 2);
        std::unique_ptr<char[]> bigger(new char[capacity]);
        if (held > 0) std::memcpy(bigger.get(), data(), held);
        bytes_ = std::move(bigger);
        capacity_ = capacity;
      } else if (held > 0) {
        std::memmove(bytes_.get(), data(), held);
      }
      begin_ = 0;
      end_ = held;
    }
    return bytes_.get() + end_;
  }
  void grown(std::size_t bytes) { end_ += bytes; }
  // The first bytes are taken: they are no longer held.
  void take(std::size_t bytes) {
    begin_ += bytes;
    if (begin_ == end_) clear();
  }
  std::size_t room_left() const { return capacity_ - end_; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // bytes before it were taken
  std::size_t end_ = 0;
};

}  // namespace coupond::replication
