// Loading coupons: generating signed codes and importing codes made elsewhere. Each load makes
// room in the table first (CouponTable::reserve), so that its inserts neither rehash nor fail for
// want of space part way.
#include <algorithm>
#include <mutex>
#include <optional>
#include <unordered_set>

#include "codes/code_format.h"
#include "engine/engine_state.h"
#include "journal/fault_point.h"
#include "journal/load_file.h"
#include "rules/text_check.h"

namespace coupond {
namespace {

// Claims serials [first, first + count) of the batch, or fails when the batch's serial space
// (32 bits; 16 for a compact batch) would overflow.
Status claim_serials(const Batch& batch, std::atomic<std::uint64_t>& next_serial,
                     std::uint64_t count, std::uint64_t* first) {
  // Under the catalog lock, which every load holds: the codes issued cannot move meanwhile.
  Status status = batch.check_code_room(count);
  if (!status.is_ok()) return status;
  const std::uint64_t serials_max =
      batch.code_format() == CodeFormat::compact ? compact_batch_codes_max : batch_codes_max;
  std::uint64_t current = next_serial.load(std::memory_order_relaxed);
  do {
    if (count > serials_max - current) {
      return Status::resource_exhausted("a batch holds at most " + std::to_string(serials_max) +
                                        " generated codes");
    }
  } while (!next_serial.compare_exchange_weak(current, current + count));
  *first = current;
  return Status::ok();
}

store::Slot new_slot(const store::CouponKey& key, const Batch& batch, std::uint64_t customer_hash) {
  store::Slot slot;
  slot.key = key;
  slot.customer_hash = customer_hash;
  slot.set_batch_number(batch.number());
  slot.uses_left = batch.definition().max_uses_per_code;
  return slot;
}

std::string check_customer_code(std::string_view customer, std::string_view segment) {
  if (customer.empty()) return "customer is empty";
  std::string error = rules::check_field_text("customer", customer, customer_length_max);
  if (error.empty()) error = rules::check_field_text("segment", segment, segment_length_max);
  return error;
}

// Journals a load before any of its coupons is inserted, so that a coupon a checkout can find is
// always in a record before the checkout's own; and after the table has made room for it, so that
// a load refused for want of space is never in the journal.
Status journal_load(EngineState& state, journal::RecordType type, const auto& record,
                    std::uint64_t* sequence) {
  *sequence = state.journal_change(type, record);
  if (*sequence == 0 && state.journal) {
    return Status::resource_exhausted("this load is too large for one journal record; split it");
  }
  return Status::ok();
}

// Journals an import and loads its codes. A large one's codes go to a file beside the journal
// first (journal/load_file.h), written and synced here, outside every lock; the journal then
// carries only the small record naming the file. Either way the record is appended, and the file
// named after its sequence, before the catalog lock is let go, so a snapshot that covers the
// record finds the file under its final name.
Status journal_import(EngineState& state, Batch& batch, const records::CodesLoaded& record,
                      std::uint64_t* sequence, std::uint64_t* imported) {
  thread_local std::string payload;
  payload.clear();
  if (state.journal) records::encode(record, &payload);
  const bool beside = payload.size() > import_record_inline_bytes_max &&
                      payload.size() <= journal::record_payload_bytes_max;
  journal::LoadFileRef file;
  if (beside) {
    Status written = journal::write_load_file(state.imports_directory(), payload, &file);
    if (!written.is_ok()) return written;
    journal::fault_point("import.file_written");
  }
  std::lock_guard catalog(state.catalog_mutex);
  Status status = state.refuses_changes() ? EngineState::not_primary_status() : Status::ok();
  if (status.is_ok()) status = batch.check_code_room(record.codes.size());
  if (status.is_ok()) status = state.table->reserve(record.codes.size());
  if (status.is_ok() && beside) {
    status = journal_load(state, journal::RecordType::codes_imported_from_file,
                          records::CodesImportedFromFile{file}, sequence);
    if (status.is_ok()) {
      // A failure leaves the file under its pending name, which the record names too: recovery
      // finds it there and names it then.
      (void)journal::name_load_file(state.imports_directory(), file, *sequence);
    }
  } else if (status.is_ok()) {
    status = journal_load(state, journal::RecordType::codes_imported, record, sequence);
  }
  if (!status.is_ok()) {
    if (beside) journal::discard_load_file(state.imports_directory(), file);
    return status;
  }
  return state.load_codes(batch, record.codes, imported);
}

std::vector<records::BoundCode> signed_codes(const Batch& batch, std::uint64_t first,
                                             std::span<const CustomerCode> customers,
                                             const codes::Signer& signer) {
  std::vector<records::BoundCode> codes;
  codes.reserve(customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i) {
    codes.push_back({store::CouponKey::for_signed(batch.number(), static_cast<std::uint32_t>(first + i)),
                     signer.customer_hash(customers[i].customer), customers[i].customer,
                     customers[i].segment});
  }
  return codes;
}

}  // namespace

Status EngineState::insert_coupon(const store::Slot& slot, const store::Binding* binding,
                                  bool* inserted) {
  const std::uint64_t hash = store::hash_key(slot.key);
  store::CouponTable::Shard& shard = table->shard_for(hash);
  std::lock_guard lock(shard.mutex);
  *inserted = false;
  if (shard.slots.find(slot.key, hash) != nullptr) return Status::ok();
  store::Slot* stored = nullptr;
  Status status = shard.slots.insert(slot, hash, &stored);
  if (!status.is_ok()) return status;
  if (binding != nullptr) {
    shard.side.bindings[slot.key] = *binding;
    stored->set_flag(store::slot_flag_has_binding, true);
  }
  count(shard.side, *batches.by_number(slot.batch_number()), Counter::issued, 1);
  *inserted = true;
  return Status::ok();
}

Status EngineState::load_codes(Batch& batch, std::span<const records::BoundCode> codes,
                               std::uint64_t* inserted_count) {
  // From here on lookups must consider imported codes.
  if (std::any_of(codes.begin(), codes.end(), [](const auto& code) { return !code.key.is_signed(); })) {
    has_imported_codes.store(true, std::memory_order_release);
  }
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i == codes.size() / 2) journal::fault_point("load.midway");
    const records::BoundCode& code = codes[i];
    std::optional<store::Binding> binding;
    if (code.customer_hash != 0) {
      // Braces, not parentheses: aggregates take parentheses only from clang 16 on.
      binding.emplace(store::Binding{std::string(code.customer), std::string(code.segment)});
    }
    bool inserted = false;
    const Status status = insert_coupon(new_slot(code.key, batch, code.customer_hash),
                                        binding ? &*binding : nullptr, &inserted);
    if (!status.is_ok()) return status;
    if (inserted) ++*inserted_count;
    if (code.key.is_signed()) raise_next_serial(batch, code.key.signed_serial());
  }
  return Status::ok();
}

Status EngineState::load_generated(Batch& batch, std::uint64_t first, std::uint64_t count_codes) {
  for (std::uint64_t serial = first; serial < first + count_codes; ++serial) {
    if (serial == first + count_codes / 2) journal::fault_point("load.midway");
    bool inserted = false;
    const store::CouponKey key =
        store::CouponKey::for_signed(batch.number(), static_cast<std::uint32_t>(serial));
    const store::Slot slot = new_slot(key, batch, 0);
    const Status status = insert_coupon(slot, nullptr, &inserted);
    if (!status.is_ok()) return status;
  }
  if (count_codes > 0) raise_next_serial(batch, static_cast<std::uint32_t>(first + count_codes - 1));
  return Status::ok();
}

void EngineState::raise_next_serial(Batch& batch, std::uint32_t serial) {
  std::uint64_t current = batch.next_serial_.load(std::memory_order_relaxed);
  while (current <= serial &&
         !batch.next_serial_.compare_exchange_weak(current, std::uint64_t{serial} + 1)) {
  }
}

Status Engine::reserve_coupons(std::uint64_t count) { return state_->table->reserve(count); }

Status Engine::generate(std::string_view batch_id, std::uint64_t count, const CodeSink& sink) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  std::uint64_t first = 0;
  std::uint64_t sequence = 0;
  {
    std::lock_guard catalog(state.catalog_mutex);
    if (state.refuses_changes()) return EngineState::not_primary_status();
    Status status = claim_serials(*batch, batch->next_serial_, count, &first);
    if (status.is_ok()) status = state.table->reserve(count);
    if (!status.is_ok()) return status;
    status = journal_load(state, journal::RecordType::codes_generated,
                          records::CodesGenerated{batch->number(), first, count}, &sequence);
    if (status.is_ok()) status = state.load_generated(*batch, first, count);
    if (!status.is_ok()) return status;
  }
  // Handed out only once loaded and durable: a code the caller sees always validates, even after
  // a crash.
  Status status = state.wait_durable(sequence);
  if (!status.is_ok()) return status;
  const std::uint32_t key_id = state.signer->signing_key_id();
  CodeText text;
  for (std::uint64_t serial = first; serial < first + count; ++serial) {
    state.format_signed_code(*batch, key_id, static_cast<std::uint32_t>(serial), &text);
    sink(text.view());
  }
  return Status::ok();
}

Status Engine::generate_for_customers(std::string_view batch_id,
                                      std::span<const CustomerCode> customers,
                                      const CustomerCodeSink& sink) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  for (std::size_t i = 0; i < customers.size(); ++i) {
    const std::string error = check_customer_code(customers[i].customer, customers[i].segment);
    if (!error.empty()) {
      return Status::invalid_argument("customers[" + std::to_string(i) + "]: " + error);
    }
  }
  std::uint64_t first = 0;
  std::uint64_t sequence = 0;
  {
    std::lock_guard catalog(state.catalog_mutex);
    if (state.refuses_changes()) return EngineState::not_primary_status();
    Status status = claim_serials(*batch, batch->next_serial_, customers.size(), &first);
    if (status.is_ok()) status = state.table->reserve(customers.size());
    if (!status.is_ok()) return status;
    records::CodesLoaded record{batch->number(),
                                signed_codes(*batch, first, customers, *state.signer)};
    status = journal_load(state, journal::RecordType::codes_generated_for_customers, record,
                          &sequence);
    std::uint64_t inserted = 0;
    if (status.is_ok()) status = state.load_codes(*batch, record.codes, &inserted);
    if (!status.is_ok()) return status;
  }
  Status status = state.wait_durable(sequence);
  if (!status.is_ok()) return status;
  const std::uint32_t key_id = state.signer->signing_key_id();
  CodeText text;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    state.format_signed_code(*batch, key_id, static_cast<std::uint32_t>(first + i), &text);
    sink(customers[i].customer, text.view());
  }
  return Status::ok();
}

Status Engine::import_codes(std::string_view batch_id, std::span<const ImportLine> lines,
                            ImportResult* out) {
  if (state_->refuses_changes()) return EngineState::not_primary_status();
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  *out = ImportResult();

  // First every line is checked and keyed; nothing is inserted until all are.
  records::CodesLoaded record{batch->number(), {}};
  record.codes.reserve(lines.size());
  std::unordered_set<store::CouponKey, store::CouponKeyHasher> seen;
  codes::NormalizedCode normalized;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImportLine& line = lines[i];
    if (!codes::normalize_imported(line.code, &normalized)) {
      out->rejected.push_back({i + 1, "code must be 1 to 64 letters and digits"});
      continue;
    }
    // A router sends a code to the partition its first characters name: one that does not begin
    // with its batch's partition could never be reached.
    if (!normalized.view().starts_with(batch->definition().partition)) {
      out->rejected.push_back(
          {i + 1, "code must begin with the batch's partition, " + batch->definition().partition});
      continue;
    }
    if (!line.customer.empty() || !line.segment.empty()) {
      std::string error = check_customer_code(line.customer, line.segment);
      if (!error.empty()) {
        out->rejected.push_back({i + 1, std::move(error)});
        continue;
      }
    }
    const codes::Hash128 hash = state.signer->lookup_hash(normalized.view());
    const store::CouponKey key = store::CouponKey::for_imported(hash.high, hash.low);
    if (!seen.insert(key).second) {
      ++out->duplicates;
      continue;
    }
    const std::uint64_t customer_hash =
        line.customer.empty() ? 0 : state.signer->customer_hash(line.customer);
    record.codes.push_back({key, customer_hash, line.customer, line.segment});
  }

  std::uint64_t sequence = 0;
  Status status = journal_import(state, *batch, record, &sequence, &out->imported);
  if (!status.is_ok()) return status;
  out->duplicates += record.codes.size() - out->imported;
  return state.wait_durable(sequence);
}

}  // namespace coupond
