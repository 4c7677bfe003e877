// The flash-sale client: many keep-alive connections, each a closed loop of requests (send, wait
// for the answer, send the next), all on one Asio io_context per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "latency_histogram.h"

namespace coupond::load {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string api_key;                   // sent as a bearer token when not empty
  unsigned connections = 50;
  unsigned threads = 1;
  std::chrono::seconds duration{10};
  std::uint64_t requests_max = 0;        // 0: as many as the duration allows
  double redeem_share = 0.5;             // the rest validate
  double forged_share = 0.0;             // of all requests, codes with one character changed
  std::uint64_t seed = 1;
};

struct LoadResult {
  double seconds = 0;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;  // connections that broke, answers that did not parse
  LatencyHistogram latency;
  std::map<std::string, std::uint64_t> outcomes;  // "redeem 200", "redeem 409 already_redeemed"
  // Successful first-time redemptions per code, to check that none was redeemed twice.
  std::unordered_map<std::string, std::uint32_t> redeemed;
  std::uint64_t double_redemptions() const;
};

// Runs the load against codes until the duration passes or requests_max are answered.
LoadResult run_load(const LoadOptions& options, const std::vector<std::string>& codes);

}  // namespace coupond::load
