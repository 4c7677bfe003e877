// The checks behind "400 with a message naming the bad field" when an operator creates a batch.
#include <string>

#include "coupond/batch.h"
#include "rules/partition.h"

namespace coupond {
namespace {

bool is_id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool is_alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Status field_error(std::string_view field, std::string_view rule) {
  return Status::invalid_argument(std::string(field) + " " + std::string(rule));
}

Status check_money(std::string_view field, Money value, Money minimum) {
  if (value < minimum || value > money_max) {
    return field_error(field, "must be between " + std::to_string(minimum) + " and " +
                                  std::to_string(money_max) + " minor units");
  }
  return Status::ok();
}

Status check_discount(const Discount& discount) {
  switch (discount.type) {
    case DiscountType::amount_off:
      return check_money("discount.amount", discount.amount, 1);
    case DiscountType::percent_off:
      if (discount.percent < 1 || discount.percent > 100) {
        return field_error("discount.percent", "must be between 1 and 100");
      }
      return check_money("discount.max_amount", discount.max_amount, 0);
    case DiscountType::threshold: {
      Status status = check_money("discount.min_amount", discount.min_amount, 1);
      if (!status.is_ok()) return status;
      status = check_money("discount.amount", discount.amount, 1);
      if (!status.is_ok()) return status;
      if (discount.amount > discount.min_amount) {
        return field_error("discount.amount", "must not exceed discount.min_amount");
      }
      return Status::ok();
    }
    case DiscountType::free_item:
      if (discount.sku.empty() || discount.sku.size() > scope_entry_length_max) {
        return field_error("discount.sku", "must be 1 to 64 characters");
      }
      if (discount.quantity < 1 || discount.quantity > item_quantity_max) {
        return field_error("discount.quantity", "must be between 1 and 1000000");
      }
      return Status::ok();
  }
  return field_error("discount.type", "is unknown");
}

Status check_scope_list(std::string_view field, const std::vector<std::string>& entries) {
  if (entries.size() > scope_entries_max) return field_error(field, "must hold at most 1000 entries");
  for (const std::string& entry : entries) {
    if (entry.empty() || entry.size() > scope_entry_length_max) {
      return field_error(field, "entries must be 1 to 64 characters");
    }
  }
  return Status::ok();
}

// The prefix is printed exactly as written, so one a code cannot hold is refused, named, rather
// than changed.
Status check_code_settings(const CodeSettings& code) {
  const std::string named = "\"" + code.prefix + "\"";
  if (code.prefix.size() > prefix_length_max) {
    return field_error("code.prefix", named + " is " + std::to_string(code.prefix.size()) +
                                          " characters; a code's prefix holds at most " +
                                          std::to_string(prefix_length_max));
  }
  for (char c : code.prefix) {
    if (!is_alphanumeric(c)) {
      return field_error("code.prefix",
                         named + " cannot be part of a code: a prefix holds only letters A-Z "
                                 "(either case) and digits 0-9");
    }
  }
  if (code.format == CodeFormat::compact) {
    if (code.tag_bits != compact_tag_bits) {
      return field_error("code.tag_bits", "must be " + std::to_string(compact_tag_bits) +
                                              " (or left out) for the compact format");
    }
  } else if (code.format != CodeFormat::standard) {
    return field_error("code.format", "must be standard or compact");
  }
  if (code.tag_bits < tag_bits_min || code.tag_bits > tag_bits_max) {
    return field_error("code.tag_bits", "must be between " + std::to_string(tag_bits_min) +
                                            " and " + std::to_string(tag_bits_max));
  }
  if (code.group_size > 16) return field_error("code.group_size", "must be between 0 and 16");
  return Status::ok();
}

Status check_schedule(const Schedule& schedule) {
  // UTC offsets in use run from -12:00 to +14:00.
  if (schedule.utc_offset_minutes < -12 * 60 || schedule.utc_offset_minutes > 14 * 60) {
    return field_error("schedule.time_zone", "must be an offset from -12:00 to +14:00");
  }
  if (schedule.weekdays == 0 || schedule.weekdays > 0x7f) {
    return field_error("schedule.weekdays", "must list ISO weekdays from 1 (Monday) to 7 (Sunday)");
  }
  if (schedule.hours.size() > schedule_hours_max) {
    return field_error("schedule.hours", "must hold at most " + std::to_string(schedule_hours_max) + " ranges");
  }
  for (const Schedule::Hours& hours : schedule.hours) {
    if (hours.from >= hours.until || hours.until > 24 * 60) {
      return field_error("schedule.hours", "ranges must run from an earlier to a later time, 00:00 to 24:00");
    }
  }
  return Status::ok();
}

// The partition is stored as its canonical name, so that the printed prefix is the same on every
// node and after every restart.
Status check_partition(const std::string& partition) {
  if (partition.empty()) return Status::ok();
  std::string canonical;
  std::string error = rules::check_partition_name("partition", partition, &canonical);
  if (error.empty() && canonical != partition) error = "partition must be upper case";
  return error.empty() ? Status::ok() : Status::invalid_argument(std::move(error));
}

Status check_campaign_limits(const BatchDefinition& batch) {
  if (batch.schedule) {
    Status status = check_schedule(*batch.schedule);
    if (!status.is_ok()) return status;
  }
  if (batch.max_uses_total > uses_total_max) {
    return field_error("max_uses_total", "must be between 1 and " + std::to_string(uses_total_max));
  }
  if (batch.budget_discount_max < 0 || batch.budget_discount_max > money_max) {
    return field_error("budget.discount_max", "must be between 1 and " + std::to_string(money_max) + " minor units");
  }
  if (batch.stacking_group.size() > stacking_group_length_max) {
    return field_error("stacking.group", "must be 1 to 64 characters");
  }
  return Status::ok();
}

}  // namespace

Status check_batch_definition(const BatchDefinition& batch) {
  if (batch.id.empty() || batch.id.size() > batch_id_length_max) {
    return field_error("id", "must be 1 to 64 characters");
  }
  for (char c : batch.id) {
    if (!is_id_character(c)) return field_error("id", "may hold only letters, digits, '_', '.' and '-'");
  }
  if (batch.name.size() > batch_name_length_max) return field_error("name", "must be at most 256 characters");
  Status status = check_discount(batch.discount);
  if (!status.is_ok()) return status;
  if (batch.valid_from >= batch.valid_until) {
    return field_error("valid_until", "must be later than valid_from");
  }
  if (batch.max_uses_per_code < 1 || batch.max_uses_per_code > uses_per_code_max) {
    return field_error("max_uses_per_code", "must be between 1 and " + std::to_string(uses_per_code_max));
  }
  if (batch.max_uses_per_customer > uses_per_customer_max) {
    return field_error("max_uses_per_customer",
                       "must be between 0 and " + std::to_string(uses_per_customer_max));
  }
  const std::pair<std::string_view, const std::vector<std::string>*> lists[] = {
      {"scope.channels", &batch.scope.channels},
      {"scope.stores", &batch.scope.stores},
      {"scope.categories", &batch.scope.categories},
      {"scope.skus", &batch.scope.skus},
  };
  for (const auto& [field, entries] : lists) {
    status = check_scope_list(field, *entries);
    if (!status.is_ok()) return status;
  }
  status = check_campaign_limits(batch);
  if (!status.is_ok()) return status;
  status = check_partition(batch.partition);
  if (!status.is_ok()) return status;
  return check_code_settings(batch.code);
}

}  // namespace coupond
