#include "journal/journal_format.h"

// Inlined, as in store/coupon_key.h: the streaming state must be a complete type on the stack.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstddef>
#include <cstdio>

namespace coupond::journal {

std::string segment_file_name(std::uint64_t first_sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.log", static_cast<unsigned long long>(first_sequence));
  return name;
}

std::uint64_t parse_segment_file_name(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".log")) return 0;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  return value;
}

std::uint64_t segment_header_checksum(const SegmentHeader& header) {
  return XXH3_64bits(&header, offsetof(SegmentHeader, checksum));
}

std::uint64_t record_checksum(const RecordHeader& header, const void* payload) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  const auto* bytes = reinterpret_cast<const std::byte*>(&header);
  XXH3_64bits_update(&state, bytes + sizeof(header.checksum),
                     sizeof(RecordHeader) - sizeof(header.checksum));
  XXH3_64bits_update(&state, payload, header.payload_bytes);
  return XXH3_64bits_digest(&state);
}

}  // namespace coupond::journal
