// The data plane's JSON as it was built on Boost.JSON's DOM, kept as the reference the DOM-free
// decoder and encoder (coupon_request_json.cpp, coupon_answers.cpp) are held to: their tests and
// the coupon_request fuzz target compare the two on the same input.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/coupon_json.h"
#include "api/json_fields.h"
#include "coupond/engine.h"
#include "rules/time_text.h"

namespace coupond::testing::dom {

struct ParsedRequest {
  boost::json::value document;
  std::vector<OrderItem> items;
  CouponRequest request;
  std::optional<std::int64_t> ttl_s;
  std::vector<std::string_view> codes;
};

inline std::string parse_items(const boost::json::array& array, std::vector<OrderItem>* items) {
  if (array.size() > order_items_max) return "order.items must hold at most 1000 items";
  items->reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string path = "order.items[";
    path += std::to_string(i);
    path += "]";
    if (!array[i].is_object()) return path + " must be an object";
    api::FieldReader fields(array[i].get_object(), path);
    fields.only({"sku", "category", "price", "quantity"});
    OrderItem item;
    item.sku = fields.string("sku", false, scope_entry_length_max);
    item.category = fields.string("category", false, scope_entry_length_max);
    item.price = fields.integer("price", true).value_or(0);
    item.quantity = fields.integer("quantity", false).value_or(1);
    if (!fields.ok()) return fields.error();
    items->push_back(item);
  }
  return {};
}

inline std::string parse_order(const boost::json::object& object, ParsedRequest* out) {
  api::FieldReader fields(object, "order");
  fields.only({"amount", "currency", "channel", "store", "items"});
  Order& order = out->request.order;
  order.amount = fields.integer("amount", false);
  order.currency = fields.string("currency", false, 8);
  order.channel = fields.string("channel", false, scope_entry_length_max);
  order.store = fields.string("store", false, scope_entry_length_max);
  const boost::json::array* items = fields.array("items", false);
  if (!fields.ok()) return fields.error();
  if (items != nullptr) {
    std::string error = parse_items(*items, &out->items);
    if (!error.empty()) return error;
    order.items = out->items;
  }
  return {};
}

inline std::string parse_coupon_request(std::string_view body, bool needs_order_id,
                                        ParsedRequest* out) {
  boost::system::error_code error;
  out->document = boost::json::parse(body, error);
  if (error) return "the body is not valid JSON: " + error.message();
  if (!out->document.is_object()) return "the body must be a JSON object";
  api::FieldReader fields(out->document.get_object(), "");
  fields.only({"code", "codes", "customer", "order_id", "ttl_s", "order"});
  const boost::json::array* codes = fields.array("codes", false);
  if (!fields.ok()) return fields.error();
  if (codes != nullptr) {
    const boost::json::object& top = out->document.get_object();
    if (top.contains("code") && !top.at("code").is_null()) return "give code or codes, not both";
    if (codes->empty() || codes->size() > codes_per_order_max) return "codes must hold 1 to 10 codes";
    for (std::size_t i = 0; i < codes->size(); ++i) {
      if (!(*codes)[i].is_string()) return "codes[" + std::to_string(i) + "] must be a string";
    }
    for (std::size_t i = 0; i < codes->size(); ++i) {
      const std::string_view code = (*codes)[i].get_string();
      if (code.size() > code_input_max) {
        return "codes[" + std::to_string(i) + "] must be at most " + std::to_string(code_input_max) +
               " characters";
      }
      out->codes.push_back(code);
    }
  } else {
    out->request.code = fields.string("code", true, code_input_max);
  }
  out->request.customer = fields.text("customer", false, customer_length_max);
  out->request.order_id = fields.string("order_id", needs_order_id, order_id_length_max);
  out->ttl_s = fields.integer("ttl_s", false);
  const boost::json::object* order = fields.object("order", false);
  if (!fields.ok()) return fields.error();
  if (needs_order_id && out->request.order_id.empty()) return "order_id must not be empty";
  if (order != nullptr) return parse_order(*order, out);
  return {};
}

inline boost::json::object discount_json(const DiscountResult& discount) {
  boost::json::object object;
  object["type"] = api::discount_type_name(discount.type);
  if (discount.type == DiscountType::free_item) {
    object["sku"] = discount.sku;
    object["quantity"] = discount.quantity;
  } else {
    object["amount"] = discount.amount;
  }
  return object;
}

inline void add_code_and_batch(const Outcome& outcome, std::string_view typed,
                               boost::json::object* object) {
  (*object)["code"] = outcome.code.size > 0 ? outcome.code.view() : typed;
  if (outcome.batch != nullptr) (*object)["batch"] = outcome.batch->id();
}

inline std::string refusal_answer(const Outcome& outcome, std::string_view typed,
                                  std::string_view flag) {
  boost::json::object object;
  object[flag] = false;
  add_code_and_batch(outcome, typed, &object);
  object["reason"] = reason_name(outcome.reason);
  object["message"] = explain(outcome);
  return boost::json::serialize(object);
}

inline std::string validate_answer(const Outcome& outcome, std::string_view typed) {
  boost::json::object object{{"valid", true}};
  add_code_and_batch(outcome, typed, &object);
  object["discount"] = discount_json(outcome.discount);
  object["uses_left"] = outcome.uses_left;
  return boost::json::serialize(object);
}

inline std::string taken_answer(const Outcome& outcome, std::string_view typed, bool reserve) {
  boost::json::object object{{reserve ? "reserved" : "redeemed", true}};
  if (!reserve) object["redemption"] = api::redemption_name(outcome.redemption_id);
  add_code_and_batch(outcome, typed, &object);
  object["discount"] = discount_json(outcome.discount);
  if (reserve) object["expires_at"] = format_rfc3339_utc(outcome.hold_expires_at);
  object["uses_left"] = outcome.uses_left;
  object["replayed"] = outcome.replayed;
  return boost::json::serialize(object);
}

inline std::string rollback_answer(const RollbackOutcome& outcome) {
  return boost::json::serialize(boost::json::object{{"rolled_back", true},
                                                    {"code", outcome.code.view()},
                                                    {"uses_left", outcome.uses_left},
                                                    {"replayed", outcome.replayed}});
}

inline std::string error_answer(std::string_view code, std::string_view message) {
  return boost::json::serialize(
      boost::json::object{{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace coupond::testing::dom
