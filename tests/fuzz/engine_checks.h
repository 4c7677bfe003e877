// What the targets that open an engine from files (snapshot_reader, recovery) do once it opened:
// use the seeds' coupons, whose slots, uses and bindings came from the fuzzed files, and check
// that a snapshot of what was opened opens again to the same figures.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "coupond/engine.h"
#include "fuzz_support.h"

namespace coupond::fuzz {

// An engine over data_dir with the fixed keys the seeds were made with; nothing synced.
inline EngineOptions engine_options(const std::filesystem::path& data_dir) {
  EngineOptions options;
  options.data_dir = data_dir;
  options.key_file = scratch_directory() / "keys";
  static const bool keys_written = (write_fixed_key_file(options.key_file), true);
  (void)keys_written;
  options.shard_bits = 0;
  options.durability = Durability::none;
  // The journal writes each segment whole with zeros before its first record: small ones, so
  // that an input costs its records, not 64 MiB of zeros.
  options.journal_segment_bytes_max = 64 << 10;
  return options;
}

// Describes each seed coupon, takes a use of it and gives it back; then looks up a code that is
// not there, which probes the slots until an empty one.
inline void use_seed_coupons(Engine& engine) {
  CouponRequest request;
  request.customer = "cust-3";
  request.order.amount = 10'000;
  request.order.channel = "app";
  request.order_id = "fuzz-order";
  for (std::string_view code : seed_imported_codes) {
    request.code = code;
    CouponDescription description;
    engine.describe_coupon(code, &description);
    engine.validate(request);
    engine.redeem(request);
    engine.rollback(code, request.order_id);
  }
  request.code = "FUZZ-0001";
  engine.validate(request);
}

struct Figures {
  std::uint64_t coupons = 0;
  std::map<std::string, BatchStats> by_batch;

  explicit Figures(Engine& engine) : coupons(engine.coupon_count()) {
    for (const Batch* batch : engine.batches()) {
      BatchReport report;
      FUZZ_REQUIRE(engine.batch_report(batch->id(), &report).is_ok());
      by_batch[batch->id()] = report.counts;
    }
  }
  bool operator==(const Figures& other) const {
    if (coupons != other.coupons || by_batch.size() != other.by_batch.size()) return false;
    for (const auto& [id, a] : by_batch) {
      const auto found = other.by_batch.find(id);
      if (found == other.by_batch.end()) return false;
      const BatchStats& b = found->second;
      if (a.issued != b.issued || a.redeemed != b.redeemed || a.rolled_back != b.rolled_back ||
          a.revoked != b.revoked || a.held != b.held) {
        return false;
      }
    }
    return true;
  }
};

// Snapshots the engine, opens it again from that snapshot, and requires the same figures.
inline void check_snapshot_round_trip(const EngineOptions& options, std::unique_ptr<Engine>& engine) {
  const Figures before(*engine);
  SnapshotInfo written;
  FUZZ_REQUIRE(engine->snapshot(&written).is_ok());
  engine.reset();
  FUZZ_REQUIRE(Engine::open(options, &engine).is_ok());
  FUZZ_REQUIRE(engine->recovery().snapshot == written.path);
  FUZZ_REQUIRE(Figures(*engine) == before);
}

}  // namespace coupond::fuzz
