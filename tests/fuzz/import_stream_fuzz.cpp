// Fuzzes the CSV import stream (src/api/import_stream.*): the same body fed whole to one engine
// and in chunks cut at fuzzer-chosen places to a second must give the same answer, since the
// HTTP layer hands a streamed import over in whatever pieces the network made. Both engines get
// every import in the same order, so they stay alike; they are replaced every few thousand runs
// to keep their tables small.
#include <memory>
#include <string>
#include <vector>

#include "api/import_stream.h"
#include "coupond/engine.h"
#include "fuzz_support.h"

using namespace coupond;

namespace {

constexpr int runs_per_engine = 2'000;
const std::string batch_id = "imports";

std::unique_ptr<Engine> open_engine(const std::string& name) {
  static int generation = 0;
  EngineOptions options;
  options.data_dir = fuzz::scratch_directory() / (name + std::to_string(generation++));
  std::filesystem::remove_all(options.data_dir);
  options.shard_bits = 1;
  options.durability = Durability::none;
  std::unique_ptr<Engine> engine;
  if (!Engine::open(options, &engine).is_ok()) std::abort();
  BatchDefinition batch;
  batch.id = batch_id;
  batch.discount.amount = 100;
  batch.valid_from = Timestamp(std::chrono::microseconds(0));
  batch.valid_until = Timestamp(std::chrono::hours(24 * 365 * 100));
  batch.max_uses_per_code = 1;
  const Batch* created = nullptr;
  if (!engine->create_batch(batch, &created).is_ok()) std::abort();
  return engine;
}

struct EnginePair {
  std::unique_ptr<Engine> whole, chunked;
  int runs = 0;
};

EnginePair& engines() {
  static EnginePair pair;
  if (pair.runs++ % runs_per_engine == 0) {
    // Each engine removes nothing of its directory when it closes: do it here.
    for (auto* engine : {&pair.whole, &pair.chunked}) engine->reset();
    std::filesystem::remove_all(fuzz::scratch_directory());
    std::filesystem::create_directories(fuzz::scratch_directory());
    pair.whole = open_engine("whole");
    pair.chunked = open_engine("chunked");
  }
  return pair;
}

// Chunk sizes from a seed the fuzzer chose: 1 to 16 bytes, or longer runs when the seed says so.
std::vector<std::string_view> chunks_of(std::string_view body, std::uint64_t seed) {
  std::vector<std::string_view> chunks;
  const std::size_t size_max = (seed & 1) != 0 ? 16 : 256;
  while (!body.empty()) {
    seed = seed * 6364136223846793005u + 1442695040888963407u;  // an LCG step: any mixing will do
    const std::size_t size = std::min(body.size(), 1 + (seed >> 33) % size_max);
    chunks.push_back(body.substr(0, size));
    body.remove_prefix(size);
  }
  return chunks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::FuzzBytes bytes(data, size);
  const auto seed = bytes.integer<std::uint64_t>();
  const std::string_view body = bytes.rest();
  EnginePair& pair = engines();

  api::ImportStream whole;
  whole.consume(body);
  const api::ApiResponse whole_answer = whole.finish(*pair.whole, batch_id);

  api::ImportStream chunked;
  for (std::string_view chunk : chunks_of(body, seed)) chunked.consume(chunk);
  const api::ApiResponse chunked_answer = chunked.finish(*pair.chunked, batch_id);

  FUZZ_REQUIRE(whole_answer.status == chunked_answer.status);
  FUZZ_REQUIRE(whole_answer.body == chunked_answer.body);
  FUZZ_REQUIRE(pair.whole->coupon_count() == pair.chunked->coupon_count());
  return 0;
}
