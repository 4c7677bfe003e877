// Loading coupons: generating signed codes and importing codes made elsewhere. Each load makes
// room in the table first (CouponTable::reserve), so that its inserts neither rehash nor fail for
// want of space part way.
#include <mutex>
#include <unordered_set>

#include "codes/code_format.h"
#include "engine/engine_state.h"

namespace coupond {
namespace {

// Claims serials [first, first + count) of the batch, or fails when the batch's 32-bit serial
// space would overflow.
Status claim_serials(std::atomic<std::uint64_t>& next_serial, std::uint64_t count,
                     std::uint64_t* first) {
  std::uint64_t current = next_serial.load(std::memory_order_relaxed);
  do {
    if (count > batch_codes_max - current) {
      return Status::resource_exhausted("a batch holds at most 4294967296 generated codes");
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

// Inserts a coupon unless its key is already loaded (*inserted tells which). binding, when not
// null, records the bound customer's text and segment beside the slot.
Status insert_coupon(EngineState& state, const store::Slot& slot, const store::Binding* binding,
                     bool* inserted) {
  const std::uint64_t hash = store::hash_key(slot.key);
  store::CouponTable::Shard& shard = state.table->shard_for(hash);
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
  *inserted = true;
  return Status::ok();
}

std::string_view check_customer_code(std::string_view customer, std::string_view segment) {
  if (customer.empty()) return "customer is empty";
  if (customer.size() > customer_length_max) return "customer is longer than 128 characters";
  if (segment.size() > segment_length_max) return "segment is longer than 64 characters";
  return {};
}

}  // namespace

Status Engine::generate(std::string_view batch_id, std::uint64_t count, const CodeSink& sink) {
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  std::uint64_t first = 0;
  Status status = claim_serials(batch->next_serial_, count, &first);
  if (!status.is_ok()) return status;
  status = state.table->reserve(count);
  if (!status.is_ok()) return status;
  const std::uint32_t key_id = state.signer->signing_key_id();
  CodeText text;
  for (std::uint64_t serial = first; serial < first + count; ++serial) {
    const auto serial32 = static_cast<std::uint32_t>(serial);
    bool inserted = false;
    status = insert_coupon(
        state, new_slot(store::CouponKey::for_signed(batch->number(), serial32), *batch, 0),
        nullptr, &inserted);
    if (!status.is_ok()) return status;
    batch->issued_.fetch_add(1, std::memory_order_relaxed);
    // Handed out only once loaded: a code the caller sees always validates.
    state.format_signed_code(*batch, key_id, serial32, &text);
    sink(text.view());
  }
  return Status::ok();
}

Status Engine::generate_for_customers(std::string_view batch_id,
                                      std::span<const CustomerCode> customers,
                                      const CustomerCodeSink& sink) {
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  for (std::size_t i = 0; i < customers.size(); ++i) {
    std::string_view error = check_customer_code(customers[i].customer, customers[i].segment);
    if (!error.empty()) {
      return Status::invalid_argument("customers[" + std::to_string(i) + "]: " + std::string(error));
    }
  }
  std::uint64_t first = 0;
  Status status = claim_serials(batch->next_serial_, customers.size(), &first);
  if (!status.is_ok()) return status;
  status = state.table->reserve(customers.size());
  if (!status.is_ok()) return status;
  const std::uint32_t key_id = state.signer->signing_key_id();
  CodeText text;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    const auto serial = static_cast<std::uint32_t>(first + i);
    const CustomerCode& customer = customers[i];
    const store::Binding binding{std::string(customer.customer), std::string(customer.segment)};
    const store::Slot slot = new_slot(store::CouponKey::for_signed(batch->number(), serial), *batch,
                                      state.signer->customer_hash(customer.customer));
    bool inserted = false;
    status = insert_coupon(state, slot, &binding, &inserted);
    if (!status.is_ok()) return status;
    batch->issued_.fetch_add(1, std::memory_order_relaxed);
    state.format_signed_code(*batch, key_id, serial, &text);
    sink(customer.customer, text.view());
  }
  return Status::ok();
}

Status Engine::import_codes(std::string_view batch_id, std::span<const ImportLine> lines,
                            ImportResult* out) {
  EngineState& state = *state_;
  Batch* batch = state.batches.by_id(batch_id);
  if (batch == nullptr) return Status::not_found("no batch " + std::string(batch_id));
  *out = ImportResult();

  // First every line is checked and keyed; nothing is inserted until all are.
  struct Accepted {
    store::Slot slot;
    store::Binding binding;
  };
  std::vector<Accepted> accepted;
  accepted.reserve(lines.size());
  std::unordered_set<store::CouponKey, store::CouponKeyHasher> seen;
  codes::NormalizedCode normalized;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImportLine& line = lines[i];
    if (!codes::normalize_imported(line.code, &normalized)) {
      out->rejected.push_back({i + 1, "code must be 1 to 64 letters and digits"});
      continue;
    }
    if (!line.customer.empty() || !line.segment.empty()) {
      std::string_view error = check_customer_code(line.customer, line.segment);
      if (!error.empty()) {
        out->rejected.push_back({i + 1, std::string(error)});
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
    accepted.push_back({new_slot(key, *batch, customer_hash),
                        store::Binding{std::string(line.customer), std::string(line.segment)}});
  }

  Status status = state.table->reserve(accepted.size());
  if (!status.is_ok()) return status;
  // From here on lookups must consider imported codes.
  state.has_imported_codes.store(true, std::memory_order_release);
  for (const Accepted& coupon : accepted) {
    bool inserted = false;
    const bool bound = coupon.slot.customer_hash != 0;
    status = insert_coupon(state, coupon.slot, bound ? &coupon.binding : nullptr, &inserted);
    if (!status.is_ok()) return status;
    if (inserted) {
      ++out->imported;
      batch->issued_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ++out->duplicates;
    }
  }
  return Status::ok();
}

}  // namespace coupond
