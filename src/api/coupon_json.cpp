#include "api/coupon_json.h"

#include <cstdio>

#include "api/json_fields.h"

namespace coupond::api {
namespace {

std::string parse_items(const boost::json::array& array, std::vector<OrderItem>* items) {
  if (array.size() > order_items_max) return "order.items must hold at most 1000 items";
  items->reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string path = "order.items[" + std::to_string(i) + "]";
    if (!array[i].is_object()) return path + " must be an object";
    FieldReader fields(array[i].get_object(), path);
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

std::string parse_order(const boost::json::object& object, ParsedCouponRequest* out) {
  FieldReader fields(object, "order");
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

}  // namespace

std::string parse_coupon_request(std::string_view body, bool needs_order_id,
                                 ParsedCouponRequest* out) {
  boost::system::error_code error;
  out->document = boost::json::parse(body, error);
  if (error) return "the body is not valid JSON: " + error.message();
  if (!out->document.is_object()) return "the body must be a JSON object";
  FieldReader fields(out->document.get_object(), "");
  out->request.code = fields.string("code", true, code_input_max);
  out->request.customer = fields.text("customer", false, customer_length_max);
  out->request.order_id = fields.string("order_id", needs_order_id, order_id_length_max);
  out->ttl_s = fields.integer("ttl_s", false);
  const boost::json::object* order = fields.object("order", false);
  if (!fields.ok()) return fields.error();
  if (needs_order_id && out->request.order_id.empty()) return "order_id must not be empty";
  if (order != nullptr) return parse_order(*order, out);
  return {};
}

std::string_view discount_type_name(DiscountType type) {
  switch (type) {
    case DiscountType::amount_off:
      return "amount_off";
    case DiscountType::percent_off:
      return "percent_off";
    case DiscountType::threshold:
      return "threshold";
    case DiscountType::free_item:
      return "free_item";
  }
  return "unknown";
}

boost::json::object discount_json(const DiscountResult& discount) {
  boost::json::object object;
  object["type"] = discount_type_name(discount.type);
  if (discount.type == DiscountType::free_item) {
    object["sku"] = discount.sku;
    object["quantity"] = discount.quantity;
  } else {
    object["amount"] = discount.amount;
  }
  return object;
}

std::string redemption_name(std::uint64_t redemption_id) {
  char text[32];
  std::snprintf(text, sizeof(text), "rdm_%016llx", static_cast<unsigned long long>(redemption_id));
  return text;
}

}  // namespace coupond::api
