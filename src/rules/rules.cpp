#include "rules/rules.h"

#include <algorithm>
#include <chrono>

#include "coupond/limits.h"

namespace coupond::rules {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool item_in_scope(const Scope& scope, const OrderItem& item) {
  return (!scope.categories.empty() && contains(scope.categories, item.category)) ||
         (!scope.skus.empty() && contains(scope.skus, item.sku));
}

bool has_item_scope(const Scope& scope) { return !scope.categories.empty() || !scope.skus.empty(); }

// floor(amount * percent / 100) without overflow: amount <= money_max (10^15) and percent <= 100.
Money percent_of(Money amount, int percent) {
  return amount / 100 * percent + (amount % 100) * percent / 100;
}

}  // namespace

Reason check_window(const BatchDefinition& batch, Timestamp now) {
  if (now < batch.valid_from) return Reason::not_yet_valid;
  if (now >= batch.valid_until) return Reason::expired;
  return Reason::ok;
}

Reason check_schedule(const Schedule& schedule, Timestamp now) {
  using namespace std::chrono;
  const auto local = time_point_cast<minutes>(now) + minutes(schedule.utc_offset_minutes);
  const auto day = floor<days>(local);
  const unsigned weekday = std::chrono::weekday(day).iso_encoding();  // 1 = Monday
  if ((schedule.weekdays & (1u << (weekday - 1))) == 0) return Reason::outside_schedule;
  if (schedule.hours.empty()) return Reason::ok;
  const auto minute = static_cast<std::uint16_t>((local - day).count());
  for (const Schedule::Hours& hours : schedule.hours) {
    if (minute >= hours.from && minute < hours.until) return Reason::ok;
  }
  return Reason::outside_schedule;
}

Reason check_scope(const Scope& scope, const Order& order) {
  if (!scope.channels.empty() && (order.channel.empty() || !contains(scope.channels, order.channel))) {
    return Reason::out_of_scope;
  }
  if (!scope.stores.empty() && (order.store.empty() || !contains(scope.stores, order.store))) {
    return Reason::out_of_scope;
  }
  if (has_item_scope(scope) &&
      std::none_of(order.items.begin(), order.items.end(),
                   [&](const OrderItem& item) { return item_in_scope(scope, item); })) {
    return Reason::out_of_scope;
  }
  return Reason::ok;
}

Money eligible_amount(const Scope& scope, const Order& order) {
  if (!has_item_scope(scope)) return order.amount.value_or(0);
  Money total = 0;
  for (const OrderItem& item : order.items) {
    if (!item_in_scope(scope, item)) continue;
    // Bounded inputs (price and quantity checked by check_order) still multiply past int64 in
    // the worst case, so the sum saturates at money_max instead.
    if (item.quantity > 0 && item.price > (money_max - total) / item.quantity) return money_max;
    total += item.price * item.quantity;
  }
  return total;
}

Reason compute_discount(const BatchDefinition& batch, const Order& order, DiscountResult* out) {
  const Discount& discount = batch.discount;
  const bool has_base = order.amount.has_value() || has_item_scope(batch.scope);
  const Money base = eligible_amount(batch.scope, order);
  *out = DiscountResult();
  out->type = discount.type;
  switch (discount.type) {
    case DiscountType::amount_off:
      out->amount = has_base ? std::min(discount.amount, base) : discount.amount;
      return Reason::ok;
    case DiscountType::percent_off: {
      if (!has_base) return Reason::min_amount_not_met;
      Money amount = percent_of(base, discount.percent);
      if (discount.max_amount > 0) amount = std::min(amount, discount.max_amount);
      out->amount = std::min(amount, base);
      return Reason::ok;
    }
    case DiscountType::threshold:
      if (!has_base || base < discount.min_amount) return Reason::min_amount_not_met;
      out->amount = std::min(discount.amount, base);
      return Reason::ok;
    case DiscountType::free_item:
      out->sku = discount.sku;
      out->quantity = discount.quantity;
      return Reason::ok;
  }
  return Reason::ok;
}

std::string_view check_order(const Order& order) {
  if (order.amount && (*order.amount < 0 || *order.amount > money_max)) {
    return "order.amount must be between 0 and 10^15 minor units";
  }
  if (order.currency.size() > 8) return "order.currency must be at most 8 characters";
  if (order.channel.size() > scope_entry_length_max) return "order.channel is too long";
  if (order.store.size() > scope_entry_length_max) return "order.store is too long";
  if (order.items.size() > order_items_max) return "order.items must hold at most 1000 items";
  for (const OrderItem& item : order.items) {
    if (item.price < 0 || item.price > money_max) {
      return "order.items[].price must be between 0 and 10^15 minor units";
    }
    if (item.quantity < 1 || item.quantity > item_quantity_max) {
      return "order.items[].quantity must be between 1 and 1000000";
    }
    if (item.sku.size() > scope_entry_length_max) return "order.items[].sku is too long";
    if (item.category.size() > scope_entry_length_max) return "order.items[].category is too long";
  }
  return {};
}

}  // namespace coupond::rules
