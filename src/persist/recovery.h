// Start-up: the newest snapshot that verifies, then every journal record after it, applied as the
// change it records. Private to the engine and persist modules.
#pragma once

#include "coupond/engine.h"
#include "engine/engine_state.h"

namespace coupond {

// Builds state's table, catalog and side tables from the data directory; state.journal must be
// null (replayed changes are not journaled again). report says what was found and done.
Status recover(EngineState& state, bool truncate_corrupt, RecoveryReport* report);

}  // namespace coupond
