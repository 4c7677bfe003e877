// What a slot has no room for: each use's details (order id, time, amounts, where) and the text of
// a bound customer and its segment. They live beside the slots of the same shard and are guarded
// by the same shard lock, so a redemption changes slot and details atomically.
//
// Uses are appended to the shard's UseLog, fixed-size records in one vector with their text in one
// arena: taking a use costs an append, not a map insertion and a handful of allocations. A slot
// points at its coupon's latest use, and each use at the coupon's previous one, so a coupon's
// history is a chain walked from the slot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "coupond/batch.h"
#include "coupond/clock.h"
#include "store/coupon_key.h"
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
  std::uint64_t customer_hash = 0;  // who took the use, when the batch limits uses per customer
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

// Every use taken in one shard, in the order taken.
class UseLog {
 public:
  // Appends a use and its text; returns its number. The record's text fields are set here.
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

  // For snapshots: the records and their text as they are (text references are offsets into it),
  // and the order index of multi-use coupons.
  const std::vector<UseRecord>& records() const { return records_; }
  std::string_view all_text() const { return {text_.data(), text_.size()}; }
  const std::unordered_multimap<std::uint64_t, UseNumber>& order_index() const { return by_order_; }
  void restore(std::vector<UseRecord> records, std::string_view text,
               std::unordered_multimap<std::uint64_t, UseNumber> order_index) {
    records_ = std::move(records);
    text_.assign(text.begin(), text.end());
    by_order_ = std::move(order_index);
  }

 private:
  bool matches(const UseRecord& record, std::uint64_t order_hash, std::string_view order_id) const {
    return record.order_hash == order_hash && text(record.order_id) == order_id;
  }
  TextRef add_text(std::string_view text);

  std::vector<UseRecord> records_;
  std::vector<char> text_;
  std::unordered_multimap<std::uint64_t, UseNumber> by_order_;  // multi-use coupons only
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

// Hash and equality that accept string_view, so that looking up a channel in a tally allocates
// nothing.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// One batch's counts in one shard. The batch's live totals are kept beside them (Batch); these
// are what a snapshot saves, shard by shard, and what restores the totals at start-up.
struct BatchCounts {
  std::int64_t issued = 0;
  std::int64_t redeemed = 0;
  std::int64_t rolled_back = 0;
  std::int64_t revoked = 0;
  std::int64_t held = 0;
};

// One batch's redemptions in force in one shard, by channel, segment and hour: the admin stats
// are these summed over the shards, kept as redemptions happen instead of scanned for.
struct BatchTally {
  BatchCounts counts;
  Money discount_total = 0;
  Money order_amount_total = 0;
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
