// Shared helpers for the engine's tests: a temporary data directory that removes itself, a clock
// that stands still, and a batch definition with sensible defaults to vary per test.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "coupond/engine.h"

namespace coupond::testing {

// The lines of text that are not empty (a CSV answer's rows).
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "coupond-test-XXXXXX").string();
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// 2026-11-11T00:00:00Z, the start of the test campaigns.
inline Timestamp campaign_start() {
  using namespace std::chrono;
  return Timestamp(duration_cast<microseconds>(sys_days(year(2026) / 11 / 11).time_since_epoch()));
}

inline BatchDefinition amount_off_batch(std::string id, Money amount = 500) {
  BatchDefinition batch;
  batch.id = std::move(id);
  batch.name = "test batch";
  batch.discount.type = DiscountType::amount_off;
  batch.discount.amount = amount;
  batch.valid_from = campaign_start();
  batch.valid_until = campaign_start() + std::chrono::hours(24);
  batch.max_uses_per_code = 1;
  // Assigned as a character: GCC 12 at -O3 reports a false -Wrestrict overlap in
  // string::operator=(const char*) once this is inlined into a test (see numbered below).
  batch.code.prefix = 'T';
  return batch;
}

// stem followed by number ("o7"), built by appending: GCC 12 at -O3 reports a false -Wrestrict
// overlap in "literal" + std::string, which the Release build (warnings are errors) would stop on.
inline std::string numbered(std::string_view stem, std::int64_t number) {
  std::string text(stem);
  text += std::to_string(number);
  return text;
}

// An engine over a fresh data directory with a clock set one hour into the campaign.
struct EngineFixture {
  TemporaryDirectory directory;
  ManualClock clock{campaign_start() + std::chrono::hours(1)};
  std::unique_ptr<Engine> engine;

  EngineOptions options;

  explicit EngineFixture(std::uint32_t shard_bits = 4) {
    options.data_dir = directory.path();
    options.shard_bits = shard_bits;
    options.clock = &clock;
    // The journal writes each segment whole with zeros before its first record (and the next
    // one ahead): 1 MiB segments spare every test 128 MiB of writes.
    options.journal_segment_bytes_max = 1 << 20;
    Status status = Engine::open(options, &engine);
    EXPECT_TRUE(status.is_ok()) << status.message();
  }

  // A standby's engine over data_dir: this one's options and HMAC key file, following.
  Status open_standby(const std::filesystem::path& data_dir, std::unique_ptr<Engine>* out) const {
    EngineOptions standby = options;
    standby.data_dir = data_dir;
    standby.key_file = directory.path() / "keys";
    standby.follow = true;
    return Engine::open(standby, out);
  }

  // Closes the engine and opens it again on the same data directory, as a restart would.
  Status reopen() {
    engine.reset();
    return Engine::open(options, &engine);
  }

  const Batch* create(const BatchDefinition& definition) {
    const Batch* batch = nullptr;
    Status status = engine->create_batch(definition, &batch);
    EXPECT_TRUE(status.is_ok()) << status.message();
    return batch;
  }

  std::vector<std::string> generate(std::string_view batch_id, std::uint64_t count) {
    std::vector<std::string> codes;
    Status status = engine->generate(batch_id, count,
                                     [&](std::string_view code) { codes.emplace_back(code); });
    EXPECT_TRUE(status.is_ok()) << status.message();
    return codes;
  }
};

// Runs work(t) on count threads at once, t = 0..count-1, and waits for them all.
template <typename Work>
void run_on_threads(int count, Work work) {
  std::vector<std::thread> threads;
  for (int t = 0; t < count; ++t) threads.emplace_back(work, t);
  for (std::thread& thread : threads) thread.join();
}

inline CouponRequest request_for(std::string_view code, std::string_view order_id = {},
                                 std::string_view customer = {}) {
  CouponRequest request;
  request.code = code;
  request.order_id = order_id;
  request.customer = customer;
  return request;
}

}  // namespace coupond::testing
