// Reading the journal back at start-up: every record after the snapshot's sequence, in order,
// each verified, with the rules that tell a torn write from corruption.
//
// - A record that does not verify at the very end of the last segment, with nothing valid after
//   it, is a torn write (the crash came while it was being written, so it was never acknowledged):
//   the file is truncated there and the fact logged.
// - A record that does not verify in the last segment's last group, followed only by valid
//   records of that same group (journal_format.h marks groups), is a torn group write: the crash
//   came while the group's pages were reaching the disk, later ones before earlier ones, and the
//   group's sync never completed, so none of it was acknowledged. It is cut there and logged too.
// - A record that does not verify with any other valid record after it (a record of a later group,
//   or any record in a later segment) is corruption: recovery refuses, naming the file and the
//   byte offset, because skipping it would resurrect whatever it recorded (a redeemed coupon would
//   be redeemable again). truncate_corrupt forces the torn-write treatment there anyway, dropping
//   everything after it, and says so loudly.
// - A record whose checksum holds but whose sequence is not the next one, or whose type this build
//   does not know, is never a torn write (the journal only appends, in sequence): it is refused
//   wherever it stands, even at the very end.
// - Sequences must rise by one from the snapshot's on; a gap is corruption too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/status.h"
#include "journal/journal_format.h"

namespace coupond::journal {

struct JournalRecord {
  std::uint64_t sequence = 0;
  RecordType type{};
  std::string_view payload;  // valid during the apply call only
};

struct ReplayOptions {
  std::filesystem::path directory;
  // Records up to this sequence are covered by the snapshot: verified where read, not applied.
  std::uint64_t after_sequence = 0;
  bool truncate_corrupt = false;
};

struct ReplayReport {
  std::uint64_t last_sequence = 0;  // the last valid record, or after_sequence when none is later
  std::uint64_t records_applied = 0;
  std::uint64_t segments_read = 0;
  // One sentence per repair made (a torn tail dropped, corruption truncated): for the log.
  std::vector<std::string> repairs;
};

// Calls apply for every record after options.after_sequence, in sequence order. An error from
// apply stops the replay and is returned.
Status replay_journal(const ReplayOptions& options,
                      const std::function<Status(const JournalRecord&)>& apply,
                      ReplayReport* report);

}  // namespace coupond::journal
