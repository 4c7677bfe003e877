#include "api/campaign_json.h"

namespace coupond::api {
namespace {

bool two_digits(std::string_view text, int* out) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return false;
  }
  *out = (text[0] - '0') * 10 + (text[1] - '0');
  return true;
}

// "HH:MM", 00:00 to 24:00, as minutes of the day.
bool parse_clock(std::string_view text, std::uint16_t* out) {
  int hours = 0;
  int minutes = 0;
  if (text.size() != 5 || text[2] != ':' || !two_digits(text.substr(0, 2), &hours) ||
      !two_digits(text.substr(3, 2), &minutes) || minutes > 59 || hours > 24 ||
      (hours == 24 && minutes != 0)) {
    return false;
  }
  *out = static_cast<std::uint16_t>(hours * 60 + minutes);
  return true;
}

// "Z", or "+HH:MM" / "-HH:MM", as minutes east of UTC.
bool parse_offset(std::string_view text, std::int32_t* out) {
  if (text == "Z" || text == "z") {
    *out = 0;
    return true;
  }
  std::uint16_t minutes = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !parse_clock(text.substr(1), &minutes)) {
    return false;
  }
  *out = text[0] == '-' ? -minutes : minutes;
  return true;
}

// "HH:MM" written at out[0..5).
void write_clock(std::uint32_t minutes, char* out) {
  out[0] = static_cast<char>('0' + minutes / 600);
  out[1] = static_cast<char>('0' + minutes / 60 % 10);
  out[2] = ':';
  out[3] = static_cast<char>('0' + minutes % 60 / 10);
  out[4] = static_cast<char>('0' + minutes % 10);
}

std::string clock_text(std::uint16_t minutes) {
  char text[5];
  write_clock(minutes, text);
  return std::string(text, sizeof text);
}

std::string offset_text(std::int32_t minutes) {
  char text[6];
  text[0] = minutes < 0 ? '-' : '+';
  write_clock(static_cast<std::uint32_t>(minutes < 0 ? -minutes : minutes), text + 1);
  return std::string(text, sizeof text);
}

std::string parse_weekdays(const boost::json::array& days, Schedule* out) {
  out->weekdays = 0;
  for (const boost::json::value& day : days) {
    if (!day.is_int64() || day.get_int64() < 1 || day.get_int64() > 7) {
      return "schedule.weekdays must hold ISO weekdays from 1 (Monday) to 7 (Sunday)";
    }
    out->weekdays = static_cast<std::uint8_t>(out->weekdays | (1u << (day.get_int64() - 1)));
  }
  if (out->weekdays == 0) return "schedule.weekdays must list at least one day";
  return {};
}

std::string parse_hours(const boost::json::array& ranges, Schedule* out) {
  if (ranges.size() > schedule_hours_max) {
    return "schedule.hours must hold at most " + std::to_string(schedule_hours_max) + " ranges";
  }
  for (const boost::json::value& range : ranges) {
    if (!range.is_object()) return "schedule.hours must hold objects {\"from\": \"HH:MM\", \"until\": \"HH:MM\"}";
    FieldReader fields(range.get_object(), "schedule.hours[]");
    fields.only({"from", "until"});
    const std::string_view from = fields.string("from", true, 8);
    const std::string_view until = fields.string("until", true, 8);
    if (!fields.ok()) return fields.error();
    Schedule::Hours hours;
    if (!parse_clock(from, &hours.from) || !parse_clock(until, &hours.until)) {
      return "schedule.hours times must be HH:MM, from 00:00 to 24:00";
    }
    out->hours.push_back(hours);
  }
  return {};
}

std::string parse_schedule(const boost::json::object& object, Schedule* out) {
  FieldReader fields(object, "schedule");
  fields.only({"time_zone", "weekdays", "hours"});
  const std::string_view zone = fields.string("time_zone", true, 8);
  const boost::json::array* weekdays = fields.array("weekdays", false);
  const boost::json::array* hours = fields.array("hours", false);
  if (!fields.ok()) return fields.error();
  if (!parse_offset(zone, &out->utc_offset_minutes)) {
    return "schedule.time_zone must be a UTC offset such as +08:00 (or Z)";
  }
  if (weekdays == nullptr && hours == nullptr) return "schedule must give weekdays, hours or both";
  std::string error;
  if (weekdays != nullptr) error = parse_weekdays(*weekdays, out);
  if (error.empty() && hours != nullptr) error = parse_hours(*hours, out);
  return error;
}

}  // namespace

std::string parse_campaign_fields(FieldReader& fields, BatchDefinition* out) {
  const boost::json::object* schedule = fields.object("schedule", false);
  const std::optional<std::int64_t> max_uses_total = fields.integer("max_uses_total", false);
  const boost::json::object* budget = fields.object("budget", false);
  const boost::json::object* stacking = fields.object("stacking", false);
  if (!fields.ok()) return fields.error();
  if (max_uses_total) {
    if (*max_uses_total < 1 || static_cast<std::uint64_t>(*max_uses_total) > uses_total_max) {
      return "max_uses_total must be between 1 and " + std::to_string(uses_total_max);
    }
    out->max_uses_total = static_cast<std::uint64_t>(*max_uses_total);
  }
  if (budget != nullptr) {
    FieldReader budget_fields(*budget, "budget");
    budget_fields.only({"discount_max"});
    const std::optional<std::int64_t> discount_max = budget_fields.integer("discount_max", true);
    if (!budget_fields.ok()) return budget_fields.error();
    if (*discount_max < 1 || *discount_max > money_max) {
      return "budget.discount_max must be between 1 and " + std::to_string(money_max) + " minor units";
    }
    out->budget_discount_max = *discount_max;
  }
  if (stacking != nullptr) {
    FieldReader stacking_fields(*stacking, "stacking");
    stacking_fields.only({"group"});
    const std::string_view group = stacking_fields.text("group", true, stacking_group_length_max);
    if (!stacking_fields.ok()) return stacking_fields.error();
    if (group.empty()) return "stacking.group must be 1 to 64 characters";
    out->stacking_group = std::string(group);
  }
  if (schedule != nullptr) {
    Schedule parsed;
    std::string error = parse_schedule(*schedule, &parsed);
    if (!error.empty()) return error;
    out->schedule = std::move(parsed);
  }
  return {};
}

void add_campaign_json(const BatchDefinition& definition, boost::json::object& object) {
  if (definition.schedule) {
    const Schedule& schedule = *definition.schedule;
    boost::json::array weekdays;
    for (int day = 1; day <= 7; ++day) {
      if (schedule.weekdays & (1u << (day - 1))) weekdays.emplace_back(day);
    }
    boost::json::array hours;
    for (const Schedule::Hours& range : schedule.hours) {
      hours.push_back({{"from", clock_text(range.from)}, {"until", clock_text(range.until)}});
    }
    object["schedule"] = {{"time_zone", offset_text(schedule.utc_offset_minutes)},
                          {"weekdays", std::move(weekdays)},
                          {"hours", std::move(hours)}};
  }
  // Counts as signed integers, as the decoder reads them back (a PATCH merges into this).
  if (definition.max_uses_total > 0) {
    object["max_uses_total"] = static_cast<std::int64_t>(definition.max_uses_total);
  }
  if (definition.budget_discount_max > 0) {
    object["budget"] = {{"discount_max", definition.budget_discount_max}};
  }
  if (!definition.stacking_group.empty()) object["stacking"] = {{"group", definition.stacking_group}};
}

}  // namespace coupond::api
