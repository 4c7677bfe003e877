// The engine's parts, shared by the files that implement Engine's operations (checkout,
// loading, operators). Private to src/engine.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "codes/signer.h"
#include "coupond/engine.h"
#include "engine/batch_registry.h"
#include "engine/channel_names.h"
#include "persist/journal_records.h"
#include "journal/journal.h"
#include "store/coupon_key.h"
#include "store/coupon_table.h"
#include "store/customer_usage.h"
#include "store/data_dir_lock.h"

namespace coupond {

// A code resolved to its table key, before any table lookup.
struct ResolvedCode {
  store::CouponKey key;
  std::uint64_t hash = 0;       // store::hash_key(key)
  const Batch* batch = nullptr; // signed codes: the batch the header names
  CodeText canonical;
};

// A resolved code's shard, locked for the life of this object, and its slot (null when the coupon
// is not loaded). Every decision about one coupon is made while one of these lives.
class LockedSlot {
 public:
  LockedSlot(store::CouponTable& table, const ResolvedCode& code)
      : shard_(table.shard_for(code.hash)),
        lock_(shard_.mutex),
        slot_(shard_.slots.find(code.key, code.hash)) {}

  store::CouponTable::Shard& shard() { return shard_; }
  store::Slot* slot() { return slot_; }
  // The time to decide by, read under the lock: never below the last the shard used.
  Timestamp now(const Clock& clock) { return shard_.now_from(clock.now()); }
  // Lets the shard go early (before waiting for the journal); shard() and slot() are off limits
  // from then on.
  void unlock() { lock_.unlock(); }

 private:
  store::CouponTable::Shard& shard_;
  std::unique_lock<std::mutex> lock_;
  store::Slot* slot_;
};

// What the snapshot the state was built from already holds: records up to covered_sequence for
// the catalog, and per shard up to its own sequence (empty: no snapshot). A record is applied to
// a part of the state only when it is later.
struct SnapshotCoverage {
  std::uint64_t covered_sequence = 0;
  std::vector<std::uint64_t> shard_sequences;
};

struct EngineState {
  // First, so that it is released last: the data directory stays this engine's until the journal
  // has written its last group and the table is unmapped.
  std::unique_ptr<store::DataDirLock> data_dir_lock;
  EngineOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::unique_ptr<codes::Signer> signer;
  std::unique_ptr<store::CouponTable> table;
  std::unique_ptr<store::CustomerUsage> customer_usage;
  BatchRegistry batches;
  // Set once any batch holds imported codes: until then a code that is not a valid signed code is
  // invalid without computing its lookup hash.
  std::atomic<bool> has_imported_codes{false};
  std::atomic<std::uint64_t> next_redemption_id{1};
  // signer->customer_hash(""): the taker of a use whose request named no customer.
  std::uint64_t no_customer_hash = 0;
  // The channels each batch's stats count by name.
  ChannelNames channel_names;

  RecoveryReport recovery;
  // The snapshot recovery started from: records a standby receives are applied against it too,
  // since after a base copy the primary sends the records from its covered sequence on.
  SnapshotCoverage recovered_coverage;
  // Set while this engine follows a primary (replication): every local change is refused, and
  // nothing is journaled here but the primary's records (no hold lapses, no compaction).
  std::atomic<bool> following{false};
  // Null while the engine recovers: a change replayed from the journal is not journaled again.
  std::unique_ptr<journal::Journal> journal;
  // Held by every change that is not about one coupon (creating or revoking a batch, loading
  // codes) and by a snapshot while it copies the shards, so that a snapshot never sees half of a
  // load: a load's record and all of its coupons are either before the snapshot or after it.
  std::mutex catalog_mutex;
  // One snapshot at a time.
  std::mutex snapshot_mutex;
  // Where large imports keep their codes beside the journal (journal/load_file.h).
  std::filesystem::path imports_directory() const { return options.data_dir / "imports"; }

  // Appends a change to the journal and returns its sequence (0 while recovering; also 0, with
  // nothing appended, for a payload past the journal's record limit, which callers prevent).
  template <typename Record>
  std::uint64_t journal_change(journal::RecordType type, const Record& record);
  // What an answer that read the state (a refusal, a replay) must wait for before it leaves:
  // every change appended so far, since it may have seen any of them.
  std::uint64_t journal_tail() const { return journal ? journal->last_sequence() : 0; }
  // Blocks until sequence is durable (operators' calls, which are rare and may wait).
  Status wait_durable(std::uint64_t sequence);
  // The refusal of a local change while following. It decides only when read under the lock the
  // change holds until its record is appended (the rule at Engine::set_following).
  bool refuses_changes() const { return following.load(std::memory_order_acquire); }
  static Status not_primary_status();

  // Checks a definition and registers it under the next batch number (no journal).
  Status add_batch(BatchDefinition definition, Batch** out);
  // A batch's state as a snapshot saved it: counts are the sums of its shards' tallies.
  static void restore_batch(Batch& batch, std::uint64_t next_serial, bool revoked,
                            const store::BatchCounts& counts);

  static void mark_revoked(Batch& batch) { batch.revoked_.store(true); }
  // A use in force found in a loaded snapshot: counted in its batch's cap and budget figures.
  static void count_use_in_force(Batch& batch, Money discount) { batch.campaign_.add(discount); }
  // Makes definition the batch's current one (creation, update_batch, replay). The caller holds
  // the catalog lock or is alone (construction, recovery); readers are never locked out.
  static void replace_definition(Batch& batch, BatchDefinition definition);

  // Loading, shared by the operators' calls and by replay. Each inserts what is not loaded yet
  // and counts it as issued; a load's coupons may already be there when replay repeats a load
  // that a snapshot holds part of. The caller has made room first (table->reserve), so that no
  // insert fails part way.
  Status insert_coupon(const store::Slot& slot, const store::Binding* binding, bool* inserted);
  Status load_codes(Batch& batch, std::span<const records::BoundCode> codes,
                    std::uint64_t* inserted_count);
  Status load_generated(Batch& batch, std::uint64_t first, std::uint64_t count);
  // The batch's next serial is past serial.
  static void raise_next_serial(Batch& batch, std::uint32_t serial);

  // Counts a change of one batch's figures in a shard, both in the shard's tally (which snapshots
  // keep) and in the batch's live totals. The caller holds the shard's lock.
  enum class Counter { issued, redeemed, rolled_back, revoked, held };
  static void count(store::SideTables& side, Batch& batch, Counter counter, std::int64_t delta);

  // Decodes and verifies a code's text: ok, or invalid_code. Touches no table.
  Reason resolve(std::string_view text, ResolvedCode* out) const;
  // Writes the canonical text of a signed coupon.
  void format_signed_code(const Batch& batch, std::uint32_t key_id, std::uint32_t serial,
                          CodeText* out) const;
};

// Whether a use took one of its customer's allowance, so that giving it back returns it: only in
// batches that limit uses per customer (update_batch never moves max_uses_per_customer to or from
// 0, so this is as true now as when the use was taken).
inline bool counts_toward_customer_limit(const Batch& batch, const store::UseRecord& use) {
  return batch.definition().max_uses_per_customer > 0 && use.customer_hash != 0;
}

template <typename Record>
std::uint64_t EngineState::journal_change(journal::RecordType type, const Record& record) {
  if (!journal) return 0;
  // One buffer per thread: encoding a change allocates nothing once it has grown.
  thread_local std::string payload;
  payload.clear();
  records::encode(record, &payload);
  return journal->append(type, payload);
}

}  // namespace coupond
