// Applying one journal record to the engine's state as the change it records: recovery replays
// each record after the snapshot through it, and a standby applies each record its primary sends
// through it too (src/replication), so that a promoted standby holds what a restart would have
// rebuilt. Private to the engine and persist modules.
#pragma once

#include "coupond/status.h"
#include "engine/engine_state.h"
#include "journal/journal_reader.h"

namespace coupond {

// Applies record unless the snapshot covers it (EngineState::recovered_coverage). The caller is recovery (alone with the state) or
// holds the catalog lock, so that no snapshot copies the state half way through a record.
Status apply_record(EngineState& state, const SnapshotCoverage& snapshot,
                    const journal::JournalRecord& record);

}  // namespace coupond
