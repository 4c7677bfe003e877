// Memory for a connection's one outstanding read or write operation, kept by the connection:
// Asio allocates each asynchronous operation's state through the handler's associated allocator,
// and its own per-thread cache holds only a couple of blocks, so a thread that starts fifty
// writes at once (the answers of one journal group) would otherwise allocate most of them. The
// pattern is Asio's own "allocation" example. Private to src/http.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>

namespace coupond::http {

class HandlerMemory {
 public:
  HandlerMemory() = default;
  HandlerMemory(const HandlerMemory&) = delete;
  HandlerMemory& operator=(const HandlerMemory&) = delete;

  void* allocate(std::size_t size) {
    if (!in_use_ && size <= sizeof(storage_)) {
      in_use_ = true;
      return &storage_;
    }
    return ::operator new(size);  // a second operation at once, or a larger one
  }
  void deallocate(void* pointer) {
    if (pointer == &storage_) {
      in_use_ = false;
    } else {
      ::operator delete(pointer);
    }
  }

 private:
  // Enough for a composed write of one buffer with its handler and a read's state.
  std::aligned_storage_t<512> storage_;
  bool in_use_ = false;
};

// The allocator Asio takes from asio::bind_allocator(HandlerAllocator<void>(memory), handler).
template <typename T>
class HandlerAllocator {
 public:
  using value_type = T;
  explicit HandlerAllocator(HandlerMemory& memory) : memory_(&memory) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U>& other) noexcept : memory_(other.memory_) {}
  T* allocate(std::size_t count) const {
    return static_cast<T*>(memory_->allocate(sizeof(T) * count));
  }
  void deallocate(T* pointer, std::size_t) const { memory_->deallocate(pointer); }
  bool operator==(const HandlerAllocator& other) const noexcept {
    return memory_ == other.memory_;
  }

 private:
  template <typename>
  friend class HandlerAllocator;
  HandlerMemory* memory_;
};

}  // namespace coupond::http
