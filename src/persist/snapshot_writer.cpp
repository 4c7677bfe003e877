// Writing a snapshot (format: snapshot_format.h).
#include <fcntl.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "persist/snapshot.h"
#include "persist/shard_compaction.h"
#include "persist/snapshot_format.h"
#include "journal/durable_file.h"
#include "journal/load_file.h"
#include "journal/fault_point.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using journal::ByteWriter;

// The snapshot file being written: appends what it is given and hashes it on the way.
class SnapshotFile {
 public:
  explicit SnapshotFile(fs::path path) : path_(std::move(path)) { XXH3_64bits_reset(&hash_); }
  ~SnapshotFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  SnapshotFile(const SnapshotFile&) = delete;
  SnapshotFile& operator=(const SnapshotFile&) = delete;

  Status open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) return journal::errno_status("cannot create snapshot", path_, errno);
    const snapshot_format::Header placeholder{};
    return journal::write_all(fd_, &placeholder, sizeof(placeholder), path_);
  }
  Status append(std::string_view bytes) {
    XXH3_64bits_update(&hash_, bytes.data(), bytes.size());
    body_bytes_ += bytes.size();
    Status status = journal::write_all(fd_, bytes.data(), bytes.size(), path_);
    if (status.is_ok()) pace_writeback();
    return status;
  }
  // Writes the header over the placeholder and syncs the file.
  Status finish(snapshot_format::Header header) {
    header.body_bytes = body_bytes_;
    header.body_checksum = XXH3_64bits_digest(&hash_);
    header.header_checksum = XXH3_64bits(&header, offsetof(snapshot_format::Header, header_checksum));
    if (::pwrite(fd_, &header, sizeof(header), 0) != static_cast<ssize_t>(sizeof(header))) {
      return journal::errno_status("cannot write snapshot header", path_, errno);
    }
    return journal::sync_data(fd_, path_);
  }
  std::uint64_t bytes() const { return body_bytes_ + sizeof(snapshot_format::Header); }

 private:
  // Half a gigabyte of dirty pages left for the kernel to write at its leisure would sit in
  // front of the journal's fdatasync and stall every redemption waiting for it. So the file goes
  // to disk as it is written: each chunk's writeback starts once the chunk is complete, and the
  // writer waits for the chunk before it, keeping at most two chunks dirty. (Pacing only: an I/O
  // error here shows again in the fdatasync that finishes the file.)
  static constexpr std::uint64_t writeback_chunk_bytes = 1u << 20;
  void pace_writeback() {
    const std::uint64_t written = bytes();
    while (written - started_through_ >= writeback_chunk_bytes) {
      const auto begin = static_cast<off64_t>(started_through_);
      ::sync_file_range(fd_, begin, writeback_chunk_bytes, SYNC_FILE_RANGE_WRITE);
      if (started_through_ >= writeback_chunk_bytes) {
        ::sync_file_range(fd_, begin - static_cast<off64_t>(writeback_chunk_bytes),
                          writeback_chunk_bytes,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
      }
      started_through_ += writeback_chunk_bytes;
    }
  }
  std::uint64_t started_through_ = 0;  // writeback has been started for bytes below this

  fs::path path_;
  int fd_ = -1;
  XXH3_state_t hash_;
  std::uint64_t body_bytes_ = 0;
};

void write_catalog(const EngineState& state, std::string* out) {
  ByteWriter writer(out);
  writer.integer(static_cast<std::uint8_t>(state.has_imported_codes.load()));
  const std::vector<const Batch*> batches = state.batches.all();
  writer.integer(static_cast<std::uint32_t>(batches.size()));
  for (const Batch* batch : batches) {
    writer.integer(batch->number());
    records::write_definition(batch->definition(), writer);
    writer.integer(batch->next_serial());
    writer.integer(static_cast<std::uint8_t>(batch->is_revoked()));
  }
}

template <typename Map>
void write_counts_by_text(const Map& map, ByteWriter& writer) {
  writer.integer(static_cast<std::uint32_t>(map.size()));
  for (const auto& [text, count] : map) {
    writer.text(text);
    writer.integer(count);
  }
}

// Low 64 bits, then the high 64 as a signed integer.
void write_money_sum(store::MoneySum sum, ByteWriter& writer) {
  writer.integer(static_cast<std::uint64_t>(sum));
  writer.integer(static_cast<std::int64_t>(sum >> 64));
}

void write_tallies(const store::SideTables& side, ByteWriter& writer) {
  writer.integer(static_cast<std::uint32_t>(side.tallies.size()));
  for (const auto& [batch_number, tally] : side.tallies) {
    writer.integer(batch_number);
    const store::BatchCounts& counts = tally.counts;
    for (std::int64_t count :
         {counts.issued, counts.redeemed, counts.rolled_back, counts.revoked, counts.held}) {
      writer.integer(count);
    }
    write_money_sum(tally.discount_total, writer);
    write_money_sum(tally.order_amount_total, writer);
    write_counts_by_text(tally.by_channel, writer);
    write_counts_by_text(tally.by_segment, writer);
    writer.integer(static_cast<std::uint32_t>(tally.by_hour.size()));
    for (const auto& [hour, count] : tally.by_hour) {
      writer.integer(hour);
      writer.integer(count);
    }
  }
}

// One shard as it is now; the caller holds its lock.
void copy_shard(const store::CouponTable::Shard& shard, std::uint64_t shard_sequence,
                std::string* out) {
  ByteWriter writer(out);
  writer.integer(shard_sequence);
  writer.integer(shard.slots.capacity());
  writer.integer(shard.slots.count());
  writer.raw(shard.slots.slots(), shard.slots.capacity() * sizeof(store::Slot));
  const store::UseLog& uses = shard.side.uses;
  writer.integer(static_cast<std::uint64_t>(uses.size()));
  writer.raw(uses.records().data(), uses.size() * sizeof(store::UseRecord));
  writer.integer(static_cast<std::uint64_t>(uses.all_text().size()));
  writer.raw(uses.all_text().data(), uses.all_text().size());
  writer.integer(static_cast<std::uint64_t>(uses.order_index().size()));
  for (const auto& [order_key, use] : uses.order_index()) {
    writer.integer(order_key);
    writer.integer(use);
  }
  writer.integer(static_cast<std::uint64_t>(shard.side.bindings.size()));
  for (const auto& [key, binding] : shard.side.bindings) {
    writer.integer(key.high);
    writer.integer(key.low);
    writer.text(binding.customer);
    writer.text(binding.segment);
  }
  write_tallies(shard.side, writer);
}

// Copies everything into file: the catalog, then each shard under its own lock. *max_sequence
// receives the latest shard sequence: the journal must hold it before the snapshot counts.
Status copy_state(EngineState& state, SnapshotFile& file, snapshot_format::Header* header,
                  std::uint64_t* max_sequence) {
  std::string section;
  std::lock_guard catalog(state.catalog_mutex);
  header->covered_sequence = state.journal_tail();
  *max_sequence = header->covered_sequence;
  write_catalog(state, &section);
  Status status = file.append(section);
  store::CouponTable& table = *state.table;
  for (std::uint32_t i = 0; i < table.shard_count() && status.is_ok(); ++i) {
    section.clear();
    store::CouponTable::Shard& shard = table.shard(i);
    {
      std::lock_guard lock(shard.mutex);
      // The copy holds the uses in force, not every use given back since the last snapshot.
      compact_shard(state, i, shard);
      const std::uint64_t shard_sequence = state.journal_tail();
      *max_sequence = std::max(*max_sequence, shard_sequence);
      copy_shard(shard, shard_sequence, &section);
      header->coupons += shard.slots.count();
      header->uses += shard.side.uses.size();
    }
    status = file.append(section);
  }
  return status;
}

// Keeps the newest snapshots_kept snapshots and the journal (with the files of imports beside it)
// from the oldest of them on.
void remove_old_snapshots(EngineState& state, const fs::path& directory) {
  const auto snapshots = list_snapshots(directory);
  for (std::size_t i = snapshot_format::snapshots_kept; i < snapshots.size(); ++i) {
    std::error_code ignored;
    fs::remove(snapshots[i].second, ignored);
  }
  if (state.journal && !snapshots.empty()) {
    const std::size_t oldest_kept = std::min(snapshots.size(), snapshot_format::snapshots_kept) - 1;
    state.journal->remove_segments_through(snapshots[oldest_kept].first);
    journal::remove_load_files_through(state.imports_directory(), snapshots[oldest_kept].first);
  }
}

}  // namespace

std::vector<std::pair<std::uint64_t, fs::path>> list_snapshots(const fs::path& directory) {
  std::vector<std::pair<std::uint64_t, fs::path>> snapshots;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    std::uint64_t sequence = 0;
    if (snapshot_format::parse_file_name(entry.path().filename().string(), &sequence)) {
      snapshots.emplace_back(sequence, entry.path());
    }
  }
  std::sort(snapshots.begin(), snapshots.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  return snapshots;
}

Status write_snapshot(EngineState& state, SnapshotWritten* out) {
  std::lock_guard one_at_a_time(state.snapshot_mutex);
  const fs::path directory = state.options.data_dir / "snapshots";
  std::error_code error;
  Status status = journal::create_directories_durably(directory);
  if (!status.is_ok()) return status;
  const fs::path temporary = directory / "snapshot.tmp";
  snapshot_format::Header header;
  header.shard_count = state.table->shard_count();
  std::uint64_t max_sequence = 0;
  {
    SnapshotFile file(temporary);
    status = file.open();
    if (status.is_ok()) status = copy_state(state, file, &header, &max_sequence);
    // A snapshot may hold changes whose records are still on their way to the disk: it counts
    // only once they are there, or a crash could keep a change the journal never had.
    // The local disk is enough: a synchronous standby's acknowledgement is for answers.
    if (status.is_ok() && state.journal && max_sequence > 0) {
      status = state.journal->wait_locally_durable(max_sequence);
    }
    if (status.is_ok()) status = file.finish(header);
    out->bytes = file.bytes();
  }
  if (!status.is_ok()) {
    fs::remove(temporary, error);
    return status;
  }
  journal::fault_point("snapshot.before_rename");
  const fs::path path = directory / snapshot_format::file_name(header.covered_sequence);
  fs::rename(temporary, path, error);
  if (error) return Status::io_error("cannot rename " + temporary.string() + ": " + error.message());
  journal::fault_point("snapshot.after_rename");
  status = journal::sync_directory(directory);
  if (!status.is_ok()) return status;
  out->covered_sequence = header.covered_sequence;
  out->path = path;
  remove_old_snapshots(state, directory);
  return Status::ok();
}

}  // namespace coupond
