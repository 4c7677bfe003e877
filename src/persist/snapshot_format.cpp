#include "persist/snapshot_format.h"

#include <cstdio>

namespace coupond::snapshot_format {

std::string file_name(std::uint64_t covered_sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020llu.snap",
                static_cast<unsigned long long>(covered_sequence));
  return name;
}

bool parse_file_name(const std::string& name, std::uint64_t* covered_sequence) {
  if (name.size() != 25 || !name.ends_with(".snap")) return false;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  *covered_sequence = value;
  return true;
}

}  // namespace coupond::snapshot_format
