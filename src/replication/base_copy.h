// A standby's data directory replaced by its primary's snapshot (a base copy): what the standby
// held is moved aside, never deleted, into DATA_DIR/diverged-<UTC time>/, and the snapshot is
// installed as the directory's only state. The process then starts again on it (see
// Follower), and catches up from the snapshot's sequence.
#pragma once

#include <cstdint>
#include <filesystem>

#include "coupond/status.h"

namespace coupond::replication {

// Where a base copy's snapshot is received before it is installed.
std::filesystem::path base_copy_partial_path(const std::filesystem::path& data_dir);

// Moves journal/, snapshots/, imports/ and table/ into a new DATA_DIR/diverged-<time>/ (named in
// *moved_to), then installs the received snapshot as snapshots/<covered>.snap; every directory
// changed is synced.
Status install_base_copy(const std::filesystem::path& data_dir, std::uint64_t covered_sequence,
                         std::filesystem::path* moved_to);

}  // namespace coupond::replication
