// Little-endian integers and length-prefixed text in a byte buffer: the payloads of journal
// records and the sections of a snapshot. A ByteReader never reads past its end: a short or
// damaged payload makes it fail (ok() turns false and every later read yields zeros), so a
// decoder checks once at the end instead of after every field.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace coupond::journal {

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(*out) {}

  template <typename Integer>
    requires std::is_integral_v<Integer>
  void integer(Integer value) {
    const char* bytes = reinterpret_cast<const char*>(&value);
    out_.append(bytes, sizeof(value));
  }
  // Up to 4 GiB of text, prefixed by its length.
  void text(std::string_view value) {
    integer(static_cast<std::uint32_t>(value.size()));
    out_.append(value);
  }
  void raw(const void* data, std::size_t size) { out_.append(static_cast<const char*>(data), size); }

 private:
  std::string& out_;
};

class ByteReader {
 public:
  ByteReader(const void* data, std::size_t size)
      : data_(static_cast<const char*>(data)), size_(size) {}
  explicit ByteReader(std::string_view bytes) : ByteReader(bytes.data(), bytes.size()) {}

  template <typename Integer>
    requires std::is_integral_v<Integer>
  Integer integer() {
    Integer value{};
    if (!take(sizeof(value))) return value;
    std::memcpy(&value, data_ + position_ - sizeof(value), sizeof(value));
    return value;
  }
  // A view into the buffer: valid while the buffer is.
  std::string_view text() {
    const auto size = integer<std::uint32_t>();
    if (!take(size)) return {};
    return {data_ + position_ - size, size};
  }
  // A view of the next size bytes, or null when fewer are left.
  const char* raw(std::size_t size) {
    if (!take(size)) return nullptr;
    return data_ + position_ - size;
  }

  bool ok() const { return ok_; }
  // Marks the payload damaged from here on: for a value read whole that cannot be (a field out of
  // its range), which the checksum cannot tell from a real one.
  void fail() { ok_ = false; }
  bool at_end() const { return position_ == size_; }
  std::size_t remaining() const { return size_ - position_; }

 private:
  bool take(std::size_t size) {
    if (!ok_ || size > size_ - position_) {
      ok_ = false;
      return false;
    }
    position_ += size;
    return true;
  }

  const char* data_;
  std::size_t size_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace coupond::journal
