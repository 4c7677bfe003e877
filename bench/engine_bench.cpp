// The engine's hot paths over a table of ten million coupons (COUPOND_BENCH_COUPONS overrides):
// validate of a random existing code, its miss and forged variants, an in-memory redemption, and
// the loading figures (generation rate, bytes per coupon). Compare each with
// BM_HmacSha256Reference from codes_bench.cpp, the HMAC every validation must pay, and
// BM_ValidateHit with BM_HmacRandomReadReference, that HMAC plus one random read of the table's
// size: the scorecard's in-process validate figure.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_batch.h"
#include "codes/code_format.h"
#include "codes/signer.h"
#include "coupond/engine.h"

namespace coupond {
namespace {

constexpr std::size_t code_stride = 48;  // room for the longest default code, NUL-padded

std::uint64_t bench_coupons() {
  const char* text = std::getenv("COUPOND_BENCH_COUPONS");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 10'000'000;
}

std::filesystem::path make_directory(const char* name) {
  std::string pattern = (std::filesystem::temp_directory_path() / name).string() + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

// One engine with bench_coupons() codes, built once and shared by the benchmarks; plus codes that
// are signed with the same key but never loaded here (for misses), made by a twin engine.
struct BigTable {
  std::filesystem::path directory = make_directory("coupond-bench");
  std::unique_ptr<Engine> engine;
  std::vector<char> codes;  // fixed stride, so ten million codes cost one allocation
  std::vector<std::string> unloaded;
  // A million distinct codes in random order, laid out one after another: a benchmark reads them
  // in sequence, as requests arrive from the network already in cache, while their slots are
  // scattered over the whole table.
  std::vector<char> sample;
  std::uint64_t sample_count = 0;
  std::uint64_t count = bench_coupons();
  double generate_seconds = 0;

  BigTable() {
    EngineOptions options;
    options.data_dir = directory;
    if (!Engine::open(options, &engine).is_ok()) std::abort();
    const Batch* batch = nullptr;
    if (!engine->create_batch(bench_batch("d11"), &batch).is_ok()) std::abort();
    if (!engine->create_batch(bench_batch("d11-unloaded"), &batch).is_ok()) std::abort();
    codes.resize(count * code_stride);
    std::uint64_t next = 0;
    const auto start = std::chrono::steady_clock::now();
    const Status status = engine->generate("d11", count, [&](std::string_view code) {
      std::memcpy(&codes[next++ * code_stride], code.data(), code.size());
    });
    generate_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!status.is_ok()) std::abort();
    make_unloaded_codes(options.data_dir / "keys");
    make_sample();
  }

  void make_sample() {
    sample_count = std::min<std::uint64_t>(count, 1u << 20);
    sample.resize(sample_count * code_stride);
    // Distinct picks: a stride coprime with count walks a permutation of the codes.
    const std::uint64_t stride = 2'654'435'761u;
    for (std::uint64_t i = 0; i < sample_count; ++i) {
      std::memcpy(&sample[i * code_stride], &codes[(i * stride) % count * code_stride], code_stride);
    }
    codes = std::vector<char>();  // 480 MB that no benchmark reads again
  }

  std::string_view sample_code(std::uint64_t index) const {
    const char* start = &sample[(index % sample_count) * code_stride];
    return {start, ::strnlen(start, code_stride)};
  }
  ~BigTable() {
    engine.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
  }

  void make_unloaded_codes(const std::filesystem::path& key_file) {
    EngineOptions options;
    options.data_dir = directory / "twin";
    options.key_file = key_file;
    options.shard_bits = 2;
    std::unique_ptr<Engine> twin;
    const Batch* batch = nullptr;
    if (!Engine::open(options, &twin).is_ok()) std::abort();
    if (!twin->create_batch(bench_batch("d11"), &batch).is_ok()) std::abort();
    if (!twin->create_batch(bench_batch("d11-unloaded"), &batch).is_ok()) std::abort();
    // Batch number 2 exists in both engines with the same key, but only the twin loaded codes.
    // Enough of them that their home slots do not all stay in cache.
    (void)twin->generate("d11-unloaded", 1u << 18,
                         [&](std::string_view code) { unloaded.emplace_back(code); });
  }

};

BigTable& big_table() {
  static BigTable table;
  return table;
}

CouponRequest checkout_request() {
  CouponRequest request;
  request.order.amount = 12900;
  request.order.channel = "app";
  return request;
}

void BM_ValidateHit(benchmark::State& state) {
  BigTable& table = big_table();
  CouponRequest request = checkout_request();
  benchmark::IterationCount valid = 0;
  std::uint64_t next = 0;
  for (auto _ : state) {
    request.code = table.sample_code(next++);
    valid += table.engine->validate(request).ok();
  }
  if (valid != state.iterations()) state.SkipWithError("a generated code did not validate");
}
BENCHMARK(BM_ValidateHit);

void BM_ValidateMiss(benchmark::State& state) {
  BigTable& table = big_table();
  CouponRequest request = checkout_request();
  std::size_t next = 0;
  for (auto _ : state) {
    request.code = table.unloaded[next++ % table.unloaded.size()];
    const Outcome outcome = table.engine->validate(request);
    if (outcome.reason != Reason::unknown_code) state.SkipWithError("expected unknown_code");
  }
}
BENCHMARK(BM_ValidateMiss);

// Validates the codes in turn, each of which must come back invalid_code.
void validate_invalid_codes(benchmark::State& state, const std::vector<std::string>& codes) {
  BigTable& table = big_table();
  CouponRequest request = checkout_request();
  std::size_t next = 0;
  for (auto _ : state) {
    request.code = codes[next++ % codes.size()];
    if (table.engine->validate(request).reason != Reason::invalid_code) {
      state.SkipWithError("a bad code was not rejected as invalid_code");
    }
  }
}

// Codes whose tag is wrong but whose header is intact, as a forger who knows the format would
// build them: the HMAC must run to reject them (no table lookup follows).
void BM_ValidateForged(benchmark::State& state) {
  BigTable& table = big_table();
  std::vector<std::string> forged;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    codes::NormalizedCode normalized;
    codes::SignedCodeParts parts;
    if (!codes::normalize_signed(table.sample_code(i), &normalized) ||
        codes::parse_signed(normalized, &parts) != codes::ParseError::none) {
      std::abort();
    }
    char text[code_text_max];
    const std::size_t size =
        codes::format_signed(parts.prefix, parts.header, parts.tag ^ 1, 4, text, sizeof(text));
    forged.emplace_back(text, size);
  }
  validate_invalid_codes(state, forged);
}
BENCHMARK(BM_ValidateForged);

// A typo in the tag: the whitened header then names no batch of ours, so the code is rejected
// from its text alone, before the HMAC.
void BM_ValidateMistyped(benchmark::State& state) {
  BigTable& table = big_table();
  std::vector<std::string> mistyped;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    std::string code(table.sample_code(i));
    char& c = code[4];  // first tag character after "D11-"
    c = c == 'Z' ? 'Y' : 'Z';
    mistyped.push_back(std::move(code));
  }
  validate_invalid_codes(state, mistyped);
}
BENCHMARK(BM_ValidateMistyped);

// The same validation over a table small enough to stay in cache (20,000 coupons): the compute
// part of BM_ValidateHit, without the memory latency of a random lookup in a large table.
void BM_ValidateHitInCache(benchmark::State& state) {
  const auto directory = make_directory("coupond-small");
  EngineOptions options;
  options.data_dir = directory;
  std::unique_ptr<Engine> engine;
  const Batch* batch = nullptr;
  if (!Engine::open(options, &engine).is_ok()) std::abort();
  if (!engine->create_batch(bench_batch("small"), &batch).is_ok()) std::abort();
  std::vector<std::string> codes;
  if (!engine->generate("small", 20'000, [&](std::string_view code) { codes.emplace_back(code); })
           .is_ok()) {
    std::abort();
  }
  CouponRequest request = checkout_request();
  std::size_t next = 0;
  benchmark::IterationCount valid = 0;
  for (auto _ : state) {
    request.code = codes[next++ % codes.size()];
    valid += engine->validate(request).ok();
  }
  if (valid != state.iterations()) state.SkipWithError("a generated code did not validate");
  engine.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_ValidateHitInCache);

// The machine's price of one random memory access in a table of this size: a chain of dependent
// loads over as many bytes as the 10M-coupon table. A validation that must wait for its slot pays
// this on top of its computation, less what the prefetch overlaps with the HMAC.
void BM_RandomAccessReference(benchmark::State& state) {
  BigTable& table = big_table();
  const std::size_t lines = table.engine->table_bytes() / 64;
  std::vector<std::uint64_t> next_line(lines * 8);
  std::vector<std::uint64_t> order(lines);
  for (std::uint64_t i = 0; i < lines; ++i) order[i] = i;
  std::mt19937_64 random(3);
  std::shuffle(order.begin(), order.end(), random);
  for (std::uint64_t i = 0; i < lines; ++i) next_line[order[i] * 8] = order[(i + 1) % lines] * 8;
  std::uint64_t at = order[0] * 8;
  for (auto _ : state) {
    at = next_line[at];
    benchmark::DoNotOptimize(at);
  }
}
BENCHMARK(BM_RandomAccessReference);

// What a validation cannot avoid, measured in the same run as BM_ValidateHit for the scorecard's
// ratio: one HMAC of a sample code's header with the signer the engine loaded (Signer::open on the
// engine's key file: the same precomputed key states), then one random 8-byte read in a buffer as
// large as the table. The read's address comes from the HMAC's output, so the two are paid one
// after the other, as a lookup that waited for its verification would pay them; the engine's
// prefetch may overlap them and come in under this.
void BM_HmacRandomReadReference(benchmark::State& state) {
  BigTable& table = big_table();
  std::unique_ptr<codes::Signer> signer;
  if (!codes::Signer::open(table.directory / "keys", /*create_if_missing=*/false, &signer)
           .is_ok()) {
    return state.SkipWithError("the engine's key file did not load");
  }
  struct Signed {
    std::uint64_t packed_header;
    std::uint32_t key_id;
    std::uint32_t tag_bits;
  };
  std::vector<Signed> headers(table.sample_count);
  for (std::uint64_t i = 0; i < table.sample_count; ++i) {
    codes::NormalizedCode normalized;
    codes::SignedCodeParts parts;
    if (!codes::normalize_signed(table.sample_code(i), &normalized) ||
        codes::parse_signed(normalized, &parts) != codes::ParseError::none) {
      return state.SkipWithError("a sample code did not parse");
    }
    headers[i] = {codes::pack_header(parts.header), parts.header.key_id,
                  parts.header.tag_chars * 5};
    if (i == 0 && signer->tag(headers[i].key_id, headers[i].packed_header,
                              headers[i].tag_bits) != parts.tag) {
      return state.SkipWithError("the signer is not the engine's: a sample code's tag differs");
    }
  }
  const std::uint64_t words = std::max<std::uint64_t>(table.engine->table_bytes() / 8, 1);
  std::vector<std::uint64_t> memory(words);
  for (std::uint64_t i = 0; i < words; ++i) memory[i] = i * 0x9E3779B97F4A7C15u;
  __extension__ using uint128 = unsigned __int128;
  std::uint64_t next = 0;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    const Signed& code = headers[next++ % headers.size()];
    const std::uint64_t tag = signer->tag(code.key_id, code.packed_header, code.tag_bits);
    // Fixed-point scaling of a mixed tag onto the buffer, as the table scales a hash onto its
    // slots.
    const auto index = static_cast<std::uint64_t>(
        (static_cast<uint128>(tag * 0x9E3779B97F4A7C15u) * words) >> 64);
    sum += memory[index];
    benchmark::DoNotOptimize(sum);
  }
  state.counters["coupons"] = static_cast<double>(table.count);
}
BENCHMARK(BM_HmacRandomReadReference);

// Every iteration redeems a code of the sample not redeemed before, with its own order id. The
// sample holds a million codes, so three repetitions of 300,000 never run out.
void BM_RedeemInMemory(benchmark::State& state) {
  BigTable& table = big_table();
  static std::uint64_t next_code = 0;  // codes already spent stay spent across repetitions
  CouponRequest request = checkout_request();
  char order[32] = "bench-";
  benchmark::IterationCount redeemed = 0;
  for (auto _ : state) {
    const auto end = std::to_chars(order + 6, order + sizeof(order), next_code).ptr;
    request.order_id = std::string_view(order, static_cast<std::size_t>(end - order));
    request.code = table.sample_code(next_code++);
    redeemed += table.engine->redeem(request).ok();
  }
  if (redeemed != state.iterations()) state.SkipWithError("a redemption failed");
}
BENCHMARK(BM_RedeemInMemory)->Iterations(300'000);

void BM_LoadTenMillion(benchmark::State& state) {
  BigTable& table = big_table();
  for (auto _ : state) {
    // Building the shared table is the measurement; report it once.
    state.SetIterationTime(table.generate_seconds);
  }
  state.counters["coupons"] = static_cast<double>(table.count);
  state.counters["codes_per_second"] = table.count / table.generate_seconds;
  state.counters["bytes_per_coupon"] =
      static_cast<double>(table.engine->table_bytes()) / static_cast<double>(table.count);
}
BENCHMARK(BM_LoadTenMillion)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

// Generating a million codes into a fresh batch of a fresh engine: signing, formatting and
// inserting into the sharded table.
void BM_GenerateMillion(benchmark::State& state) {
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto directory = make_directory("coupond-generate");
    EngineOptions options;
    options.data_dir = directory;
    std::unique_ptr<Engine> engine;
    const Batch* batch = nullptr;
    if (!Engine::open(options, &engine).is_ok()) std::abort();
    // Appended rather than "g" + to_string(...): GCC 12 at -O3 warns falsely (-Wrestrict) there.
    std::string id = "g";
    id += std::to_string(round++);
    if (!engine->create_batch(bench_batch(id), &batch).is_ok()) std::abort();
    std::uint64_t bytes = 0;
    state.ResumeTiming();
    const Status status = engine->generate(batch->id(), 1'000'000,
                                           [&](std::string_view code) { bytes += code.size(); });
    state.PauseTiming();
    benchmark::DoNotOptimize(bytes);
    if (!status.is_ok()) state.SkipWithError(status.message().c_str());
    engine.reset();
    std::filesystem::remove_all(directory);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_GenerateMillion)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace coupond
