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
  records_.push_back(record);
  UseRecord& stored = records_.back();
  stored.order_id = add_text(order_id);
  stored.channel = add_text(channel);
  stored.store = add_text(store);
  stored.api_key_name = add_text(api_key_name);
  return static_cast<UseNumber>(records_.size());
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
