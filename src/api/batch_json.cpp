#include "api/batch_json.h"

#include "api/campaign_json.h"
#include "api/coupon_json.h"
#include "api/json_fields.h"
#include "rules/partition.h"
#include "rules/time_text.h"

namespace coupond::api {
namespace {

bool parse_discount_type(std::string_view name, DiscountType* type) {
  for (DiscountType candidate : {DiscountType::amount_off, DiscountType::percent_off,
                                 DiscountType::threshold, DiscountType::free_item}) {
    if (discount_type_name(candidate) == name) {
      *type = candidate;
      return true;
    }
  }
  return false;
}

constexpr std::string_view code_format_name(CodeFormat format) {
  return format == CodeFormat::compact ? "compact" : "standard";
}

// The "code" object: the prefix as written (checked, never changed, by check_batch_definition),
// the format, and tag_bits, whose default follows the format.
std::string parse_code_settings(const boost::json::object& object, CodeSettings* out) {
  FieldReader fields(object, "code");
  fields.only({"prefix", "format", "tag_bits", "group_size"});
  // Longer than a prefix may be, so that the refusal can name it.
  out->prefix = std::string(fields.string("prefix", false, batch_name_length_max));
  const std::string_view format = fields.string("format", false, 32);
  const std::optional<std::int64_t> tag_bits = fields.integer("tag_bits", false);
  out->group_size = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(fields.integer("group_size", false).value_or(4), 0, 1000));
  if (!fields.ok()) return fields.error();
  if (format == code_format_name(CodeFormat::compact)) {
    out->format = CodeFormat::compact;
  } else if (format.empty() || format == code_format_name(CodeFormat::standard)) {
    out->format = CodeFormat::standard;
  } else {
    return "code.format must be standard or compact";
  }
  const std::uint32_t default_bits =
      out->format == CodeFormat::compact ? compact_tag_bits : tag_bits_default;
  out->tag_bits = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(tag_bits.value_or(default_bits), 0, 1000));
  return {};
}

std::string parse_discount(const boost::json::object& object, Discount* out) {
  FieldReader fields(object, "discount");
  fields.only({"type", "amount", "percent", "max_amount", "min_amount", "sku", "quantity"});
  const std::string_view type = fields.string("type", true, 32);
  out->amount = fields.integer("amount", false).value_or(0);
  out->percent = static_cast<int>(std::clamp<std::int64_t>(fields.integer("percent", false).value_or(0), -1, 1000));
  out->max_amount = fields.integer("max_amount", false).value_or(0);
  out->min_amount = fields.integer("min_amount", false).value_or(0);
  out->sku = std::string(fields.string("sku", false, scope_entry_length_max));
  out->quantity = fields.integer("quantity", false).value_or(0);
  if (!fields.ok()) return fields.error();
  if (!parse_discount_type(type, &out->type)) {
    return "discount.type must be amount_off, percent_off, threshold or free_item";
  }
  return {};
}

std::string parse_list(FieldReader& fields, std::string_view name, std::vector<std::string>* out) {
  const boost::json::array* array = fields.array(name, false);
  if (!fields.ok() || array == nullptr) return fields.error();
  if (array->size() > scope_entries_max) {
    return fields.field_name(name) + " must hold at most 1000 entries";
  }
  for (const boost::json::value& entry : *array) {
    if (!entry.is_string()) return fields.field_name(name) + " must hold strings";
    out->emplace_back(entry.get_string());
  }
  return {};
}

std::string parse_scope(const boost::json::object& object, Scope* out) {
  FieldReader fields(object, "scope");
  fields.only({"channels", "stores", "categories", "skus"});
  for (auto [name, list] : {std::pair{"channels", &out->channels}, std::pair{"stores", &out->stores},
                            std::pair{"categories", &out->categories},
                            std::pair{"skus", &out->skus}}) {
    std::string error = parse_list(fields, name, list);
    if (!error.empty()) return error;
  }
  return {};
}

std::string parse_time(FieldReader& fields, std::string_view name, Timestamp* out) {
  const std::string_view text = fields.string(name, true, 64);
  if (!fields.ok()) return fields.error();
  if (!parse_rfc3339(text, out)) {
    return std::string(name) + " must be an RFC 3339 time such as 2026-11-11T00:00:00+08:00";
  }
  return {};
}

boost::json::array list_json(const std::vector<std::string>& list) {
  boost::json::array array;
  for (const std::string& entry : list) array.emplace_back(entry);
  return array;
}

}  // namespace

std::string parse_batch_definition(const boost::json::object& object, BatchDefinition* out) {
  FieldReader fields(object, "");
  fields.only({"id", "name", "discount", "valid_from", "valid_until", "max_uses_per_code",
               "max_uses_per_customer", "scope", "code", "schedule", "max_uses_total", "budget",
               "stacking", "partition"});
  out->id = std::string(fields.string("id", true, batch_id_length_max));
  out->name = std::string(fields.string("name", false, batch_name_length_max));
  const boost::json::object* discount = fields.object("discount", true);
  const auto max_uses_per_code = fields.integer("max_uses_per_code", false).value_or(1);
  const auto max_uses_per_customer = fields.integer("max_uses_per_customer", false).value_or(0);
  const boost::json::object* scope = fields.object("scope", false);
  const boost::json::object* code = fields.object("code", false);
  // Longer than a name may be, so that the refusal can quote it.
  const std::string_view partition = fields.string("partition", false, batch_name_length_max);
  if (!fields.ok()) return fields.error();
  if (!partition.empty()) {
    std::string error = rules::check_partition_name("partition", partition, &out->partition);
    if (!error.empty()) return error;
  }
  // Out-of-range counts become values check_batch_definition refuses with the field's name.
  out->max_uses_per_code = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(max_uses_per_code, 0, std::int64_t{uses_per_code_max} + 1));
  out->max_uses_per_customer = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
      max_uses_per_customer, 0, std::int64_t{uses_per_customer_max} + 1));
  if (max_uses_per_customer < 0) return "max_uses_per_customer must not be negative";
  std::string error = parse_discount(*discount, &out->discount);
  if (error.empty()) error = parse_time(fields, "valid_from", &out->valid_from);
  if (error.empty()) error = parse_time(fields, "valid_until", &out->valid_until);
  if (error.empty() && scope != nullptr) error = parse_scope(*scope, &out->scope);
  if (error.empty()) error = parse_campaign_fields(fields, out);
  if (error.empty() && code != nullptr) error = parse_code_settings(*code, &out->code);
  return error;
}

namespace {

// RFC 7396: each field of patch replaces target's, null removes it, and an object given for an
// object merges into it field by field.
void merge_patch(boost::json::object& target, const boost::json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      target.erase(key);
    } else if (value.is_object() && target.contains(key) && target.at(key).is_object()) {
      merge_patch(target.at(key).get_object(), value.get_object());
    } else {
      target[key] = value;
    }
  }
}

}  // namespace

std::string parse_batch_patch(const BatchDefinition& current, const boost::json::object& patch,
                              BatchDefinition* out) {
  boost::json::object merged = definition_json(current);
  merge_patch(merged, patch);
  std::string error = parse_batch_definition(merged, out);
  // definition_json shows only the discount fields of its type; a creation may have given others,
  // which a patch that leaves the discount alone must not appear to change.
  if (!patch.contains("discount")) out->discount = current.discount;
  return error;
}

boost::json::object definition_json(const BatchDefinition& definition) {
  boost::json::object discount;
  discount["type"] = discount_type_name(definition.discount.type);
  switch (definition.discount.type) {
    case DiscountType::amount_off:
      discount["amount"] = definition.discount.amount;
      break;
    case DiscountType::percent_off:
      discount["percent"] = definition.discount.percent;
      discount["max_amount"] = definition.discount.max_amount;
      break;
    case DiscountType::threshold:
      discount["min_amount"] = definition.discount.min_amount;
      discount["amount"] = definition.discount.amount;
      break;
    case DiscountType::free_item:
      discount["sku"] = definition.discount.sku;
      discount["quantity"] = definition.discount.quantity;
      break;
  }
  boost::json::object object;
  object["id"] = definition.id;
  object["name"] = definition.name;
  object["discount"] = std::move(discount);
  object["valid_from"] = format_rfc3339_utc(definition.valid_from);
  object["valid_until"] = format_rfc3339_utc(definition.valid_until);
  // Counts as signed integers, as the decoder reads them (an unsigned JSON number is "too large"),
  // so that a PATCH parses the definition back.
  object["max_uses_per_code"] = std::int64_t{definition.max_uses_per_code};
  object["max_uses_per_customer"] = std::int64_t{definition.max_uses_per_customer};
  object["scope"] = {{"channels", list_json(definition.scope.channels)},
                     {"stores", list_json(definition.scope.stores)},
                     {"categories", list_json(definition.scope.categories)},
                     {"skus", list_json(definition.scope.skus)}};
  object["code"] = {{"prefix", definition.code.prefix},
                    {"format", code_format_name(definition.code.format)},
                    {"tag_bits", std::int64_t{definition.code.tag_bits}},
                    {"group_size", std::int64_t{definition.code.group_size}}};
  add_campaign_json(definition, object);
  if (!definition.partition.empty()) object["partition"] = definition.partition;
  return object;
}

boost::json::object batch_json(const Batch& batch) {
  boost::json::object object = definition_json(batch.definition());
  object["revoked"] = batch.is_revoked();
  object["stats"] = counts_json(batch.stats());
  return object;
}

boost::json::object counts_json(const BatchStats& counts) {
  const double rate = counts.issued == 0 ? 0.0
                                         : static_cast<double>(counts.redeemed) /
                                               static_cast<double>(counts.issued);
  return {{"issued", counts.issued},   {"redeemed", counts.redeemed},
          {"rolled_back", counts.rolled_back}, {"revoked", counts.revoked},
          {"held", counts.held},       {"redemption_rate", rate},
          {"discount_in_force", counts.discount_in_force}};
}

}  // namespace coupond::api
