#include "rules/partition.h"

#include "coupond/limits.h"

namespace coupond::rules {
namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// A typed character as a signed code's normalization reads it (src/codes/code_format.cpp).
char folded(char c) {
  c = upper(c);
  if (c == 'O') return '0';
  if (c == 'I' || c == 'L') return '1';
  return c;
}

}  // namespace

std::string check_partition_name(std::string_view what, std::string_view name,
                                 std::string* canonical) {
  canonical->clear();
  bool fits = !name.empty() && name.size() <= partition_name_length_max;
  for (std::size_t i = 0; fits && i < name.size(); ++i) {
    const char c = upper(name[i]);
    fits = partition_alphabet.find(c) != std::string_view::npos;
    canonical->push_back(c);
  }
  if (fits) return {};
  canonical->clear();
  return std::string(what) + " \"" + std::string(name.substr(0, 64)) +
         "\" is no partition name: 1 to " + std::to_string(partition_name_length_max) +
         " letters and digits of Crockford base32 (0-9 and A-Z without I, L, O and U), such as P1";
}

bool code_in_partition(std::string_view typed_code, std::string_view partition) {
  std::size_t matched = 0;
  for (const char c : typed_code) {
    if (matched == partition.size()) break;
    if (c == '-' || c == ' ') continue;
    if (folded(c) != partition[matched]) return false;
    ++matched;
  }
  return matched == partition.size();
}

std::string partition_names_clash(std::span<const std::string> names) {
  for (const std::string& shorter : names) {
    for (const std::string& longer : names) {
      if (&shorter == &longer || !longer.starts_with(shorter)) continue;
      if (shorter == longer) return "partition " + shorter + " is named twice";
      return "partition " + shorter + " is the beginning of partition " + longer + ": a code of " +
             longer + " would begin with both";
    }
  }
  return {};
}

}  // namespace coupond::rules
