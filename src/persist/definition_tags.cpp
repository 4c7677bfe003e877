#include "persist/definition_tags.h"

namespace coupond::records {
namespace {

// Never renumbered: these bytes are in journals and snapshots.
enum class DefinitionTag : std::uint8_t {
  schedule = 1,
  max_uses_total = 2,
  budget_discount_max = 3,
  stacking_group = 4,
  code_format = 5,  // written for a compact batch only: a definition without it is standard
  partition = 6,    // written for a partitioned batch only: a definition without it has none
};

void write_tag(DefinitionTag tag, journal::ByteWriter& writer) {
  writer.integer(static_cast<std::uint8_t>(tag));
}

void write_schedule(const Schedule& schedule, journal::ByteWriter& writer) {
  writer.integer(schedule.utc_offset_minutes);
  writer.integer(schedule.weekdays);
  writer.integer(static_cast<std::uint32_t>(schedule.hours.size()));
  for (const Schedule::Hours& hours : schedule.hours) {
    writer.integer(hours.from);
    writer.integer(hours.until);
  }
}

Schedule read_schedule(journal::ByteReader& reader) {
  Schedule schedule;
  schedule.utc_offset_minutes = reader.integer<std::int32_t>();
  schedule.weekdays = reader.integer<std::uint8_t>();
  const auto count = reader.integer<std::uint32_t>();
  if (count > schedule_hours_max) {
    reader.fail();
    return schedule;
  }
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    Schedule::Hours hours;
    hours.from = reader.integer<std::uint16_t>();
    hours.until = reader.integer<std::uint16_t>();
    schedule.hours.push_back(hours);
  }
  return schedule;
}

}  // namespace

void write_tagged_fields(const BatchDefinition& definition, journal::ByteWriter& writer) {
  const std::uint32_t count =
      (definition.schedule ? 1 : 0) + (definition.max_uses_total > 0 ? 1 : 0) +
      (definition.budget_discount_max > 0 ? 1 : 0) + (definition.stacking_group.empty() ? 0 : 1) +
      (definition.code.format != CodeFormat::standard ? 1 : 0) +
      (definition.partition.empty() ? 0 : 1);
  writer.integer(count);
  if (definition.schedule) {
    write_tag(DefinitionTag::schedule, writer);
    write_schedule(*definition.schedule, writer);
  }
  if (definition.max_uses_total > 0) {
    write_tag(DefinitionTag::max_uses_total, writer);
    writer.integer(definition.max_uses_total);
  }
  if (definition.budget_discount_max > 0) {
    write_tag(DefinitionTag::budget_discount_max, writer);
    writer.integer(definition.budget_discount_max);
  }
  if (!definition.stacking_group.empty()) {
    write_tag(DefinitionTag::stacking_group, writer);
    writer.text(definition.stacking_group);
  }
  if (definition.code.format != CodeFormat::standard) {
    write_tag(DefinitionTag::code_format, writer);
    writer.integer(static_cast<std::uint8_t>(definition.code.format));
  }
  if (!definition.partition.empty()) {
    write_tag(DefinitionTag::partition, writer);
    writer.text(definition.partition);
  }
}

void read_tagged_fields(journal::ByteReader& reader, BatchDefinition* out) {
  const auto count = reader.integer<std::uint32_t>();
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    switch (static_cast<DefinitionTag>(reader.integer<std::uint8_t>())) {
      case DefinitionTag::schedule:
        out->schedule = read_schedule(reader);
        break;
      case DefinitionTag::max_uses_total:
        out->max_uses_total = reader.integer<std::uint64_t>();
        break;
      case DefinitionTag::budget_discount_max:
        out->budget_discount_max = reader.integer<Money>();
        break;
      case DefinitionTag::stacking_group:
        out->stacking_group = reader.text();
        break;
      case DefinitionTag::code_format: {
        const auto format = reader.integer<std::uint8_t>();
        if (format > static_cast<std::uint8_t>(CodeFormat::compact)) {
          reader.fail();
          return;
        }
        out->code.format = static_cast<CodeFormat>(format);
        break;
      }
      case DefinitionTag::partition:
        out->partition = reader.text();
        break;
      default:
        reader.fail();
        return;
    }
  }
}

}  // namespace coupond::records
