// Fuzzes the snapshot reader (src/persist/snapshot_reader.cpp) through Engine::open, over a data
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

#include "persist/snapshot_format.h"
#include "engine_checks.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const bool raw = (bytes.byte() & 1) != 0;
  const EngineOptions options = fuzz::engine_options(fuzz::scratch_directory() / "data");
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
  fuzz::use_seed_coupons(*engine);
  if (engine->recovery().snapshot.empty()) return 0;  // the snapshot was passed over
  fuzz::check_snapshot_round_trip(options, engine);
  return 0;
}
