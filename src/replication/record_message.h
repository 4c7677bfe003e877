// The standby's check of a record message before anything of it is appended: the body is a whole
// journal record, the header's payload length is the payload's, and the checksum verifies. One
// function, so that the follower and the replication stream's fuzz target check the same way.
#pragma once

#include <string_view>

#include "coupond/status.h"
#include "journal/journal_format.h"

namespace coupond::replication {

// On success *header holds the record's header and *payload views its payload inside body.
Status check_record_message(std::string_view body, journal::RecordHeader* header,
                            std::string_view* payload);

}  // namespace coupond::replication
