// coupond-demo: the engine in one run, as the Quick start shows it. Creates a Double 11 batch,
// generates a million signed codes into a fresh table, validates and redeems a sample (with a
// replay, a second order racing for a spent code, and forged codes), and prints what happened and
// how fast.
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "coupond/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

coupond::BatchDefinition double_eleven_batch() {
  using namespace std::chrono;
  coupond::BatchDefinition batch;
  batch.id = "d11-100-20";
  batch.name = "Double 11: 20 off 100";
  batch.discount.type = coupond::DiscountType::threshold;
  batch.discount.min_amount = 10000;
  batch.discount.amount = 2000;
  const auto now = time_point_cast<microseconds>(system_clock::now());
  batch.valid_from = coupond::Timestamp(now - hours(1));
  batch.valid_until = coupond::Timestamp(now + hours(24));
  batch.max_uses_per_code = 1;
  batch.scope.channels = {"app", "store"};
  batch.code.prefix = "D11";
  return batch;
}

int fail(const coupond::Status& status) {
  std::cerr << "coupond-demo: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options("coupond-demo: the coupon engine in one run\nOptions");
  options.add_options()("help,h", "show this help")(
      "data-dir", po::value<std::string>()->default_value("demo-data"),
      "directory for the table files and the key file (created; the table is recreated)")(
      "count", po::value<std::uint64_t>()->default_value(1'000'000), "codes to generate")(
      "sample", po::value<std::uint64_t>()->default_value(100'000),
      "codes to validate and redeem (at most --count)");
  po::variables_map arguments;
  try {
    po::store(po::parse_command_line(argc, argv, options), arguments);
    po::notify(arguments);
  } catch (const po::error& error) {
    std::cerr << "coupond-demo: " << error.what() << "\n" << options;
    return 2;
  }
  if (arguments.count("help")) {
    std::cout << options;
    return 0;
  }
  const std::uint64_t count = arguments["count"].as<std::uint64_t>();
  const std::uint64_t sample = std::min(arguments["sample"].as<std::uint64_t>(), count);

  coupond::EngineOptions engine_options;
  engine_options.data_dir = arguments["data-dir"].as<std::string>();
  std::unique_ptr<coupond::Engine> engine;
  if (coupond::Status status = coupond::Engine::open(engine_options, &engine); !status.is_ok()) {
    return fail(status);
  }
  const coupond::Batch* batch = nullptr;
  if (auto status = engine->create_batch(double_eleven_batch(), &batch); !status.is_ok()) {
    return fail(status);
  }
  std::printf("batch %s: spend 100.00, get 20.00 off; channels app, store\n", batch->id().c_str());

  std::vector<std::string> codes;
  codes.reserve(count);
  auto start = Clock::now();
  auto status = engine->generate(batch->id(), count,
                                 [&](std::string_view code) { codes.emplace_back(code); });
  if (!status.is_ok()) return fail(status);
  double elapsed = seconds_since(start);
  std::printf("generated %llu signed codes in %.3f s (%.0f codes/s), e.g. %s\n",
              static_cast<unsigned long long>(count), elapsed, count / elapsed,
              codes.empty() ? "-" : codes.front().c_str());
  std::printf("table: %llu coupons in %.1f MiB of mapped shard files (%.1f bytes per coupon)\n",
              static_cast<unsigned long long>(engine->coupon_count()),
              engine->table_bytes() / 1048576.0,
              count ? static_cast<double>(engine->table_bytes()) / count : 0.0);

  // A random sample, in random order, as checkouts would bring them.
  std::mt19937_64 random(11);
  std::vector<std::size_t> picks(sample);
  for (auto& pick : picks) pick = random() % count;
  coupond::CouponRequest request;
  request.order.amount = 12900;
  request.order.channel = "app";

  start = Clock::now();
  std::uint64_t valid = 0;
  for (std::size_t pick : picks) {
    request.code = codes[pick];
    valid += engine->validate(request).ok();
  }
  elapsed = seconds_since(start);
  std::printf("validated %llu codes in %.3f s: %.0f ns each, %llu valid\n",
              static_cast<unsigned long long>(sample), elapsed, elapsed * 1e9 / sample,
              static_cast<unsigned long long>(valid));

  start = Clock::now();
  std::uint64_t redeemed = 0, already = 0;
  std::vector<std::string> orders(sample);
  for (std::size_t i = 0; i < sample; ++i) {
    orders[i] = "order-" + std::to_string(i);
    request.code = codes[picks[i]];
    request.order_id = orders[i];
    const coupond::Outcome outcome = engine->redeem(request);
    if (outcome.ok()) ++redeemed;
    if (outcome.reason == coupond::Reason::already_redeemed) ++already;
  }
  elapsed = seconds_since(start);
  std::printf("redeemed %llu codes in %.3f s: %.0f ns each (%llu picked twice: already_redeemed)\n",
              static_cast<unsigned long long>(redeemed), elapsed, elapsed * 1e9 / sample,
              static_cast<unsigned long long>(already));

  request.code = codes[picks[0]];
  request.order_id = orders[0];
  std::printf("the first order retries its redemption: %s\n",
              engine->redeem(request).replayed ? "replayed, no second use" : "NOT REPLAYED");
  request.order_id = "another-order";
  std::printf("another order tries the same code: %s\n",
              std::string(coupond::reason_name(engine->redeem(request).reason)).c_str());
  std::string forged = codes[picks[0]];
  forged[5] = forged[5] == 'Z' ? 'Y' : 'Z';
  request.code = forged;
  std::printf("a forged code %s: %s\n", forged.c_str(),
              std::string(coupond::reason_name(engine->validate(request).reason)).c_str());
  const coupond::BatchStats stats = batch->stats();
  std::printf("batch stats: issued %llu, redeemed %llu, redemption rate %.4f\n",
              static_cast<unsigned long long>(stats.issued),
              static_cast<unsigned long long>(stats.redeemed),
              stats.issued ? static_cast<double>(stats.redeemed) / stats.issued : 0.0);
  return 0;
}
