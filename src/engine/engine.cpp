// Engine start-up, batches and sizes. The checkout operations are in checkout.cpp, loading in
// loading.cpp, revoke and describe in operators.cpp.
#include "coupond/engine.h"

#include <limits>
#include <mutex>
#include <system_error>

#include "codes/code_format.h"
#include "engine/engine_state.h"
#include "engine/hold_lapses.h"
#include "persist/record_apply.h"
#include "persist/recovery.h"
#include "persist/snapshot.h"
#include "journal/durable_file.h"
#include "rules/rules.h"
#include "rules/time_text.h"

namespace coupond {
namespace {

std::filesystem::path key_file_of(const EngineOptions& options) {
  return options.key_file.empty() ? options.data_dir / "keys" : options.key_file;
}

}  // namespace

Batch::Batch(BatchDefinition definition, std::uint32_t number, std::string folded_prefix)
    : number_(number),
      tag_chars_(definition.code.format == CodeFormat::compact
                     ? 0
                     : codes::tag_chars_for_bits(definition.code.tag_bits)),
      tag_bits_(definition.code.format == CodeFormat::compact ? compact_tag_bits : tag_chars_ * 5),
      printed_prefix_(definition.partition + definition.code.prefix),
      folded_prefix_(std::move(folded_prefix)) {
  EngineState::replace_definition(*this, std::move(definition));
}

BatchStats Batch::stats() const {
  BatchStats stats;
  stats.issued = issued_.load(std::memory_order_relaxed);
  stats.redeemed = redeemed_.load(std::memory_order_relaxed);
  stats.rolled_back = rolled_back_.load(std::memory_order_relaxed);
  stats.held = held_.load(std::memory_order_relaxed);
  stats.discount_in_force = campaign_.discount();
  stats.revoked = is_revoked() ? stats.issued : revoked_codes_.load(std::memory_order_relaxed);
  return stats;
}

Status Batch::check_code_room(std::uint64_t count) const {
  if (code_format() != CodeFormat::compact) return Status::ok();
  const std::uint64_t issued = issued_.load(std::memory_order_relaxed);
  if (issued > compact_batch_codes_max || count > compact_batch_codes_max - issued) {
    return Status::resource_exhausted("a compact batch holds at most " +
                                      std::to_string(compact_batch_codes_max) + " codes; batch " +
                                      id() + " has " + std::to_string(issued) +
                                      " and this load adds " + std::to_string(count));
  }
  return Status::ok();
}

void EngineState::count(store::SideTables& side, Batch& batch, Counter counter,
                        std::int64_t delta) {
  store::BatchCounts& counts = side.tallies[batch.number()].counts;
  const auto live_delta = static_cast<std::uint64_t>(delta);  // wraps: adding it subtracts
  switch (counter) {
    case Counter::issued:
      counts.issued += delta;
      batch.issued_.fetch_add(live_delta, std::memory_order_relaxed);
      break;
    case Counter::redeemed:
      counts.redeemed += delta;
      batch.redeemed_.fetch_add(live_delta, std::memory_order_relaxed);
      break;
    case Counter::rolled_back:
      counts.rolled_back += delta;
      batch.rolled_back_.fetch_add(live_delta, std::memory_order_relaxed);
      break;
    case Counter::revoked:
      counts.revoked += delta;
      batch.revoked_codes_.fetch_add(live_delta, std::memory_order_relaxed);
      break;
    case Counter::held:
      counts.held += delta;
      batch.held_.fetch_add(live_delta, std::memory_order_relaxed);
      break;
  }
}

Status EngineState::not_primary_status() {
  return Status::failed_precondition(
      "not_primary: this node follows a primary and changes nothing itself");
}

Status EngineState::wait_durable(std::uint64_t sequence) {
  if (!journal || sequence == 0) return Status::ok();
  return journal->wait_durable(sequence);
}

Engine::Engine(std::unique_ptr<EngineState> state) : state_(std::move(state)) {}
Engine::~Engine() { lapser_.reset(); }

Status Engine::open(const EngineOptions& options, std::unique_ptr<Engine>* out) {
  if (options.data_dir.empty()) return Status::invalid_argument("a data directory is required");
  if (options.shard_bits > shard_bits_max) {
    return Status::invalid_argument("shard_bits must be at most " + std::to_string(shard_bits_max));
  }
  Status status = journal::create_directories_durably(options.data_dir);
  if (!status.is_ok()) return status;
  auto state = std::make_unique<EngineState>();
  // Before the key file, the table, the snapshots or the journal are touched: a second process on
  // this directory must be refused having changed nothing.
  status = store::DataDirLock::acquire(options.data_dir, &state->data_dir_lock);
  if (!status.is_ok()) return status;
  state->options = options;
  state->clock = options.clock != nullptr ? options.clock : &state->system_clock;
  const std::filesystem::path key_file = key_file_of(options);
  std::error_code error;
  const bool new_key_file = !std::filesystem::exists(key_file, error);
  status = codes::Signer::open(key_file, /*create_if_missing=*/true, &state->signer);
  if (!status.is_ok()) return status;
  // Without its keys no code issued from here on would verify after a power cut.
  if (new_key_file) status = journal::sync_parent_directory(key_file);
  if (!status.is_ok()) return status;
  state->no_customer_hash = state->signer->customer_hash("");
  const auto started = std::chrono::steady_clock::now();
  status = recover(*state, options.truncate_corrupt_journal, &state->recovery);
  if (!status.is_ok()) return status;
  for (std::uint32_t i = 0; i < state->table->shard_count(); ++i) {
    state->table->shard(i).side.uses.limit_text_bytes(options.use_log_text_bytes_max);
  }
  journal::JournalOptions journal_options;
  journal_options.directory = options.data_dir / "journal";
  journal_options.durability = options.durability;
  journal_options.segment_bytes_max = options.journal_segment_bytes_max;
  journal_options.on_failure = options.on_journal_failure;
  // A standby goes on right after its journal's last record: records past it that a base copy's
  // shards already hold come again from the primary, and are applied only where they are new.
  const std::uint64_t next_sequence =
      (options.follow ? state->recovery.journal_last_sequence : state->recovery.last_sequence) + 1;
  status = journal::Journal::open(std::move(journal_options), next_sequence, &state->journal);
  if (!status.is_ok()) return status;
  if (options.follow) {
    state->following.store(true);
    state->journal->set_following(true);
  }
  state->recovery.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  auto engine = std::unique_ptr<Engine>(new Engine(std::move(state)));
  // Only now that the journal is open: a lapse made while recovering would go unrecorded.
  if (options.hold_lapse_interval.count() > 0) {
    engine->lapser_ = std::make_unique<HoldLapseThread>(*engine->state_, options.hold_lapse_interval);
  }
  *out = std::move(engine);
  return Status::ok();
}

void Engine::when_durable(std::uint64_t sequence, std::function<void(bool durable)> done) {
  if (sequence == 0 || !state_->journal) return done(true);
  state_->journal->when_durable(sequence, std::move(done));
}

std::uint64_t Engine::durable_sequence() const {
  if (!state_->journal) return std::numeric_limits<std::uint64_t>::max();
  return state_->journal->durable_sequence();
}

bool Engine::journal_failed() const { return state_->journal && state_->journal->failed(); }

void Engine::subscribe_durable(std::function<void()> wake) {
  if (state_->journal) state_->journal->subscribe(std::move(wake));
}

Status Engine::snapshot(SnapshotInfo* out) {
  const auto started = std::chrono::steady_clock::now();
  SnapshotWritten written;
  Status status = write_snapshot(*state_, &written);
  if (!status.is_ok()) return status;
  out->sequence = written.covered_sequence;
  out->bytes = written.bytes;
  out->path = written.path;
  out->duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return Status::ok();
}

const RecoveryReport& Engine::recovery() const { return state_->recovery; }

bool Engine::following() const { return state_->refuses_changes(); }

// A demotion is one step: from the moment the flag turns every local change is refused, and
// set_following(true) returns only once each change that passed its check before has been
// appended, so the journal's own flag never meets a local append. That rests on one rule, which
// every local change follows: it checks refuses_changes() while it holds the lock it keeps until
// its record is appended. That lock is the shard lock of each coupon it changes (checkouts and
// rollbacks, single or stacked, revoking a code, hold lapses, a snapshot's compaction) or the
// catalog lock (batches, generating, imports). A check made before taking that lock only answers
// sooner; the one under the lock decides. The demotion holds the catalog lock, turns the flag,
// then takes and lets go of every shard's lock in turn: each holder of a shard lock either had it
// before (and has appended by the time the lock is free) or takes it after, and then sees the
// flag. One shard at a time, so checkouts on the others go on, and the order is the engine's (the
// catalog lock, then a shard's; nothing takes the catalog lock while holding a shard's). The wait
// is for appends only: no change waits for its sync with a lock held.
Status Engine::set_following(bool following) {
  std::lock_guard catalog(state_->catalog_mutex);
  if (following) {
    state_->following.store(true, std::memory_order_release);
    store::CouponTable& table = *state_->table;
    for (std::uint32_t i = 0; i < table.shard_count(); ++i) {
      std::lock_guard passing(table.shard(i).mutex);
    }
    state_->journal->set_following(true);
    return Status::ok();
  }
  const std::uint64_t last = state_->journal->last_sequence();
  for (const std::uint64_t shard_sequence : state_->recovered_coverage.shard_sequences) {
    if (shard_sequence > last) {
      return Status::failed_precondition(
          "the state holds changes up to sequence " + std::to_string(shard_sequence) +
          " from a base copy but the journal only reaches " + std::to_string(last) +
          ": catch up with the primary first");
    }
  }
  // The journal first: a change that sees the engine take changes finds the journal taking them.
  state_->journal->set_following(false);
  state_->following.store(false, std::memory_order_release);
  return Status::ok();
}

Status Engine::apply_replicated(std::uint64_t sequence, std::uint8_t type,
                                std::string_view payload) {
  if (type == 0 || type > journal::record_type_max) {
    return Status::corruption("the primary sent a record of unknown type " + std::to_string(type));
  }
  // Under the catalog lock, as a snapshot copies: it sees a record appended and applied, or
  // neither, and its covered sequence is what its copy holds.
  std::lock_guard catalog(state_->catalog_mutex);
  const auto record_type = static_cast<journal::RecordType>(type);
  Status status = state_->journal->append_replicated(sequence, record_type, payload);
  if (!status.is_ok()) return status;
  return apply_record(*state_, state_->recovered_coverage,
                      journal::JournalRecord{sequence, record_type, payload});
}

Status Engine::write_replicated() { return state_->journal->write_replicated(); }

std::uint64_t Engine::last_sequence() const { return state_->journal->last_sequence(); }

std::uint64_t Engine::local_durable_sequence() const {
  return state_->journal->local_durable_sequence();
}

void Engine::subscribe_locally_durable(std::function<void()> wake) {
  state_->journal->subscribe_locally_durable(std::move(wake));
}

std::uint64_t Engine::written_sequence() const { return state_->journal->written_sequence(); }

void Engine::subscribe_written(std::function<void(std::string_view group)> wake) {
  state_->journal->subscribe_written(std::move(wake));
}

void Engine::require_standby(bool required) { state_->journal->require_standby(required); }

bool Engine::standby_required() const { return state_->journal->standby_required(); }

void Engine::standby_acknowledged(std::uint64_t sequence) {
  state_->journal->standby_acknowledged(sequence);
}

const std::filesystem::path& Engine::data_dir() const { return state_->options.data_dir; }

std::filesystem::path Engine::key_file() const { return key_file_of(state_->options); }

std::unique_lock<std::mutex> Engine::hold_snapshots() {
  return std::unique_lock<std::mutex>(state_->snapshot_mutex);
}

std::uint64_t Engine::lapse_due_holds() {
  Timestamp next_expiry;
  return lapse_all_due_holds(*state_, &next_expiry);
}

Status EngineState::add_batch(BatchDefinition definition, Batch** out) {
  Status status = check_batch_definition(definition);
  if (!status.is_ok()) return status;
  const std::string printed_prefix = definition.partition + definition.code.prefix;
  codes::NormalizedCode prefix;
  if (!printed_prefix.empty() && !codes::normalize_prefix(printed_prefix, &prefix)) {
    return Status::invalid_argument("code.prefix must be letters and digits");
  }
  std::string folded_prefix(printed_prefix.empty() ? std::string_view() : prefix.view());
  return batches.add(std::move(definition), std::move(folded_prefix), out);
}

void EngineState::restore_batch(Batch& batch, std::uint64_t next_serial, bool revoked,
                                const store::BatchCounts& counts) {
  batch.next_serial_.store(next_serial);
  batch.revoked_.store(revoked);
  batch.issued_.store(static_cast<std::uint64_t>(counts.issued));
  batch.redeemed_.store(static_cast<std::uint64_t>(counts.redeemed));
  batch.rolled_back_.store(static_cast<std::uint64_t>(counts.rolled_back));
  batch.revoked_codes_.store(static_cast<std::uint64_t>(counts.revoked));
  batch.held_.store(static_cast<std::uint64_t>(counts.held));
}

Status Engine::create_batch(BatchDefinition definition, const Batch** out) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  Batch* batch = nullptr;
  std::uint64_t sequence = 0;
  {
    std::lock_guard catalog(state_->catalog_mutex);
    if (state_->refuses_changes()) return EngineState::not_primary_status();
    Status status = state_->add_batch(std::move(definition), &batch);
    if (!status.is_ok()) return status;
    sequence = state_->journal_change(journal::RecordType::batch_created,
                                      records::BatchCreated{batch->number(), batch->definition()});
  }
  *out = batch;
  return state_->wait_durable(sequence);
}

const Batch* Engine::find_batch(std::string_view id) const { return state_->batches.by_id(id); }

std::vector<const Batch*> Engine::batches() const { return state_->batches.all(); }

std::uint64_t Engine::coupon_count() { return state_->table->count(); }

std::uint64_t Engine::table_bytes() { return state_->table->size_bytes(); }

std::uint64_t Engine::use_record_count() {
  std::uint64_t count = 0;
  for (std::uint32_t i = 0; i < state_->table->shard_count(); ++i) {
    store::CouponTable::Shard& shard = state_->table->shard(i);
    std::lock_guard lock(shard.mutex);
    count += shard.side.uses.size();
  }
  return count;
}

Timestamp Engine::now() const { return state_->clock->now(); }

std::string explain(const Outcome& outcome) {
  if (!outcome.request_error.empty()) return std::string(outcome.request_error);
  const Batch* batch = outcome.batch;
  if (batch != nullptr) {
    const BatchDefinition& definition = batch->definition();
    switch (outcome.reason) {
      case Reason::expired:
        return "coupon expired at " + format_rfc3339_utc(definition.valid_until);
      case Reason::not_yet_valid:
        return "coupon is valid from " + format_rfc3339_utc(definition.valid_from);
      case Reason::min_amount_not_met:
        if (definition.discount.type == DiscountType::threshold) {
          return "this coupon needs an order of at least " +
                 std::to_string(definition.discount.min_amount) + " (minor units)";
        }
        return "this coupon needs order.amount";
      case Reason::sold_out:
        return "this campaign has given all of its " + std::to_string(definition.max_uses_total) +
               " uses";
      case Reason::budget_exhausted:
        return "this discount would take the campaign past its budget of " +
               std::to_string(definition.budget_discount_max) + " (minor units)";
      case Reason::customer_limit_reached:
        return "this customer has already used " +
               std::to_string(definition.max_uses_per_customer) +
               " coupon(s) of this campaign, the limit";
      default:
        break;
    }
  }
  return std::string(reason_sentence(outcome.reason));
}

}  // namespace coupond
