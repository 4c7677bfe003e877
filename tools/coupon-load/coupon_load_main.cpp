// coupon-load: replays a flash sale against coupond's data plane, or against a Redis server doing
// the same check-and-set in Lua, on this machine only. A scenario (a JSON file, or flags) says how
// many connections, for how long, closed loop or at a target rate, the mix of requests and how
// the codes are picked. Prints throughput, latency percentiles from a histogram, every outcome, a
// progress line while it runs, and checks from its own records that no code was redeemed twice.
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "load_client.h"
#include "redis_setup.h"

namespace {

namespace po = boost::program_options;
using coupond::load::LoadOptions;
using coupond::load::LoadProgress;
using coupond::load::LoadResult;
using coupond::load::Scenario;

// Load tests talk to this machine only.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  return !error && address.is_loopback();
}

// "http://HOST:PORT" or "redis://HOST:PORT" (no scheme: http).
bool parse_target(std::string target, LoadOptions* options, bool* redis) {
  *redis = target.rfind("redis://", 0) == 0;
  for (std::string_view scheme : {"http://", "redis://"}) {
    if (target.rfind(scheme, 0) == 0) target.erase(0, scheme.size());
  }
  if (!target.empty() && target.back() == '/') target.pop_back();
  const std::size_t colon = target.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = target.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  options->host = host;
  options->port = target.substr(colon + 1);
  return !options->host.empty() && !options->port.empty();
}

// One code per line; for "customer,code" lines (generate --customers) the last field.
std::vector<std::string> read_codes(const std::string& path) {
  std::vector<std::string> codes;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line == "code") continue;
    codes.push_back(line.substr(line.rfind(',') + 1));
  }
  return codes;
}

double millis(std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; }

std::string mode_of(const Scenario& scenario) {
  if (scenario.rate <= 0) return "closed loop";
  return "open loop at " + std::to_string(static_cast<long long>(scenario.rate)) + " requests/s";
}

void print_summary(const LoadOptions& options, const std::string& target, const LoadResult& result) {
  const Scenario& scenario = options.scenario;
  std::printf("coupon-load: scenario %s against %s, %s, %u connections\n", scenario.name.c_str(),
              target.c_str(), mode_of(scenario).c_str(), scenario.connections);
  std::printf("coupon-load: %.1f s, %llu requests, %.0f requests/s, %llu failures\n", result.seconds,
              static_cast<unsigned long long>(result.requests),
              static_cast<double>(result.requests) / result.seconds,
              static_cast<unsigned long long>(result.failures));
  if (scenario.rate > 0) {
    std::printf("due but never sent (the server fell behind the rate): %llu\n",
                static_cast<unsigned long long>(result.unsent));
  }
  const auto& latency = result.latency;
  std::printf("latency ms%s: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              scenario.rate > 0 ? " (from each request's due time)" : "",
              millis(latency.percentile(0.5)), millis(latency.percentile(0.9)),
              millis(latency.percentile(0.99)), millis(latency.percentile(0.999)),
              millis(latency.max()));
  std::printf("outcomes:\n");
  for (const auto& [outcome, count] : result.outcomes) {
    std::printf("  %-40s %llu\n", outcome.c_str(), static_cast<unsigned long long>(count));
  }
  std::printf("codes redeemed: %llu; redeemed twice: %llu%s\n",
              static_cast<unsigned long long>(result.codes_redeemed()),
              static_cast<unsigned long long>(result.double_redemptions()),
              result.double_redemptions() == 0 ? " (none: every code at most once)" : "  <-- WRONG");
}

void write_json(const std::string& path, const LoadOptions& options, const std::string& target,
                const LoadResult& result) {
  boost::json::object outcomes;
  for (const auto& [outcome, count] : result.outcomes) outcomes[outcome] = count;
  const auto& latency = result.latency;
  const Scenario& scenario = options.scenario;
  const boost::json::object report{
      {"scenario", scenario.name},
      {"target", target},
      {"mode", scenario.rate > 0 ? "open" : "closed"},
      {"rate_target", scenario.rate},
      {"seconds", result.seconds},
      {"connections", scenario.connections},
      {"requests", result.requests},
      {"requests_per_second", static_cast<double>(result.requests) / result.seconds},
      {"failures", result.failures},
      {"unsent", result.unsent},
      {"latency_ms",
       {{"p50", millis(latency.percentile(0.5))},
        {"p90", millis(latency.percentile(0.9))},
        {"p99", millis(latency.percentile(0.99))},
        {"p99_9", millis(latency.percentile(0.999))},
        {"max", millis(latency.max())}}},
      {"outcomes", outcomes},
      {"codes_redeemed", result.codes_redeemed()},
      {"double_redemptions", result.double_redemptions()}};
  std::ofstream(path) << boost::json::serialize(report) << "\n";
}

// A line a second on standard error while the load runs: on a terminal it rewrites itself.
class ProgressLine {
 public:
  ProgressLine(const LoadProgress& progress, std::chrono::seconds duration)
      : progress_(progress), duration_(duration), terminal_(::isatty(STDERR_FILENO) != 0),
        thread_([this] { run(); }) {}
  ~ProgressLine() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    stop_.notify_one();
    thread_.join();
    if (terminal_ && printed_) std::fputc('\n', stderr);
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    std::uint64_t before = 0;
    for (long second = 1; !stop_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
         ++second) {
      const std::uint64_t answered = progress_.answered.load(std::memory_order_relaxed);
      std::fprintf(stderr, "%scoupon-load: %ld/%ld s  %llu requests/s  %llu answered  %llu failures%s",
                   terminal_ ? "\r" : "", second, static_cast<long>(duration_.count()),
                   static_cast<unsigned long long>(answered - before),
                   static_cast<unsigned long long>(answered),
                   static_cast<unsigned long long>(progress_.failures.load()), terminal_ ? "" : "\n");
      std::fflush(stderr);
      printed_ = true;
      before = answered;
    }
  }

  const LoadProgress& progress_;
  std::chrono::seconds duration_;
  bool terminal_;
  bool printed_ = false;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

struct Flags {
  std::string target, codes_path, json_path, scenario_path, api_key;
  unsigned connections = 0, duration_s = 0, ramp_s = 0;
  std::uint64_t requests = 0, hot_codes = 0;
  double rate = 0, redeem_share = 0, forged_share = 0, zipf = 0;
  bool quiet = false, store_codes = false;
};

po::options_description describe_flags(Flags* flags, LoadOptions* options) {
  po::options_description description(
      "coupon-load: a flash sale against coupond (or Redis) on this machine\n\n"
      "Usage: coupon-load --codes FILE [--scenario FILE] [options]\n\n"
      "Flags given override the scenario's fields; without a scenario: 50 connections, 10 s,\n"
      "closed loop, half validate and half redeem, codes picked uniformly.\n\nOptions");
  description.add_options()("help,h", "show this help")(
      "scenario", po::value(&flags->scenario_path),
      "scenario file (JSON; bench/scenarios/ has flash-sale-midnight, steady-checkout, "
      "brute-force-attack)")(
      "target", po::value(&flags->target)->default_value("http://127.0.0.1:8080"),
      "coupond's data plane (http://HOST:PORT) or a Redis server (redis://HOST:PORT); loopback "
      "addresses only")(
      "codes", po::value(&flags->codes_path)->required(),
      "codes, one a line (couponctl generate's output; customer,code lines too)")(
      "connections", po::value(&flags->connections), "keep-alive connections (1..10000)")(
      "duration", po::value(&flags->duration_s), "seconds to run (1..3600)")(
      "requests", po::value(&flags->requests), "stop after this many requests (0: no bound)")(
      "rate", po::value(&flags->rate),
      "open loop: requests per second over all connections, latency counted from each request's "
      "due time; 0: closed loop")(
      "ramp", po::value(&flags->ramp_s), "seconds over which the rate (or the connections) rise")(
      "redeem-share", po::value(&flags->redeem_share),
      "shorthand for the mix: share of requests that redeem, the rest validate")(
      "forged-share", po::value(&flags->forged_share),
      "shorthand for the mix: share of requests whose code has a character changed")(
      "zipf", po::value(&flags->zipf), "pick codes Zipf-skewed with this exponent (e.g. 1.1)")(
      "hot-codes", po::value(&flags->hot_codes), "pick among the first N codes only")(
      "threads", po::value(&options->threads)->default_value(1), "client threads")(
      "seed", po::value(&options->seed)->default_value(1), "random seed for code picks")(
      "api-key", po::value(&flags->api_key), "data-plane API key, when coupond asks for one")(
      "redis-store-codes", po::bool_switch(&flags->store_codes),
      "with a redis:// target: store every code first (SET c:<code> 1, pipelined)")(
      "json", po::value(&flags->json_path), "also write the results as JSON to this file")(
      "quiet", po::bool_switch(&flags->quiet), "no progress line");
  return description;
}

// The scenario: the file's, then each flag given on top.
bool build_scenario(const Flags& flags, const po::variables_map& given, Scenario* scenario,
                    std::string* error) {
  if (!flags.scenario_path.empty() &&
      !coupond::load::load_scenario_file(flags.scenario_path, scenario, error)) {
    return false;
  }
  if (given.count("connections")) scenario->connections = flags.connections;
  if (given.count("duration")) scenario->duration = std::chrono::seconds(flags.duration_s);
  if (given.count("requests")) scenario->requests_max = flags.requests;
  if (given.count("rate")) scenario->rate = flags.rate;
  if (given.count("ramp")) scenario->ramp = std::chrono::seconds(flags.ramp_s);
  if (given.count("redeem-share") || given.count("forged-share")) {
    const double redeem = given.count("redeem-share") ? flags.redeem_share : 0.5;
    const double forged = given.count("forged-share") ? flags.forged_share : 0.0;
    if (redeem < 0 || redeem > 1 || forged < 0 || forged > 1) {
      *error = "--redeem-share and --forged-share must be 0..1";
      return false;
    }
    scenario->mix = {(1 - redeem) * (1 - forged), redeem * (1 - forged), 0, forged, 0};
  }
  if (given.count("zipf")) {
    scenario->keys = coupond::load::KeyDistribution::zipf;
    scenario->zipf_exponent = flags.zipf;
  }
  if (given.count("hot-codes")) scenario->key_codes = flags.hot_codes;
  return coupond::load::check_scenario(*scenario, error);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  LoadOptions options;
  const po::options_description description = describe_flags(&flags, &options);
  po::variables_map given;
  try {
    po::store(po::parse_command_line(argc, argv, description), given);
    if (given.count("help")) {
      std::cout << description << "\n";
      return 0;
    }
    po::notify(given);
  } catch (const po::error& error) {
    std::cerr << "coupon-load: " << error.what() << "\n\n" << description << "\n";
    return 2;
  }
  bool redis = false;
  if (!parse_target(flags.target, &options, &redis)) {
    std::cerr << "coupon-load: --target must look like http://127.0.0.1:8080 or redis://127.0.0.1:6379\n";
    return 2;
  }
  if (!is_loopback(options.host)) {
    std::cerr << "coupon-load: " << options.host
              << " is not a loopback address; load tests run against this machine only\n";
    return 2;
  }
  std::string error;
  if (!build_scenario(flags, given, &options.scenario, &error)) {
    std::cerr << "coupon-load: " << error << "\n";
    return 2;
  }
  const std::vector<std::string> codes = read_codes(flags.codes_path);
  if (codes.empty()) {
    std::cerr << "coupon-load: no codes in " << flags.codes_path << "\n";
    return 2;
  }
  std::unique_ptr<coupond::load::Protocol> protocol;
  if (redis) {
    std::string sha;
    if (!coupond::load::prepare_redis(options.host, options.port, codes, flags.store_codes, &sha,
                                      &error)) {
      std::cerr << "coupon-load: " << error << "\n";
      return 1;
    }
    protocol = coupond::load::make_redis_protocol(sha);
  } else {
    protocol = coupond::load::make_http_protocol(options.host, flags.api_key);
  }
  LoadProgress progress;
  LoadResult result;
  {
    std::unique_ptr<ProgressLine> line;
    if (!flags.quiet) line = std::make_unique<ProgressLine>(progress, options.scenario.duration);
    result = coupond::load::run_load(options, *protocol, codes, &progress);
  }
  print_summary(options, flags.target, result);
  if (!flags.json_path.empty()) write_json(flags.json_path, options, flags.target, result);
  if (result.requests == 0) return 1;
  return result.double_redemptions() == 0 ? 0 : 3;
}
