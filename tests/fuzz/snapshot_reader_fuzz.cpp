// Fuzzes the snapshot reader (src/engine/snapshot_reader.cpp) through Engine::open, over a data
// directory holding one snapshot made from the input. The input is either the whole file, or a
// body the harness wraps in a header with the right checksums, so that the fuzzer reaches the
// catalog and shard sections instead of stopping at the checksum.
//
// Properties: opening either refuses or gives an engine whose figures can be read and whose
// table answers lookups; and an engine that opened writes a snapshot that opens again to the
// same coupons and batch figures.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstddef>
#include <map>

#include "coupond/engine.h"
#include "engine/snapshot_format.h"
#include "fuzz_support.h"

using namespace coupond;

namespace {

constexpr std::uint64_t covered_sequence = 7;

std::string wrapped_body(fuzz::FuzzBytes& bytes) {
  snapshot_format::Header header;
  header.shard_count = 1u << (bytes.byte() % 3);
  header.covered_sequence = covered_sequence;
  header.coupons = bytes.byte();
  const std::string_view body = bytes.rest();
  header.body_bytes = body.size();
  header.body_checksum = XXH3_64bits(body.data(), body.size());
  header.header_checksum = XXH3_64bits(&header, offsetof(snapshot_format::Header, header_checksum));
  return std::string(reinterpret_cast<const char*>(&header), sizeof(header)).append(body);
}

// What a reader of the engine sees: coupons, and each batch's figures.
std::map<std::string, BatchStats> figures(Engine& engine, std::uint64_t* coupons) {
  *coupons = engine.coupon_count();
  std::map<std::string, BatchStats> by_batch;
  for (const Batch* batch : engine.batches()) {
    BatchReport report;
    FUZZ_REQUIRE(engine.batch_report(batch->id(), &report).is_ok());
    by_batch[batch->id()] = report.counts;
  }
  return by_batch;
}

bool same(const BatchStats& a, const BatchStats& b) {
  return a.issued == b.issued && a.redeemed == b.redeemed && a.rolled_back == b.rolled_back &&
         a.revoked == b.revoked && a.held == b.held;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const bool raw = (bytes.byte() & 1) != 0;
  EngineOptions options;
  options.data_dir = fuzz::scratch_directory() / "data";
  options.key_file = fuzz::scratch_directory() / "keys";
  static const bool keys_written = (fuzz::write_fixed_key_file(options.key_file), true);
  (void)keys_written;
  options.shard_bits = 0;
  options.durability = Durability::none;
  std::filesystem::remove_all(options.data_dir);
  std::filesystem::create_directories(options.data_dir / "snapshots");
  const std::string file = raw ? std::string(bytes.rest()) : wrapped_body(bytes);
  // A whole file is named after the sequence its header gives, as the writer names it.
  snapshot_format::Header header;
  std::memcpy(&header, file.data(), std::min(file.size(), sizeof(header)));
  const std::uint64_t sequence = raw ? header.covered_sequence : covered_sequence;
  fuzz::write_file(options.data_dir / "snapshots" / snapshot_format::file_name(sequence), file);

  std::unique_ptr<Engine> engine;
  if (!Engine::open(options, &engine).is_ok()) return 0;
  // The seeds' codes lead to restored slots, their uses and bindings: describe them, and take
  // and give back a use of each. A code that is not there probes until an empty slot.
  CouponRequest request;
  request.customer = "cust-3";
  request.order.amount = 10'000;
  request.order.channel = "app";
  request.order_id = "fuzz-order";
  for (std::string_view code : fuzz::seed_imported_codes) {
    request.code = code;
    CouponDescription description;
    engine->describe_coupon(code, &description);
    engine->validate(request);
    engine->redeem(request);
    engine->rollback(code, request.order_id);
  }
  request.code = "FUZZ-0001";
  engine->validate(request);
  std::uint64_t coupons = 0;
  const std::map<std::string, BatchStats> before = figures(*engine, &coupons);
  if (engine->recovery().snapshot.empty()) return 0;  // the snapshot was passed over

  SnapshotInfo written;
  FUZZ_REQUIRE(engine->snapshot(&written).is_ok());
  engine.reset();
  FUZZ_REQUIRE(Engine::open(options, &engine).is_ok());
  FUZZ_REQUIRE(engine->recovery().snapshot == written.path);
  std::uint64_t coupons_again = 0;
  const std::map<std::string, BatchStats> after = figures(*engine, &coupons_again);
  FUZZ_REQUIRE(coupons_again == coupons);
  FUZZ_REQUIRE(after.size() == before.size());
  for (const auto& [id, stats] : before) FUZZ_REQUIRE(after.contains(id) && same(after.at(id), stats));
  return 0;
}
