#include "store/side_tables.h"

#include <algorithm>

#include "coupond/invariant.h"

namespace coupond::store {
namespace {

std::uint64_t order_index_key(const CouponKey& coupon, std::uint64_t order_hash) {
  return order_hash ^ hash_key(coupon);
}

}  // namespace

TextRef UseLog::add_text(std::string_view text) {
  // Text offsets are 32 bits: a shard holds at most 4 GiB of order ids, channels and stores,
  // which at 30 bytes a use is over a hundred million uses per shard. Past it the offsets would
  // wrap and a use would name another use's order id.
  COUPOND_INVARIANT(text_.size() + text.size() < (std::uint64_t{1} << 32));
  const TextRef ref{static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(text.size())};
  text_.insert(text_.end(), text.begin(), text.end());
  return ref;
}

UseNumber UseLog::append(const UseRecord& record, std::string_view order_id,
                         std::string_view channel, std::string_view store,
                         std::string_view api_key_name) {
  // Text offsets and use numbers are 32 bits: a shard holds at most 4 GiB of order ids, channels
  // and stores (at 30 bytes a use, over a hundred million uses in force). Past that a use is
  // refused, never written over its offsets.
  const std::uint64_t text_bytes =
      order_id.size() + channel.size() + store.size() + api_key_name.size();
  if (!has_room(1, text_bytes)) return 0;
  records_.push_back(record);
  UseRecord& stored = records_.back();
  stored.order_id = add_text(order_id);
  stored.channel = add_text(channel);
  stored.store = add_text(store);
  stored.api_key_name = add_text(api_key_name);
  return static_cast<UseNumber>(records_.size());
}

UseRenumbering UseLog::compact(const std::vector<UseRun>& dropped) {
  UseRenumbering renumbering(records_.size());
  if (dropped.empty()) return renumbering;
  std::vector<UseRecord> kept_records;
  std::vector<char> old_text;
  kept_records.reserve(records_.size());
  std::swap(old_text, text_);
  auto run = dropped.begin();
  for (UseNumber old = 1; old <= records_.size(); ++old) {
    while (run != dropped.end() && old >= run->first + run->count) ++run;
    const UseRecord& record = at(old);
    if (run != dropped.end() && old >= run->first) {
      // Dropping a use in force would give it back without a trace: a coupon spent twice.
      COUPOND_INVARIANT(record.state == UseState::rolled_back || record.state == UseState::lapsed);
      // Its chain goes on at its previous use (numbered before it, so already renumbered).
      renumbering.in_chain_[old] = renumbering.in_chain_[record.previous_use];
      if (renumbering.first_changed_ == 0) renumbering.first_changed_ = old;
      continue;
    }
    UseRecord moved = record;
    const auto copy_text = [&](TextRef ref) {
      const TextRef copied{static_cast<std::uint32_t>(text_.size()), ref.size};
      text_.insert(text_.end(), old_text.begin() + ref.offset,
                   old_text.begin() + ref.offset + ref.size);
      return copied;
    };
    moved.order_id = copy_text(record.order_id);
    moved.channel = copy_text(record.channel);
    moved.store = copy_text(record.store);
    moved.api_key_name = copy_text(record.api_key_name);
    kept_records.push_back(moved);
    const auto number = static_cast<UseNumber>(kept_records.size());
    renumbering.kept_[old] = number;
    renumbering.in_chain_[old] = number;
  }
  records_ = std::move(kept_records);
  records_.shrink_to_fit();
  text_.shrink_to_fit();
  return renumbering;
}

void UseLog::renumber(const UseRenumbering& renumbering) {
  if (!renumbering.changes_anything()) return;
  for (UseRecord& record : records_) record.previous_use = renumbering.in_chain(record.previous_use);
  OrderIndex renumbered(0, by_order_.hash_function());
  for (const auto& [key, use] : by_order_) {
    if (const UseNumber kept = renumbering.kept(use)) renumbered.emplace(key, kept);
  }
  by_order_ = std::move(renumbered);
}

UseNumber UseLog::find_in_chain(UseNumber latest, std::uint64_t order_hash,
                                std::string_view order_id) const {
  for (UseNumber use = latest; use != 0; use = at(use).previous_use) {
    if (matches(at(use), order_hash, order_id)) return use;
  }
  return 0;
}

UseNumber UseLog::find_indexed(const CouponKey& coupon, std::uint64_t order_hash,
                               std::string_view order_id) const {
  // An order that gave its use back and took it again has two records: the newest counts.
  UseNumber newest = 0;
  auto [first, last] = by_order_.equal_range(order_index_key(coupon, order_hash));
  for (auto it = first; it != last; ++it) {
    const UseRecord& record = at(it->second);
    if (record.coupon == coupon && matches(record, order_hash, order_id)) {
      newest = std::max(newest, it->second);
    }
  }
  return newest;
}

void UseLog::index_by_order(UseNumber use) {
  const UseRecord& record = at(use);
  by_order_.emplace(order_index_key(record.coupon, record.order_hash), use);
}

}  // namespace coupond::store
