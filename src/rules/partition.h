// Partitions: a cluster serves each batch from one partition, and every code of a partitioned
// batch begins with its partition's name, so that a router finds a code's partition from the
// request alone (docs/routing.md). These are the rules a name keeps so that this stays
// unambiguous, and the test of whether a code as typed belongs to a partition.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace coupond::rules {

// The characters a partition's name is made of: the Crockford base32 alphabet, upper case. None
// of them is changed by the folding of a typed code (O to 0, I and L to 1), so a name reads one
// way only.
inline constexpr std::string_view partition_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Checks a partition's name as an operator gives it (--partition, a batch's "partition"): 1 to
// partition_name_length_max characters of partition_alphabet, in either case. Returns an empty
// string and the name in upper case in *canonical, or the sentence saying what is wrong,
// beginning with what names it (what, such as "--partition" or "partition").
std::string check_partition_name(std::string_view what, std::string_view name,
                                 std::string* canonical);

// Whether a code as typed begins with partition (a canonical name), read the way a signed code
// is: case aside, dashes and spaces skipped, O read as 0 and I and L as 1. An empty partition
// holds every code.
bool code_in_partition(std::string_view typed_code, std::string_view partition);

// The names of a router's map must be prefix-free, or a code would begin with two of them.
// Returns the first clash ("partition P1 is the beginning of partition P12"), or empty.
std::string partition_names_clash(std::span<const std::string> names);

}  // namespace coupond::rules
