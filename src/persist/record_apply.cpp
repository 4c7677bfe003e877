// Applies one journal record to the engine's state, as the change it records: the one place a
// record becomes state again, for recovery at start-up and for a standby applying the records its
// primary sends (replication), so that both read the journal alike.
#include "persist/record_apply.h"

#include <limits>
#include <mutex>

#include "engine/checkout_steps.h"
#include "journal/load_file.h"
#include "persist/journal_records.h"
#include "persist/shard_compaction.h"

namespace coupond {
namespace {

using journal::JournalRecord;
using journal::RecordType;

Status undecodable(const JournalRecord& record) {
  return Status::corruption("a record of type " + std::to_string(static_cast<int>(record.type)) +
                            " does not decode");
}

// Applies one journal record. A record about one coupon is applied to its shard only when it is
// later than the shard's snapshot copy; a record about the catalog (batches, loads) only when it
// is later than the snapshot's catalog, since loads never overlap a snapshot's copying.
class Replayer {
 public:
  Replayer(EngineState& state, const SnapshotCoverage& snapshot) : state_(state), snapshot_(snapshot) {}

  Status apply(const JournalRecord& record) {
    switch (record.type) {
      case RecordType::batch_created:
        return catalog_change(record) ? create_batch(record) : Status::ok();
      case RecordType::codes_generated:
        return catalog_change(record) ? load_generated(record) : Status::ok();
      case RecordType::codes_generated_for_customers:
      case RecordType::codes_imported:
        return catalog_change(record) ? load_codes(record, record.payload) : Status::ok();
      case RecordType::codes_imported_from_file:
        return catalog_change(record) ? load_codes_from_file(record) : Status::ok();
      case RecordType::batch_revoked:
        return catalog_change(record) ? revoke_batch(record) : Status::ok();
      case RecordType::batch_updated:
        return catalog_change(record) ? update_batch(record) : Status::ok();
      case RecordType::use_taken:
        return take_use(record);
      case RecordType::hold_confirmed:
      case RecordType::use_given_back:
      case RecordType::hold_lapsed:
        return change_use(record);
      case RecordType::code_revoked:
        return revoke_code(record);
      case RecordType::uses_compacted:
        return compact_uses(record);
      case RecordType::changes_together:
        return apply_together(record);
    }
    return Status::corruption("unknown record type " + std::to_string(static_cast<int>(record.type)));
  }

 private:
  bool catalog_change(const JournalRecord& record) const {
    return record.sequence > snapshot_.covered_sequence;
  }
  bool shard_change(const JournalRecord& record, std::uint32_t shard) const {
    return snapshot_.shard_sequences.empty() || record.sequence > snapshot_.shard_sequences[shard];
  }

  Status create_batch(const JournalRecord& record) {
    records::BatchCreated created;
    if (!records::decode(record.payload, &created)) return undecodable(record);
    Batch* batch = nullptr;
    Status status = state_.add_batch(std::move(created.definition), &batch);
    if (!status.is_ok()) return status;
    if (batch->number() != created.number) {
      return Status::corruption("batch " + batch->id() + " was numbered " +
                                std::to_string(created.number) + " but replays as " +
                                std::to_string(batch->number()));
    }
    return Status::ok();
  }

  Batch* batch(std::uint32_t number, Status* status) {
    Batch* found = state_.batches.by_number(number);
    if (found == nullptr) *status = Status::corruption("no batch " + std::to_string(number));
    return found;
  }

  // The definition replaces the batch's at its place in the journal: the uses before it were
  // decided under the old one and keep what they were given.
  Status update_batch(const JournalRecord& record) {
    records::BatchCreated updated;
    if (!records::decode(record.payload, &updated)) return undecodable(record);
    Status status;
    Batch* target = batch(updated.number, &status);
    if (target == nullptr) return status;
    if (updated.definition.id != target->id()) {
      return Status::corruption("an update of batch " + target->id() + " names batch " +
                                updated.definition.id);
    }
    EngineState::replace_definition(*target, std::move(updated.definition));
    return Status::ok();
  }

  Status load_generated(const JournalRecord& record) {
    records::CodesGenerated generated;
    if (!records::decode(record.payload, &generated)) return undecodable(record);
    Status status;
    Batch* target = batch(generated.batch_number, &status);
    if (target == nullptr) return status;
    status = state_.table->reserve(generated.count);
    if (!status.is_ok()) return status;
    return state_.load_generated(*target, generated.first_serial, generated.count);
  }

  // payload: the record's own, or that of the file it names.
  Status load_codes(const JournalRecord& record, std::string_view payload) {
    records::CodesLoaded loaded;
    if (!records::decode(payload, &loaded)) return undecodable(record);
    Status status;
    Batch* target = batch(loaded.batch_number, &status);
    if (target == nullptr) return status;
    status = state_.table->reserve(loaded.codes.size());
    if (!status.is_ok()) return status;
    std::uint64_t inserted = 0;
    return state_.load_codes(*target, loaded.codes, &inserted);
  }

  // The file is read only for a record the snapshot does not cover: a covered one's file may
  // already be gone, removed once the snapshot was written.
  Status load_codes_from_file(const JournalRecord& record) {
    records::CodesImportedFromFile imported;
    if (!records::decode(record.payload, &imported)) return undecodable(record);
    std::string payload;
    Status status = journal::read_load_file(state_.imports_directory(), imported.file,
                                            record.sequence, &payload);
    if (!status.is_ok()) return status;
    return load_codes(record, payload);
  }

  Status revoke_batch(const JournalRecord& record) {
    records::BatchRevoked revoked;
    if (!records::decode(record.payload, &revoked)) return undecodable(record);
    Status status;
    Batch* target = batch(revoked.batch_number, &status);
    if (target == nullptr) return status;
    EngineState::mark_revoked(*target);
    return Status::ok();
  }

  // Runs change on the coupon's steps, as of at, under its shard's lock; skipped when the shard's
  // snapshot copy already holds the record. Nothing is decided here from times: a lapse is
  // applied where its record stands, and the shard's "now" only follows the recorded times.
  template <typename Change>
  Status with_coupon(const JournalRecord& record, const store::CouponKey& key, Timestamp at,
                     Change change) {
    const std::uint64_t hash = store::hash_key(key);
    const std::uint32_t shard_index = static_cast<std::uint32_t>(hash & (state_.table->shard_count() - 1));
    if (!shard_change(record, shard_index)) return Status::ok();
    store::CouponTable::Shard& shard = state_.table->shard(shard_index);
    std::lock_guard lock(shard.mutex);
    store::Slot* slot = shard.slots.find(key, hash);
    if (slot == nullptr) return Status::corruption("the record names a coupon that is not loaded");
    Status status;
    Batch* owner = batch(slot->batch_number(), &status);
    if (owner == nullptr) return status;
    shard.now_from(at);
    CouponSteps steps{state_, shard, *slot, *owner, key, at};
    return change(steps, *slot, *owner);
  }

  Status take_use(const JournalRecord& record) {
    records::UseTaken taken;
    if (!records::decode(record.payload, &taken)) return undecodable(record);
    const store::UseRecord& use = taken.use;
    return with_coupon(record, use.coupon, use.at, [&](CouponSteps& steps, store::Slot& slot, Batch& owner) {
      if (slot.uses_left == 0) lapse_unrecorded_holds(steps, slot, use.at);
      if (slot.uses_left == 0) return Status::corruption("a use is taken of a coupon with none left");
      if (counts_toward_customer_limit(owner, use)) {
        state_.customer_usage->try_take(owner.number(), use.customer_hash,
                                        std::numeric_limits<std::uint32_t>::max());
      }
      if (steps.add_use(use, taken.order_id, taken.channel, taken.store, taken.api_key_name) == 0) {
        return Status::corruption("a use taken does not fit its shard's use log");
      }
      std::uint64_t next = state_.next_redemption_id.load();
      while (next <= use.redemption_id &&
             !state_.next_redemption_id.compare_exchange_weak(next, use.redemption_id + 1)) {
      }
      return Status::ok();
    });
  }

  Status change_use(const JournalRecord& record) {
    records::UseChanged changed;
    if (!records::decode(record.payload, &changed)) return undecodable(record);
    return with_coupon(record, changed.key, changed.at, [&](CouponSteps& steps, store::Slot&, Batch&) {
      if (changed.use > steps.use_count()) return Status::corruption("the record names a use that does not exist");
      if (steps.use(changed.use).coupon != changed.key) {
        return Status::corruption("the record names a use of another coupon");
      }
      const bool held = steps.use(changed.use).state == store::UseState::held;
      switch (record.type) {
        case RecordType::hold_confirmed:
          if (!held) return Status::corruption("a hold is confirmed that is not held");
          steps.confirm_hold(changed.use);
          break;
        case RecordType::hold_lapsed:
          if (!held) return Status::corruption("a hold lapses that is not held");
          steps.lapse_hold(changed.use);
          break;
        default:
          steps.give_back(changed.use);
          break;
      }
      return Status::ok();
    });
  }

  Status compact_uses(const JournalRecord& record) {
    records::UsesCompacted compacted;
    if (!records::decode(record.payload, &compacted)) return undecodable(record);
    if (compacted.shard_count != state_.table->shard_count()) {
      return Status::corruption("a compaction of a table of " +
                                std::to_string(compacted.shard_count) +
                                " shards is replayed into one of " +
                                std::to_string(state_.table->shard_count()));
    }
    if (!shard_change(record, compacted.shard_index)) return Status::ok();
    store::CouponTable::Shard& shard = state_.table->shard(compacted.shard_index);
    std::lock_guard lock(shard.mutex);
    return replay_compaction(state_, compacted, shard);
  }

  // A journal written before lapses were recorded (hold_lapsed) left them implied by the uses
  // taken after them: a use taken of a coupon with none left finds them here, the holds that had
  // expired by the use's time. A journal that records its lapses never gets here, since every
  // lapse a use depended on was appended before it.
  static void lapse_unrecorded_holds(CouponSteps& steps, const store::Slot& slot, Timestamp at) {
    for (store::UseNumber number = slot.latest_use; number != 0;) {
      const store::UseRecord& use = steps.use(number);
      const store::UseNumber previous = use.previous_use;
      if (use.state == store::UseState::held && use.hold_expires_at <= at) steps.lapse_hold(number);
      number = previous;
    }
  }

  // Each change at the record's own sequence: a shard's snapshot copy holds all of a stack's
  // changes to it or none, since the stack held every one of its shards' locks while appending.
  Status apply_together(const JournalRecord& record) {
    records::ChangesTogether together;
    if (!records::decode(record.payload, &together)) return undecodable(record);
    for (const auto& [type, payload] : together.changes) {
      if (type != RecordType::use_taken && type != RecordType::hold_confirmed &&
          type != RecordType::use_given_back) {
        return Status::corruption("a record of changes made together holds one of type " +
                                  std::to_string(static_cast<int>(type)));
      }
      JournalRecord change = record;
      change.type = type;
      change.payload = payload;
      Status status = apply(change);
      if (!status.is_ok()) return status;
    }
    return Status::ok();
  }

  Status revoke_code(const JournalRecord& record) {
    records::CodeRevoked revoked;
    if (!records::decode(record.payload, &revoked)) return undecodable(record);
    return with_coupon(record, revoked.key, Timestamp{},
                       [](CouponSteps& steps, store::Slot&, Batch&) {
                         steps.revoke();
                         return Status::ok();
                       });
  }

  EngineState& state_;
  const SnapshotCoverage& snapshot_;
};

}  // namespace

Status apply_record(EngineState& state, const SnapshotCoverage& snapshot,
                    const journal::JournalRecord& record) {
  return Replayer(state, snapshot).apply(record);
}

}  // namespace coupond
