// What a slot has no room for: each use's details (order id, time, amounts, where) and the text of
// a bound customer and its segment. They live beside the slots of the same shard and are guarded
// by the same shard lock, so a redemption changes slot and details atomically.
//
// Uses are appended to the shard's UseLog, fixed-size records in one vector with their text in one
// arena: taking a use costs an append, not a map insertion and a handful of allocations. A slot
// points at its coupon's latest use, and each use at the coupon's previous one, so a coupon's
// history is a chain walked from the slot.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coupond/batch.h"
#include "coupond/clock.h"
#include "store/coupon_key.h"
#include "store/hash_seed.h"
#include "store/hold_expiries.h"

namespace coupond::store {

enum class UseState : std::uint8_t {
  held,         // a reserve: the use is spent for everyone else until confirmed or released
  redeemed,     // spent for good
  rolled_back,  // given back by a rollback (of a redemption or of a hold)
  lapsed,       // a hold whose expiry passed unconfirmed: the use came back by itself
};

// A piece of text in a TextArena. Offsets stay valid as the arena grows.
struct TextRef {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// Use number: a record's index + 1, so that 0 can mean "none" in a slot or a chain.
using UseNumber = std::uint32_t;

// Trivially copyable: snapshots save the records of a shard as bytes.
struct UseRecord {
  CouponKey coupon;
  std::uint64_t order_hash = 0;
  std::uint64_t redemption_id = 0;
  // Who took the use: the keyed hash of the request's customer, or of the empty text when it named
  // none. 0 only in uses recorded before every use kept it (then the taker is unknown). Whether the
  // use counts toward that customer's allowance is the batch's to say (max_uses_per_customer).
  std::uint64_t customer_hash = 0;
  Timestamp at{};                   // when the use was taken (held or redeemed)
  Timestamp hold_expires_at{};      // for holds
  Money discount_amount = 0;
  Money order_amount = 0;
  TextRef order_id;
  TextRef channel;
  TextRef store;
  TextRef api_key_name;
  UseNumber previous_use = 0;  // the coupon's use before this one; 0: none
  UseState state = UseState::redeemed;
  bool has_order_amount = false;
};

static_assert(std::is_trivially_copyable_v<UseRecord>);

// A run of consecutive use numbers: first, first + 1, ..., first + count - 1.
struct UseRun {
  UseNumber first = 0;
  UseNumber count = 0;
};

// How a compaction of a use log numbered the uses it kept: old number -> new. Everything that
// holds use numbers is renumbered with it, in one place (store::renumber_uses).
class UseRenumbering {
 public:
  UseRenumbering() = default;
  explicit UseRenumbering(std::size_t old_count)
      : kept_(old_count + 1, 0), in_chain_(old_count + 1, 0) {}

  // The new number of a kept use; 0 when old was dropped (or was 0).
  UseNumber kept(UseNumber old) const { return kept_[old]; }
  // Where a pointer to old now points: the new number of the newest kept use at or before old in
  // its coupon's chain (old itself when kept), 0 when none is left. For a slot's latest use and
  // a use's previous one.
  UseNumber in_chain(UseNumber old) const { return in_chain_[old]; }
  // The uses numbered below this kept their numbers.
  UseNumber first_changed() const { return first_changed_; }
  bool changes_anything() const { return first_changed_ != 0; }
  // kept() for every old number from 1 on: element old - 1 is old's new number, 0 when dropped.
  std::span<const UseNumber> kept_from_first() const {
    return kept_.empty() ? std::span<const UseNumber>() : std::span(kept_).subspan(1);
  }

 private:
  friend class UseLog;
  std::vector<UseNumber> kept_;
  std::vector<UseNumber> in_chain_;
  UseNumber first_changed_ = 0;
};

// Every use taken in one shard, in the order taken.
class UseLog {
 public:
  // Order ids and uses are limited by 32-bit text offsets and use numbers.
  static constexpr std::uint64_t text_bytes_max = (std::uint64_t{1} << 32) - 1;
  static constexpr std::uint64_t uses_max = (std::uint64_t{1} << 32) - 2;

  UseLog() = default;
  // With a given seed for the order index's hashing instead of the process's (for tests).
  explicit UseLog(std::uint64_t hash_seed) : by_order_(0, SeededHash{hash_seed}) {}

  // Whether uses more records holding text_bytes of text would all be appended: a stack of uses
  // taken together checks its room first, so that none of them is refused part way.
  bool has_room(std::uint64_t uses, std::uint64_t text_bytes) const {
    return records_.size() + uses <= uses_max && text_.size() <= text_limit_ &&
           text_bytes <= text_limit_ - text_.size();
  }
  // Appends a use and its text; returns its number, or 0, storing nothing, when the log cannot
  // hold it (its text would pass the text limit, or the use numbers are spent). The record's text
  // fields are set here.
  UseNumber append(const UseRecord& record, std::string_view order_id, std::string_view channel,
                   std::string_view store, std::string_view api_key_name);
  UseRecord& at(UseNumber use) { return records_[use - 1]; }
  const UseRecord& at(UseNumber use) const { return records_[use - 1]; }
  std::string_view text(TextRef ref) const { return {text_.data() + ref.offset, ref.size}; }

  // The newest use order_id took of a coupon, or 0: by walking the coupon's chain from its latest
  // use, or, for coupons with many uses, through the index that index_by_order keeps.
  UseNumber find_in_chain(UseNumber latest, std::uint64_t order_hash,
                          std::string_view order_id) const;
  UseNumber find_indexed(const CouponKey& coupon, std::uint64_t order_hash,
                         std::string_view order_id) const;
  void index_by_order(UseNumber use);

  std::size_t size() const { return records_.size(); }
  std::size_t text_bytes() const { return text_.size(); }
  // Lowers the text limit (for tests: a full arena without writing 4 GiB).
  void limit_text_bytes(std::uint64_t limit) { text_limit_ = std::min(limit, text_bytes_max); }

  // Drops the uses of dropped (ascending, non-overlapping runs of existing uses) and their text,
  // and numbers the kept ones anew, in order. The kept records' chains and the order index still
  // hold the old numbers until renumber (through store::renumber_uses) is applied.
  UseRenumbering compact(const std::vector<UseRun>& dropped);
  // The chains (each use's previous) and the order index, renumbered.
  void renumber(const UseRenumbering& renumbering);

  // For snapshots: the records and their text as they are (text references are offsets into it),
  // and the order index of multi-use coupons, keyed by order_index_key.
  using OrderIndex = std::unordered_multimap<std::uint64_t, UseNumber, SeededHash>;
  const std::vector<UseRecord>& records() const { return records_; }
  std::string_view all_text() const { return {text_.data(), text_.size()}; }
  const OrderIndex& order_index() const { return by_order_; }
  void restore(std::vector<UseRecord> records, std::string_view text,
               const std::vector<std::pair<std::uint64_t, UseNumber>>& order_index) {
    records_ = std::move(records);
    text_.assign(text.begin(), text.end());
    by_order_.clear();
    for (const auto& [key, use] : order_index) by_order_.emplace(key, use);
  }

 private:
  bool matches(const UseRecord& record, std::uint64_t order_hash, std::string_view order_id) const {
    return record.order_hash == order_hash && text(record.order_id) == order_id;
  }
  TextRef add_text(std::string_view text);

  std::vector<UseRecord> records_;
  std::vector<char> text_;
  std::uint64_t text_limit_ = text_bytes_max;
  OrderIndex by_order_;  // multi-use coupons only
};

// The number of holds in force on one coupon, so that the slot's has-holds flag is cleared with the
// last one. Kept only while a coupon has holds; when they expire is the shard's HoldExpiries.
struct HoldSummary {
  std::uint32_t holds = 0;
};

struct Binding {
  std::string customer;
  std::string segment;
};

// Channels are named by clients: their tables hash with the process's secret seed, and accept
// string_view, so that looking up a channel in a tally allocates nothing.
using TextHash = SeededHash;

// One batch's counts in one shard. The batch's live totals are kept beside them (Batch); these
// are what a snapshot saves, shard by shard, and what restores the totals at start-up.
struct BatchCounts {
  std::int64_t issued = 0;
  std::int64_t redeemed = 0;
  std::int64_t rolled_back = 0;
  std::int64_t revoked = 0;
  std::int64_t held = 0;
};

// A sum of money that neither wraps nor saturates: a shard's tally adds at most 2^32 uses (use
// numbers are 32 bits) of at most money_max (under 2^50) each, under 2^82, and a batch's report
// adds at most 2^12 shards of those.
__extension__ using MoneySum = __int128;

// The sum as Money: exact up to the largest Money, and that beyond it (never wrapped).
inline Money saturated_money(MoneySum sum) {
  constexpr Money most = std::numeric_limits<Money>::max();
  constexpr Money least = std::numeric_limits<Money>::min();
  if (sum > most) return most;
  if (sum < least) return least;
  return static_cast<Money>(sum);
}

// One batch's redemptions in force in one shard, by channel, segment and hour: the admin stats
// are these summed over the shards, kept as redemptions happen instead of scanned for.
struct BatchTally {
  BatchCounts counts;
  MoneySum discount_total = 0;
  MoneySum order_amount_total = 0;
  std::unordered_map<std::string, std::int64_t, TextHash, std::equal_to<>> by_channel;
  std::unordered_map<std::string, std::int64_t, TextHash, std::equal_to<>> by_segment;
  std::unordered_map<std::int64_t, std::int64_t> by_hour;  // key: hours since the epoch, UTC
};

struct SideTables {
  UseLog uses;
  std::unordered_map<std::uint32_t, BatchTally> tallies;  // by batch number
  std::unordered_map<CouponKey, HoldSummary, CouponKeyHasher> holds;
  HoldExpiries hold_expiries;
  std::unordered_map<CouponKey, Binding, CouponKeyHasher> bindings;
};

}  // namespace coupond::store
