// Writing the engine's state to a snapshot file and reading the newest one back at start-up
// (format: snapshot_format.h). Private to the engine and persist modules.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "coupond/status.h"
#include "engine/engine_state.h"

namespace coupond {

struct SnapshotWritten {
  std::uint64_t covered_sequence = 0;
  std::uint64_t bytes = 0;
  std::filesystem::path path;
};

// Copies the catalog and then each shard in turn under its own lock, so checkouts go on while it
// runs; writes to a temporary file, syncs it once the journal holds every change it copied,
// renames it into place and syncs the directory. Then removes snapshots beyond the kept ones and
// the journal segments that no kept snapshot needs.
Status write_snapshot(EngineState& state, SnapshotWritten* out);

struct SnapshotLoaded {
  std::uint64_t covered_sequence = 0;       // 0: no snapshot was loaded
  std::vector<std::uint64_t> shard_sequences;  // per shard, when one was
  std::filesystem::path path;
  std::uint64_t coupons = 0;
};

// Creates state.table from the newest snapshot that verifies, and the catalog and side tables with
// it; with no snapshot, an empty table of options.shard_bits. A snapshot that does not verify is
// passed over for an older one, and said in notes.
Status restore_newest_snapshot(EngineState& state, SnapshotLoaded* out,
                               std::vector<std::string>* notes);

// The snapshot files in directory, newest first: (covered sequence, path).
std::vector<std::pair<std::uint64_t, std::filesystem::path>> list_snapshots(
    const std::filesystem::path& directory);

}  // namespace coupond
