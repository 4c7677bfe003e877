// Engine start-up, batches and sizes. The checkout operations are in checkout.cpp, loading in
// loading.cpp, revoke and describe in operators.cpp.
#include "coupond/engine.h"

#include <system_error>

#include "codes/code_format.h"
#include "engine/engine_state.h"
#include "rules/rules.h"
#include "rules/time_text.h"

namespace coupond {

Batch::Batch(BatchDefinition definition, std::uint32_t number, std::string folded_prefix)
    : definition_(std::move(definition)),
      number_(number),
      tag_chars_(codes::tag_chars_for_bits(definition_.code.tag_bits)),
      folded_prefix_(std::move(folded_prefix)) {}

BatchStats Batch::stats() const {
  BatchStats stats;
  stats.issued = issued_.load(std::memory_order_relaxed);
  stats.redeemed = redeemed_.load(std::memory_order_relaxed);
  stats.rolled_back = rolled_back_.load(std::memory_order_relaxed);
  stats.held = held_.load(std::memory_order_relaxed);
  stats.revoked = is_revoked() ? stats.issued : revoked_codes_.load(std::memory_order_relaxed);
  return stats;
}

Engine::Engine(std::unique_ptr<EngineState> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

Status Engine::open(const EngineOptions& options, std::unique_ptr<Engine>* out) {
  if (options.data_dir.empty()) return Status::invalid_argument("a data directory is required");
  if (options.shard_bits > shard_bits_max) {
    return Status::invalid_argument("shard_bits must be at most " + std::to_string(shard_bits_max));
  }
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return Status::io_error("cannot create " + options.data_dir.string() + ": " + error.message());
  }
  auto state = std::make_unique<EngineState>();
  state->options = options;
  state->clock = options.clock != nullptr ? options.clock : &state->system_clock;
  const std::filesystem::path key_file =
      options.key_file.empty() ? options.data_dir / "keys" : options.key_file;
  Status status = codes::Signer::open(key_file, /*create_if_missing=*/true, &state->signer);
  if (!status.is_ok()) return status;
  status = store::CouponTable::create(options.data_dir / "table", options.shard_bits, &state->table);
  if (!status.is_ok()) return status;
  state->customer_usage = std::make_unique<store::CustomerUsage>(options.shard_bits);
  *out = std::unique_ptr<Engine>(new Engine(std::move(state)));
  return Status::ok();
}

Status Engine::create_batch(BatchDefinition definition, const Batch** out) {
  Status status = check_batch_definition(definition);
  if (!status.is_ok()) return status;
  codes::NormalizedCode prefix;
  if (!definition.code.prefix.empty() && !codes::normalize_prefix(definition.code.prefix, &prefix)) {
    return Status::invalid_argument("code.prefix must be letters and digits");
  }
  std::string folded_prefix(definition.code.prefix.empty() ? std::string_view() : prefix.view());
  Batch* batch = nullptr;
  status = state_->batches.add(std::move(definition), std::move(folded_prefix), &batch);
  if (!status.is_ok()) return status;
  *out = batch;
  return Status::ok();
}

const Batch* Engine::find_batch(std::string_view id) const { return state_->batches.by_id(id); }

std::vector<const Batch*> Engine::batches() const { return state_->batches.all(); }

std::uint64_t Engine::coupon_count() { return state_->table->count(); }

std::uint64_t Engine::table_bytes() { return state_->table->size_bytes(); }

Timestamp Engine::now() const { return state_->clock->now(); }

std::string explain(const Outcome& outcome) {
  if (!outcome.request_error.empty()) return std::string(outcome.request_error);
  const Batch* batch = outcome.batch;
  if (batch != nullptr) {
    const BatchDefinition& definition = batch->definition();
    switch (outcome.reason) {
      case Reason::expired:
        return "coupon expired at " + format_rfc3339_utc(definition.valid_until);
      case Reason::not_yet_valid:
        return "coupon is valid from " + format_rfc3339_utc(definition.valid_from);
      case Reason::min_amount_not_met:
        if (definition.discount.type == DiscountType::threshold) {
          return "this coupon needs an order of at least " +
                 std::to_string(definition.discount.min_amount) + " (minor units)";
        }
        return "this coupon needs order.amount";
      case Reason::customer_limit_reached:
        return "this customer has already used " +
               std::to_string(definition.max_uses_per_customer) +
               " coupon(s) of this campaign, the limit";
      default:
        break;
    }
  }
  return std::string(reason_sentence(outcome.reason));
}

}  // namespace coupond
