// The fields added to batch definitions after their first format, on disk: the campaign limits
// (schedule, cap, budget, stacking group) and the code format. They follow the definition's first
// fields as a count and then one tagged value each, so that a field added later is one more tag,
// and a definition without any costs four bytes. Journal records and snapshots written before
// them end where these would begin.
#pragma once

#include "coupond/batch.h"
#include "journal/byte_codec.h"

namespace coupond::records {

void write_tagged_fields(const BatchDefinition& definition, journal::ByteWriter& writer);
// Fails the reader on a tag it does not know: a limit this build cannot honour must stop the
// load, never be dropped.
void read_tagged_fields(journal::ByteReader& reader, BatchDefinition* out);

}  // namespace coupond::records
