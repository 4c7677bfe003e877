// What a batch's campaign counter costs (include/coupond/campaign_counter.h): two threads redeem
// codes of one batch, spread over every shard, so that what their redemptions share is mostly
// the batch's counter of uses in force (and the journal). Once for a batch with no cap and no
// budget, once for the same batch with a cap and a budget too high to refuse anything; then the
// counter alone. docs/benchmarks.md reads them.
#include <benchmark/benchmark.h>

#include <atomic>
#include <charconv>
#include <string>
#include <vector>

#include "bench_batch.h"
#include "coupond/campaign_counter.h"
#include "coupond/limits.h"
#include "temp_engine.h"

namespace coupond {
namespace {

constexpr std::uint64_t redemptions_per_thread = 200'000;
constexpr int threads = 2;

// An engine with one batch and enough codes for every redemption of one run, made once per run.
struct CampaignTable {
  TempEngine temp{"coupond-campaign-bench"};
  std::vector<std::string> codes;
  std::atomic<std::uint64_t> next{0};

  explicit CampaignTable(bool limited) {
    BatchDefinition batch = bench_batch("campaign");
    if (limited) {
      batch.max_uses_total = 1'000'000'000;
      batch.budget_discount_max = money_max;
    }
    const Batch* created = nullptr;
    if (!temp.engine->create_batch(batch, &created).is_ok()) std::abort();
    const Status status = temp.engine->generate("campaign", redemptions_per_thread * threads * 4,
                                                [&](std::string_view code) { codes.emplace_back(code); });
    if (!status.is_ok()) std::abort();
  }
};

void redeem_in_two_threads(benchmark::State& state, CampaignTable& table) {
  CouponRequest request;
  request.order.amount = 12900;
  request.order.channel = "app";
  char order[32] = "campaign-";
  std::int64_t refused = 0;
  for (auto _ : state) {
    const std::uint64_t n = table.next.fetch_add(1, std::memory_order_relaxed);
    const auto end = std::to_chars(order + 9, order + sizeof(order), n).ptr;
    request.order_id = std::string_view(order, static_cast<std::size_t>(end - order));
    request.code = table.codes[n % table.codes.size()];
    refused += table.temp.engine->redeem(request).ok() ? 0 : 1;
  }
  if (refused > 0) state.SkipWithError("a redemption was refused");
}

void BM_RedeemTwoThreadsUnlimitedBatch(benchmark::State& state) {
  static CampaignTable table(/*limited=*/false);
  redeem_in_two_threads(state, table);
}
BENCHMARK(BM_RedeemTwoThreadsUnlimitedBatch)
    ->Threads(threads)->Iterations(redemptions_per_thread)->UseRealTime();

void BM_RedeemTwoThreadsCappedBatch(benchmark::State& state) {
  static CampaignTable table(/*limited=*/true);
  redeem_in_two_threads(state, table);
}
BENCHMARK(BM_RedeemTwoThreadsCappedBatch)
    ->Threads(threads)->Iterations(redemptions_per_thread)->UseRealTime();

// The counter alone, and a bare atomic add for reference, from the same two threads: the most that
// counting an unlimited batch's uses with atomics instead of the counter's mutex could save a
// redemption.
void BM_CampaignCounterAddTwoThreads(benchmark::State& state) {
  static CampaignCounter counter;
  for (auto _ : state) counter.add(2000);
}
BENCHMARK(BM_CampaignCounterAddTwoThreads)->Threads(threads)->UseRealTime();

void BM_AtomicAddTwoThreadsReference(benchmark::State& state) {
  static std::atomic<std::uint64_t> uses{0};
  static std::atomic<std::int64_t> discount{0};
  for (auto _ : state) {
    uses.fetch_add(1, std::memory_order_relaxed);
    discount.fetch_add(2000, std::memory_order_relaxed);
  }
}
BENCHMARK(BM_AtomicAddTwoThreadsReference)->Threads(threads)->UseRealTime();

}  // namespace
}  // namespace coupond
