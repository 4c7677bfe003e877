#include "store/hold_expiries.h"

#include <algorithm>

namespace coupond::store {
namespace {

// std::*_heap keep the largest on top: "later" puts the earliest expiry there.
bool later(const HoldExpiries::Entry& a, const HoldExpiries::Entry& b) {
  return a.expires_at != b.expires_at ? a.expires_at > b.expires_at : a.use > b.use;
}

}  // namespace

void HoldExpiries::add(Timestamp expires_at, UseNumber use) {
  heap_.push_back(Entry{expires_at, use});
  std::push_heap(heap_.begin(), heap_.end(), later);
}

bool HoldExpiries::pop_due(Timestamp now, Entry* out) {
  if (heap_.empty() || heap_.front().expires_at > now) return false;
  std::pop_heap(heap_.begin(), heap_.end(), later);
  *out = heap_.back();
  heap_.pop_back();
  return true;
}

Timestamp HoldExpiries::next_expiry() const {
  return heap_.empty() ? Timestamp::max() : heap_.front().expires_at;
}

void HoldExpiries::renumber(std::span<const UseNumber> new_number) {
  std::erase_if(heap_, [&](Entry& entry) {
    entry.use = entry.use <= new_number.size() ? new_number[entry.use - 1] : 0;
    return entry.use == 0;
  });
  std::make_heap(heap_.begin(), heap_.end(), later);
}

}  // namespace coupond::store
