#include "persist/journal_records.h"

#include "persist/definition_tags.h"

namespace coupond::records {
namespace {

using journal::ByteReader;
using journal::ByteWriter;

void write_key(const store::CouponKey& key, ByteWriter& writer) {
  writer.integer(key.high);
  writer.integer(key.low);
}

store::CouponKey read_key(ByteReader& reader) {
  store::CouponKey key;
  key.high = reader.integer<std::uint64_t>();
  key.low = reader.integer<std::uint64_t>();
  return key;
}

void write_time(Timestamp time, ByteWriter& writer) {
  writer.integer(static_cast<std::int64_t>(time.time_since_epoch().count()));
}

Timestamp read_time(ByteReader& reader) {
  return Timestamp(std::chrono::microseconds(reader.integer<std::int64_t>()));
}

void write_list(const std::vector<std::string>& list, ByteWriter& writer) {
  writer.integer(static_cast<std::uint32_t>(list.size()));
  for (const std::string& entry : list) writer.text(entry);
}

void read_list(ByteReader& reader, std::vector<std::string>* out) {
  const auto size = reader.integer<std::uint32_t>();
  // Each entry takes at least its 4-byte length: a size the payload cannot hold is damage.
  if (size > reader.remaining() / 4) {
    reader.raw(reader.remaining() + 1);
    return;
  }
  out->clear();
  for (std::uint32_t i = 0; i < size; ++i) out->emplace_back(reader.text());
}

bool finished(const ByteReader& reader) { return reader.ok() && reader.at_end(); }

}  // namespace

void write_definition(const BatchDefinition& definition, ByteWriter& writer) {
  writer.text(definition.id);
  writer.text(definition.name);
  const Discount& discount = definition.discount;
  writer.integer(static_cast<std::uint8_t>(discount.type));
  writer.integer(discount.amount);
  writer.integer(static_cast<std::int32_t>(discount.percent));
  writer.integer(discount.max_amount);
  writer.integer(discount.min_amount);
  writer.text(discount.sku);
  writer.integer(discount.quantity);
  write_time(definition.valid_from, writer);
  write_time(definition.valid_until, writer);
  writer.integer(definition.max_uses_per_code);
  writer.integer(definition.max_uses_per_customer);
  write_list(definition.scope.channels, writer);
  write_list(definition.scope.stores, writer);
  write_list(definition.scope.categories, writer);
  write_list(definition.scope.skus, writer);
  writer.text(definition.code.prefix);
  writer.integer(definition.code.tag_bits);
  writer.integer(definition.code.group_size);
  write_tagged_fields(definition, writer);
}

void read_definition(ByteReader& reader, BatchDefinition* out, TaggedFields tagged) {
  out->id = reader.text();
  out->name = reader.text();
  Discount& discount = out->discount;
  discount.type = static_cast<DiscountType>(reader.integer<std::uint8_t>());
  discount.amount = reader.integer<Money>();
  discount.percent = reader.integer<std::int32_t>();
  discount.max_amount = reader.integer<Money>();
  discount.min_amount = reader.integer<Money>();
  discount.sku = reader.text();
  discount.quantity = reader.integer<std::int64_t>();
  out->valid_from = read_time(reader);
  out->valid_until = read_time(reader);
  out->max_uses_per_code = reader.integer<std::uint32_t>();
  out->max_uses_per_customer = reader.integer<std::uint32_t>();
  read_list(reader, &out->scope.channels);
  read_list(reader, &out->scope.stores);
  read_list(reader, &out->scope.categories);
  read_list(reader, &out->scope.skus);
  out->code.prefix = reader.text();
  out->code.tag_bits = reader.integer<std::uint32_t>();
  out->code.group_size = reader.integer<std::uint32_t>();
  if (tagged == TaggedFields::present ||
      (tagged == TaggedFields::if_any_left && !reader.at_end())) {
    read_tagged_fields(reader, out);
  }
}

void encode(const BatchCreated& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.number);
  write_definition(record.definition, writer);
}

bool decode(std::string_view payload, BatchCreated* out) {
  ByteReader reader(payload);
  out->number = reader.integer<std::uint32_t>();
  read_definition(reader, &out->definition, TaggedFields::if_any_left);
  return finished(reader);
}

void encode(const CodesGenerated& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.batch_number);
  writer.integer(record.first_serial);
  writer.integer(record.count);
}

bool decode(std::string_view payload, CodesGenerated* out) {
  ByteReader reader(payload);
  out->batch_number = reader.integer<std::uint32_t>();
  out->first_serial = reader.integer<std::uint64_t>();
  out->count = reader.integer<std::uint64_t>();
  return finished(reader);
}

void encode(const CodesLoaded& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.batch_number);
  writer.integer(static_cast<std::uint64_t>(record.codes.size()));
  for (const BoundCode& code : record.codes) {
    write_key(code.key, writer);
    writer.integer(code.customer_hash);
    writer.text(code.customer);
    writer.text(code.segment);
  }
}

bool decode(std::string_view payload, CodesLoaded* out) {
  ByteReader reader(payload);
  out->batch_number = reader.integer<std::uint32_t>();
  const auto count = reader.integer<std::uint64_t>();
  constexpr std::size_t code_bytes_min = 16 + 8 + 4 + 4;
  if (count > reader.remaining() / code_bytes_min) return false;
  out->codes.clear();
  out->codes.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    BoundCode code;
    code.key = read_key(reader);
    code.customer_hash = reader.integer<std::uint64_t>();
    code.customer = reader.text();
    code.segment = reader.text();
    out->codes.push_back(code);
  }
  return finished(reader);
}

void encode(const UseTaken& record, std::string* out) {
  ByteWriter writer(out);
  const store::UseRecord& use = record.use;
  write_key(use.coupon, writer);
  writer.integer(use.order_hash);
  writer.integer(use.redemption_id);
  writer.integer(use.customer_hash);
  write_time(use.at, writer);
  write_time(use.hold_expires_at, writer);
  writer.integer(use.discount_amount);
  writer.integer(use.order_amount);
  writer.integer(static_cast<std::uint8_t>(use.state));
  writer.integer(static_cast<std::uint8_t>(use.has_order_amount));
  writer.text(record.order_id);
  writer.text(record.channel);
  writer.text(record.store);
  writer.text(record.api_key_name);
}

bool decode(std::string_view payload, UseTaken* out) {
  ByteReader reader(payload);
  store::UseRecord& use = out->use;
  use = store::UseRecord();
  use.coupon = read_key(reader);
  use.order_hash = reader.integer<std::uint64_t>();
  use.redemption_id = reader.integer<std::uint64_t>();
  use.customer_hash = reader.integer<std::uint64_t>();
  use.at = read_time(reader);
  use.hold_expires_at = read_time(reader);
  use.discount_amount = reader.integer<Money>();
  use.order_amount = reader.integer<Money>();
  const auto state = reader.integer<std::uint8_t>();
  if (state != static_cast<std::uint8_t>(store::UseState::held) &&
      state != static_cast<std::uint8_t>(store::UseState::redeemed)) {
    return false;
  }
  use.state = static_cast<store::UseState>(state);
  use.has_order_amount = reader.integer<std::uint8_t>() != 0;
  out->order_id = reader.text();
  out->channel = reader.text();
  out->store = reader.text();
  out->api_key_name = reader.text();
  return finished(reader);
}

void encode(const UseChanged& record, std::string* out) {
  ByteWriter writer(out);
  write_key(record.key, writer);
  writer.integer(record.use);
  write_time(record.at, writer);
}

bool decode(std::string_view payload, UseChanged* out) {
  ByteReader reader(payload);
  out->key = read_key(reader);
  out->use = reader.integer<store::UseNumber>();
  out->at = read_time(reader);
  return finished(reader) && out->use != 0;
}

void encode(const CodeRevoked& record, std::string* out) {
  ByteWriter writer(out);
  write_key(record.key, writer);
}

bool decode(std::string_view payload, CodeRevoked* out) {
  ByteReader reader(payload);
  out->key = read_key(reader);
  return finished(reader);
}

void encode(const BatchRevoked& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.batch_number);
}

bool decode(std::string_view payload, BatchRevoked* out) {
  ByteReader reader(payload);
  out->batch_number = reader.integer<std::uint32_t>();
  return finished(reader);
}

void encode(const CodesImportedFromFile& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.file.id);
  writer.integer(record.file.bytes);
  writer.integer(record.file.checksum);
}

bool decode(std::string_view payload, CodesImportedFromFile* out) {
  ByteReader reader(payload);
  out->file.id = reader.integer<std::uint64_t>();
  out->file.bytes = reader.integer<std::uint64_t>();
  out->file.checksum = reader.integer<std::uint64_t>();
  return finished(reader);
}

void encode(const UsesCompacted& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(record.shard_count);
  writer.integer(record.shard_index);
  writer.integer(static_cast<std::uint32_t>(record.dropped.size()));
  for (const store::UseRun& run : record.dropped) {
    writer.integer(run.first);
    writer.integer(run.count);
  }
}

// Runs must be ascending, apart and non-empty: replay drops exactly what they name.
bool decode(std::string_view payload, UsesCompacted* out) {
  ByteReader reader(payload);
  out->shard_count = reader.integer<std::uint32_t>();
  out->shard_index = reader.integer<std::uint32_t>();
  const auto runs = reader.integer<std::uint32_t>();
  if (runs > reader.remaining() / (2 * sizeof(store::UseNumber))) return false;
  out->dropped.clear();
  std::uint64_t next_free = 1;
  for (std::uint32_t i = 0; i < runs; ++i) {
    store::UseRun run;
    run.first = reader.integer<store::UseNumber>();
    run.count = reader.integer<store::UseNumber>();
    if (run.count == 0 || run.first < next_free) return false;
    next_free = std::uint64_t{run.first} + run.count;
    out->dropped.push_back(run);
  }
  return finished(reader) && out->shard_index < out->shard_count;
}

void encode(const ChangesTogether& record, std::string* out) {
  ByteWriter writer(out);
  writer.integer(static_cast<std::uint32_t>(record.changes.size()));
  for (const auto& [type, payload] : record.changes) {
    writer.integer(static_cast<std::uint8_t>(type));
    writer.text(payload);
  }
}

bool decode(std::string_view payload, ChangesTogether* out) {
  ByteReader reader(payload);
  const auto count = reader.integer<std::uint32_t>();
  // Each change takes at least its type and its 4-byte length.
  if (count > reader.remaining() / 5) return false;
  out->changes.clear();
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    const auto type = static_cast<journal::RecordType>(reader.integer<std::uint8_t>());
    out->changes.emplace_back(type, std::string(reader.text()));
  }
  return finished(reader);
}

}  // namespace coupond::records
