// The coupon engine: every batch and coupon, the checkout operations (validate, redeem, reserve,
// rollback) and the operators' (create batches, generate and import codes, revoke).
//
// An Engine is safe for concurrent use by many threads without external synchronization.
// Redeem and reserve are linearizable per coupon: whatever the concurrency, a coupon never gives
// more uses than max_uses_per_code, nor a customer more than max_uses_per_customer. Checkout
// calls never throw and validate allocates nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/batch.h"
#include "coupond/campaign_counter.h"
#include "coupond/clock.h"
#include "coupond/durability.h"
#include "coupond/limits.h"
#include "coupond/order.h"
#include "coupond/outcome.h"
#include "coupond/status.h"

namespace coupond {

struct EngineOptions {
  // Holds the journal (data_dir/journal), the snapshots (data_dir/snapshots) and the working
  // table (data_dir/table, rebuilt from them at every start).
  std::filesystem::path data_dir;
  // The HMAC key file; empty means data_dir/keys, created with mode 0600 on first start.
  std::filesystem::path key_file;
  // 2^shard_bits shards. More shards mean shorter rehashes and rarer lock meetings; each costs
  // one file and a few hundred bytes.
  std::uint32_t shard_bits = shard_bits_default;
  // Null: the system clock. Tests pass a ManualClock; it must outlive the engine.
  const Clock* clock = nullptr;

  Durability durability = Durability::group;
  // Journal segments are deleted once a snapshot covers them; this is the size at which one is
  // closed and the next begun.
  std::uint64_t journal_segment_bytes_max = 64u << 20;
  // Start even when the journal is corrupt, dropping the damaged record and all after it. Loses
  // acknowledged changes: for an operator who has decided to, never by default.
  bool truncate_corrupt_journal = false;
  // How often, at the longest, the engine's own thread lapses the holds whose expiry passed (it
  // also wakes at the next expiry). 0: no thread; tests with a ManualClock call lapse_due_holds.
  std::chrono::milliseconds hold_lapse_interval{hold_lapse_interval_ms_default};
  // Called once, from the journal's thread, when a journal write or sync fails. From then on
  // nothing more becomes durable; coupond exits here.
  std::function<void(const Status&)> on_journal_failure;
  // The text (order ids, channels, stores, key names) one shard's use log may hold: 4 GiB, what
  // its 32-bit offsets reach. A use past it is refused (storage_full). Tests lower it.
  std::uint64_t use_log_text_bytes_max = (std::uint64_t{1} << 32) - 1;
  // Open as a standby's engine (replication): every local change is refused (not_primary) until
  // set_following(false), and the journal takes only the primary's records (apply_replicated).
  bool follow = false;
};

// What start-up found and did, for the log.
struct RecoveryReport {
  std::filesystem::path snapshot;  // empty: no snapshot, the journal was read from its start
  std::uint64_t snapshot_sequence = 0;
  std::uint64_t snapshot_coupons = 0;
  std::uint64_t records_replayed = 0;
  std::uint64_t last_sequence = 0;  // the journal goes on after it
  // The journal's own last record (or the snapshot's covered sequence): below last_sequence only
  // when a snapshot's shard copies hold later changes, as right after a standby's base copy.
  std::uint64_t journal_last_sequence = 0;
  std::vector<std::string> notes;   // repairs made and snapshots passed over
  std::chrono::milliseconds duration{0};
};

struct SnapshotInfo {
  std::uint64_t sequence = 0;  // the journal sequence it covers
  std::uint64_t bytes = 0;
  std::chrono::milliseconds duration{0};
  std::filesystem::path path;
};

struct BatchStats {
  std::uint64_t issued = 0;       // codes generated or imported
  std::uint64_t redeemed = 0;     // redemptions in force (rollbacks subtracted)
  std::uint64_t rolled_back = 0;  // rollbacks of redemptions
  std::uint64_t revoked = 0;      // coupons revoked
  std::uint64_t held = 0;         // uses held by pending payments now
  Money discount_in_force = 0;    // the discounts of the redemptions and holds in force
};

// A batch as the engine keeps it: the definition and its live state. update_batch replaces the
// definition as a whole; a reader gets one whole definition, the current one, and may keep the
// reference for the engine's life (a replaced definition is kept, never changed).
class Batch {
 public:
  Batch(BatchDefinition definition, std::uint32_t number, std::string folded_prefix);

  const BatchDefinition& definition() const {
    return *definition_.load(std::memory_order_acquire);
  }
  // Never changes: id, discount, code and max_uses_per_code are the same in every definition.
  const std::string& id() const { return definition().id; }
  std::uint32_t number() const { return number_; }
  CodeFormat code_format() const { return definition().code.format; }
  // Standard codes: the tag's length in characters; 0 for compact ones (a fixed 41-bit tag).
  std::uint32_t tag_chars() const { return tag_chars_; }
  std::uint32_t tag_bits() const { return tag_bits_; }
  // What signed codes print before their body: the partition's name, then code.prefix as written
  // (docs/codes.md). Neither changes in a batch's life.
  const std::string& printed_prefix() const { return printed_prefix_; }
  // The printed prefix after the Crockford folding of signed codes (O->0, I/L->1), upper case:
  // what a typed code's prefix is compared with.
  const std::string& folded_prefix() const { return folded_prefix_; }
  bool is_revoked() const { return revoked_.load(std::memory_order_acquire); }
  // The serial the next generated code of this batch will get.
  std::uint64_t next_serial() const { return next_serial_.load(std::memory_order_relaxed); }
  BatchStats stats() const;
  // The uses in force and their discounts, as the batch's cap and budget see them.
  const CampaignCounter& campaign() const { return campaign_; }
  // resource_exhausted when count more codes would take a compact batch past
  // compact_batch_codes_max (generated and imported together); ok for a standard batch. Loads
  // check it under the catalog lock; the admin API checks it first too, before answering a
  // generate that streams.
  Status check_code_room(std::uint64_t count) const;

 private:
  // The engine's internals keep the live counters; nothing else writes them.
  friend class Engine;
  friend class CouponSteps;
  friend struct EngineState;

  // Every definition the batch has had, the current one last; appended to under the engine's
  // catalog lock only, and read through definition_.
  std::vector<std::unique_ptr<const BatchDefinition>> definitions_;
  std::atomic<const BatchDefinition*> definition_;
  std::uint32_t number_;
  std::uint32_t tag_chars_;
  std::uint32_t tag_bits_;
  std::string printed_prefix_;
  std::string folded_prefix_;
  std::atomic<bool> revoked_{false};
  std::atomic<std::uint64_t> next_serial_{0};
  std::atomic<std::uint64_t> issued_{0};
  std::atomic<std::uint64_t> redeemed_{0};
  std::atomic<std::uint64_t> rolled_back_{0};
  std::atomic<std::uint64_t> revoked_codes_{0};
  std::atomic<std::uint64_t> held_{0};
  CampaignCounter campaign_;
};

// A batch's campaign figures, as the admin stats show them: counts plus what the redemptions in
// force were worth and where and when they happened.
struct BatchReport {
  BatchStats counts;
  // Summed exactly; a total past the largest Money (2^63 - 1) is given as that, never wrapped.
  Money discount_total = 0;
  Money order_amount_total = 0;
  std::map<std::string, std::int64_t> by_channel;  // "" when the order gave no channel
  std::map<std::string, std::int64_t> by_segment;  // "" for coupons without a segment
  std::map<Timestamp, std::int64_t> by_hour;       // start of each UTC hour
};

struct CustomerCode {
  std::string_view customer;
  std::string_view segment;
};

struct ImportLine {
  std::string_view code;
  std::string_view customer;  // empty: not bound
  std::string_view segment;
};

struct ImportResult {
  struct Rejected {
    std::uint64_t line = 0;  // 1-based, as given to import_codes
    std::string reason;
  };
  std::uint64_t imported = 0;
  std::uint64_t duplicates = 0;  // already loaded, or repeated in the same import
  std::vector<Rejected> rejected;
};

struct RedemptionView {
  std::string order_id;
  std::uint64_t redemption_id = 0;
  std::string_view state;  // "held", "redeemed", "rolled_back", "lapsed"
  Timestamp at{};
  Timestamp hold_expires_at{};
  std::string channel;
  std::string store;
  std::optional<Money> amount;  // the order amount, when given
  Money discount_amount = 0;
  std::string api_key_name;  // the data-plane key that took the use, or empty
};

struct CouponDescription {
  std::string code;
  const Batch* batch = nullptr;
  std::string_view state;  // "active", "redeemed", "revoked", "expired"
  std::uint32_t uses = 0;  // redeemed uses in force
  std::uint32_t held = 0;  // uses held by pending payments
  std::uint32_t max_uses = 0;
  std::uint32_t uses_left = 0;
  std::string customer;  // bound customer, or empty
  std::string segment;
  std::vector<RedemptionView> redemptions;
};

// One use of a coupon, as a batch's redemptions export lists it.
struct RedemptionRow {
  // The code's canonical text; for a signed code, as the key that signs codes now writes it (a
  // code printed before a key rotation shows another key id). Empty for an imported code, of
  // which only a keyed hash is kept.
  CodeText code;
  std::string order_id;
  Timestamp at{};
  std::string customer;  // the coupon's bound customer, or empty (a use keeps only a keyed hash)
  std::string channel;
  std::string store;
  std::optional<Money> amount;
  Money discount = 0;
  std::string_view state;  // "held", "redeemed", "rolled_back", "lapsed"
};

// A customer-bound coupon with uses left, for a reminder before it expires.
struct UnusedBoundCode {
  std::string customer;
  CodeText code;  // as RedemptionRow's
};

struct EngineState;
class HoldLapseThread;

class Engine {
 public:
  // Recovers the state the data directory holds (newest snapshot, then the journal after it) and
  // starts the journal. corruption names the file and offset when the journal cannot be trusted.
  static Status open(const EngineOptions& options, std::unique_ptr<Engine>* out);
  // Stops the journal after writing what was appended. (coupond writes a snapshot first.)
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- batches
  // Checks the definition (check_batch_definition) and that the id is new.
  Status create_batch(BatchDefinition definition, const Batch** out);
  // Replaces the definition of batch batch_id (a PATCH, merged by the caller) and journals it.
  // The new definition passes check_batch_definition; its id, discount, code and
  // max_uses_per_code must equal the current ones, and max_uses_per_customer stays 0 or stays
  // above 0 (coupons already issued and uses already taken were counted by them). invalid_argument
  // naming the field, not_found, or failed_precondition for a revoked batch. Uses already taken
  // keep their discount.
  Status update_batch(std::string_view batch_id, BatchDefinition definition, const Batch** out);
  const Batch* find_batch(std::string_view id) const;
  std::vector<const Batch*> batches() const;

  // ---- loading codes
  // Signs count new codes for the batch and hands each canonical code to sink, in serial order.
  using CodeSink = std::function<void(std::string_view code)>;
  Status generate(std::string_view batch_id, std::uint64_t count, const CodeSink& sink);
  // One code bound to each customer (birthday and loyalty gifts).
  using CustomerCodeSink = std::function<void(std::string_view customer, std::string_view code)>;
  Status generate_for_customers(std::string_view batch_id, std::span<const CustomerCode> customers,
                                const CustomerCodeSink& sink);
  // Makes room for count more coupons now, so that a load made in parts (a generate answered
  // chunk by chunk) grows each shard once instead of at every part.
  Status reserve_coupons(std::uint64_t count);
  // Loads codes made elsewhere. A bad line is reported and never stops the good ones; the good
  // ones are loaded together or, on an I/O error, not at all.
  Status import_codes(std::string_view batch_id, std::span<const ImportLine> lines,
                      ImportResult* out);

  // ---- checkout
  Outcome validate(const CouponRequest& request);
  // Takes one use for request.order_id. The same order again answers the same result with
  // replayed set and takes nothing; an order holding a use (reserve) confirms it.
  Outcome redeem(const CouponRequest& request);
  // Holds one use for request.order_id until now + ttl, then gives it back by itself unless
  // redeem confirms it or rollback releases it first.
  Outcome reserve(const CouponRequest& request, std::chrono::seconds ttl);
  // Gives back the use order_id took (redeemed or held). With api_key_name (the caller's data-plane
  // key), a use recorded under another key is not given back (forbidden); a use recorded with no
  // key, taken before keys were in use, may be given back by any.
  RollbackOutcome rollback(std::string_view code, std::string_view order_id,
                           std::string_view api_key_name = {});
  // ---- several codes on one order (a stack), all or nothing
  // 1 to codes_per_order_max distinct codes; request.code is not read. Each code is checked as
  // alone, and then together: coupons of one stacking group, or an exclusive coupon (a batch
  // without a group) with any other, are not_stackable. Each discount is computed on the order as
  // sent, in the codes' order, and capped at what the ones before it left of order.amount. The
  // codes' shards are locked in ascending order, so stacks never deadlock, and one journal record
  // holds all the uses: a restart finds all of a stack or none of it.
  StackOutcome validate_stack(const CouponRequest& request, std::span<const std::string_view> codes);
  // Takes one use of every code for request.order_id, or none. The same order again answers the
  // same result (replayed); an order holding all of them (reserve_stack) confirms them.
  StackOutcome redeem_stack(const CouponRequest& request, std::span<const std::string_view> codes);
  StackOutcome reserve_stack(const CouponRequest& request, std::span<const std::string_view> codes,
                             std::chrono::seconds ttl);
  // Gives back the use order_id took of each code, all in one journal record; nothing when one of
  // the codes is not real or its use was taken with another API key (that code is named).
  StackRollbackOutcome rollback_stack(std::span<const std::string_view> codes,
                                      std::string_view order_id, std::string_view api_key_name = {});

  // Lapses every hold whose expiry has passed, in every shard: each gives its use and its
  // customer's allowance back, journaled. The engine runs this by itself (hold_lapse_interval);
  // returns how many lapsed.
  std::uint64_t lapse_due_holds();

  // ---- operators
  // *revoked: 1 when the coupon was revoked now, 0 when it already was.
  Status revoke_code(std::string_view code, std::uint64_t* revoked);
  // *revoked: the batch's coupons not revoked before (0 when the batch already was).
  Status revoke_batch(std::string_view batch_id, std::uint64_t* revoked);
  // not_found for an unknown code; invalid_argument for a malformed one.
  Status describe_coupon(std::string_view code, CouponDescription* out);

  // Sums the batch's tallies over the shards (each shard's lock in turn). not_found for an unknown
  // batch.
  Status batch_report(std::string_view batch_id, BatchReport* out);

  // ---- reports, shard by shard so that an export holds one shard's lock at a time, and only
  // while it copies that shard's rows (index < shard_count()). not_found for an unknown batch.
  std::uint32_t shard_count() const;
  // The uses of the batch's coupons that the shard keeps: those in force, and those given back
  // or lapsed since the last snapshot compacted them.
  Status batch_redemptions(std::string_view batch_id, std::uint32_t shard,
                           std::vector<RedemptionRow>* out);
  // The batch's coupons bound to a customer, with uses left and not revoked, in the shard.
  Status unused_bound_codes(std::string_view batch_id, std::uint32_t shard,
                            std::vector<UnusedBoundCode>* out);
  // The batch's customer-bound coupons counted by segment ("" for none), over every shard.
  Status issued_by_segment(std::string_view batch_id, std::map<std::string, std::uint64_t>* out);

  // ---- durability
  // Calls done(true) once the journal holds sequence (an Outcome's journal_sequence) on disk, or
  // done(false) if the journal failed first: at once when that is known, otherwise from the
  // journal's thread. done must not block.
  void when_durable(std::uint64_t sequence, std::function<void(bool durable)> done);
  // The same, seen from a server holding many answers back: every sequence up to
  // durable_sequence() is on disk; journal_failed() once nothing more will be; wake is called
  // from the journal's thread after each durable group and on failure (it must only post).
  std::uint64_t durable_sequence() const;
  bool journal_failed() const;
  void subscribe_durable(std::function<void()> wake);
  // Writes a snapshot now. Checkouts go on while it runs; loads and batch changes wait.
  Status snapshot(SnapshotInfo* out);
  const RecoveryReport& recovery() const;

  // ---- replication (src/replication): a standby's engine follows its primary's journal
  bool following() const;
  // false promotes: local changes are taken again, at the journal's last sequence + 1; refused
  // (failed_precondition) while the state holds changes past the journal's last record (a base
  // copy not yet caught up). true demotes at any moment: changes in flight are journaled first.
  Status set_following(bool following);
  // While following: appends the primary's record (type and payload as its journal holds them)
  // under the same sequence, which must be the journal's next, and applies it as recovery would.
  // A record of type 12 finds its file in DATA_DIR/imports/ under the record's sequence.
  Status apply_replicated(std::uint64_t sequence, std::uint8_t type, std::string_view payload);
  // Writes and syncs, on the caller's thread, the records apply_replicated took since the last
  // call: the follower's group commit (see journal/journal.h).
  Status write_replicated();
  // The last record appended to the journal (0 when none).
  std::uint64_t last_sequence() const;
  // Every record up to this sequence is on this node's disk (durable_sequence() may be lower
  // while a synchronous standby is required).
  std::uint64_t local_durable_sequence() const;
  // wake is called from the journal's thread after each group is on this node's disk (it must
  // only post).
  void subscribe_locally_durable(std::function<void()> wake);
  // Every record up to this sequence is written to the journal's segment, perhaps not synced yet;
  // wake is called from the journal's thread after each group is written, with the group's
  // records as the segment holds them (it must only post, or send without blocking).
  std::uint64_t written_sequence() const;
  void subscribe_written(std::function<void(std::string_view group)> wake);
  // Synchronous standby: while required, an answer waits until a standby also holds its record
  // (standby_acknowledged). See journal/journal.h.
  void require_standby(bool required);
  bool standby_required() const;
  void standby_acknowledged(std::uint64_t sequence);
  const std::filesystem::path& data_dir() const;
  std::filesystem::path key_file() const;
  // No snapshot is written while the returned lock lives (a standby replacing its data directory
  // with a base copy holds it until the process starts again).
  std::unique_lock<std::mutex> hold_snapshots();

  // ---- sizes
  std::uint64_t coupon_count();
  std::uint64_t table_bytes();
  // Use records kept in memory over all shards: the uses in force, and those given back since the
  // last snapshot compacted them.
  std::uint64_t use_record_count();
  Timestamp now() const;

 private:
  enum class Take : unsigned char;  // defined in src/engine/checkout.cpp
  explicit Engine(std::unique_ptr<EngineState> state);
  Outcome checkout(const CouponRequest& request, Take take, std::chrono::seconds ttl);
  StackOutcome checkout_stack(const CouponRequest& request, std::span<const std::string_view> codes,
                              Take take, std::chrono::seconds ttl);

  std::unique_ptr<EngineState> state_;
  std::unique_ptr<HoldLapseThread> lapser_;  // stopped before state_ goes
};

// A sentence for a refusal with its specifics, e.g. "coupon expired at 2026-11-12T00:00:00Z".
std::string explain(const Outcome& outcome);

}  // namespace coupond
