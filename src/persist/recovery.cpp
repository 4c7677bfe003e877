#include "persist/recovery.h"

#include <mutex>

#include "persist/record_apply.h"
#include "persist/snapshot.h"
#include "journal/journal_reader.h"
#include "journal/load_file.h"

namespace coupond {
namespace {

using journal::JournalRecord;
using journal::RecordType;

// A refusal, with the snapshots passed over on the way (they often explain it).
Status with_notes(const Status& status, const std::vector<std::string>& notes) {
  if (notes.empty()) return status;
  std::string message = status.message();
  for (const std::string& note : notes) message += " [" + note + "]";
  return Status::corruption(std::move(message));
}

}  // namespace

Status recover(EngineState& state, bool truncate_corrupt, RecoveryReport* report) {
  SnapshotLoaded snapshot;
  Status status = restore_newest_snapshot(state, &snapshot, &report->notes);
  if (!status.is_ok()) return status;
  report->snapshot = snapshot.path;
  report->snapshot_sequence = snapshot.covered_sequence;
  report->snapshot_coupons = snapshot.coupons;

  state.recovered_coverage = SnapshotCoverage{snapshot.covered_sequence, snapshot.shard_sequences};
  journal::ReplayReport replayed;
  const journal::ReplayOptions options{state.options.data_dir / "journal",
                                       snapshot.covered_sequence, truncate_corrupt};
  status = journal::replay_journal(
      options, [&](const JournalRecord& record) { return apply_record(state, state.recovered_coverage, record); }, &replayed);
  if (!status.is_ok()) return with_notes(status, report->notes);
  report->records_replayed = replayed.records_applied;
  report->last_sequence = replayed.last_sequence;
  report->journal_last_sequence = replayed.last_sequence;
  for (const std::uint64_t sequence : snapshot.shard_sequences) {
    report->last_sequence = std::max(report->last_sequence, sequence);
  }
  for (std::string& repair : replayed.repairs) report->notes.push_back(std::move(repair));
  // A snapshot is written only once the journal holds all it covers, so whatever verifies must
  // reach at least the newest snapshot's sequence. Less means that snapshot was passed over and
  // the journal it would have spared is gone: starting would silently lose acknowledged changes.
  const auto snapshots = list_snapshots(state.options.data_dir / "snapshots");
  if (!snapshots.empty() && report->last_sequence < snapshots.front().first) {
    return with_notes(
        Status::corruption("snapshot " + snapshots.front().second.string() +
                           " covers the journal up to sequence " +
                           std::to_string(snapshots.front().first) +
                           ", but what verifies reaches only " +
                           std::to_string(report->last_sequence) +
                           ". Refusing to start: restore the data directory from a backup"),
        report->notes);
  }
  // Only once everything replayed: an import's file that no durable record names (a crash came
  // before its record was appended or synced) would otherwise lie there for ever, or under the
  // name of a sequence the journal is about to give again.
  const std::size_t unused = journal::remove_unused_load_files(state.imports_directory(),
                                                               report->last_sequence);
  if (unused > 0) {
    report->notes.push_back("removed " + std::to_string(unused) +
                            " file(s) of imports no journal record names");
  }
  return Status::ok();
}

}  // namespace coupond
