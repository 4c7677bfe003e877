// coupon-load: replays a flash sale against a coupond data plane on this machine: many keep-alive
// connections validating and redeeming codes from a file (with a share of forged ones), bounded
// by time and count. Reports throughput, latency percentiles from a histogram, every outcome, and
// checks from its own records that no code was redeemed twice.
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "load_client.h"

namespace {

namespace po = boost::program_options;
using coupond::load::LoadOptions;
using coupond::load::LoadResult;

// Load tests talk to this machine only.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(host, error);
  return !error && address.is_loopback();
}

bool parse_target(std::string target, LoadOptions* options) {
  constexpr std::string_view scheme = "http://";
  if (target.rfind(scheme, 0) == 0) target.erase(0, scheme.size());
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

void print_summary(const LoadOptions& options, const LoadResult& result) {
  std::printf("coupon-load: %.1f s, %u connections, %llu requests, %.0f requests/s, %llu failures\n",
              result.seconds, options.connections, static_cast<unsigned long long>(result.requests),
              static_cast<double>(result.requests) / result.seconds,
              static_cast<unsigned long long>(result.failures));
  const auto& latency = result.latency;
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              millis(latency.percentile(0.5)), millis(latency.percentile(0.9)),
              millis(latency.percentile(0.99)), millis(latency.percentile(0.999)),
              millis(latency.max()));
  std::printf("outcomes:\n");
  for (const auto& [outcome, count] : result.outcomes) {
    std::printf("  %-40s %llu\n", outcome.c_str(), static_cast<unsigned long long>(count));
  }
  std::printf("codes redeemed: %zu; redeemed twice: %llu%s\n", result.redeemed.size(),
              static_cast<unsigned long long>(result.double_redemptions()),
              result.double_redemptions() == 0 ? " (none: every code at most once)" : "  <-- WRONG");
}

void write_json(const std::string& path, const LoadOptions& options, const LoadResult& result) {
  boost::json::object outcomes;
  for (const auto& [outcome, count] : result.outcomes) outcomes[outcome] = count;
  const auto& latency = result.latency;
  const boost::json::object report{
      {"seconds", result.seconds},
      {"connections", options.connections},
      {"requests", result.requests},
      {"requests_per_second", static_cast<double>(result.requests) / result.seconds},
      {"failures", result.failures},
      {"latency_ms",
       {{"p50", millis(latency.percentile(0.5))},
        {"p90", millis(latency.percentile(0.9))},
        {"p99", millis(latency.percentile(0.99))},
        {"p99_9", millis(latency.percentile(0.999))},
        {"max", millis(latency.max())}}},
      {"outcomes", outcomes},
      {"codes_redeemed", result.redeemed.size()},
      {"double_redemptions", result.double_redemptions()}};
  std::ofstream(path) << boost::json::serialize(report) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  LoadOptions options;
  std::string target, codes_path, json_path;
  unsigned duration_s = 10;
  po::options_description description(
      "coupon-load: a flash sale against coupond on this machine\n\n"
      "Usage: coupon-load --codes FILE [options]\n\nOptions");
  description.add_options()("help,h", "show this help")(
      "target", po::value(&target)->default_value("http://127.0.0.1:8080"),
      "the data plane; loopback addresses only")(
      "codes", po::value(&codes_path)->required(),
      "codes, one a line (couponctl generate's output; customer,code lines too)")(
      "connections", po::value(&options.connections)->default_value(50), "keep-alive connections")(
      "threads", po::value(&options.threads)->default_value(1), "client threads")(
      "duration", po::value(&duration_s)->default_value(10), "seconds to run")(
      "requests", po::value(&options.requests_max)->default_value(0),
      "stop after this many requests (0: no bound but the duration)")(
      "redeem-share", po::value(&options.redeem_share)->default_value(0.5),
      "share of requests that redeem; the rest validate")(
      "forged-share", po::value(&options.forged_share)->default_value(0.0),
      "share of requests whose code has a character changed")(
      "api-key", po::value(&options.api_key), "data-plane API key, when coupond asks for one")(
      "seed", po::value(&options.seed)->default_value(1), "random seed for code picks")(
      "json", po::value(&json_path), "also write the results as JSON to this file");
  po::variables_map arguments;
  try {
    po::store(po::parse_command_line(argc, argv, description), arguments);
    if (arguments.count("help")) {
      std::cout << description << "\n";
      return 0;
    }
    po::notify(arguments);
  } catch (const po::error& error) {
    std::cerr << "coupon-load: " << error.what() << "\n\n" << description << "\n";
    return 2;
  }
  if (!parse_target(target, &options)) {
    std::cerr << "coupon-load: --target must look like http://127.0.0.1:8080\n";
    return 2;
  }
  if (!is_loopback(options.host)) {
    std::cerr << "coupon-load: " << options.host
              << " is not a loopback address; load tests run against this machine only\n";
    return 2;
  }
  if (options.connections == 0 || options.connections > 10'000 || duration_s == 0 ||
      duration_s > 3600 || options.redeem_share < 0 || options.redeem_share > 1 ||
      options.forged_share < 0 || options.forged_share > 1) {
    std::cerr << "coupon-load: connections 1..10000, duration 1..3600 s, shares 0..1\n";
    return 2;
  }
  options.duration = std::chrono::seconds(duration_s);
  const std::vector<std::string> codes = read_codes(codes_path);
  if (codes.empty()) {
    std::cerr << "coupon-load: no codes in " << codes_path << "\n";
    return 2;
  }
  const LoadResult result = coupond::load::run_load(options, codes);
  print_summary(options, result);
  if (!json_path.empty()) write_json(json_path, options, result);
  if (result.requests == 0) return 1;
  return result.double_redemptions() == 0 ? 0 : 3;
}
