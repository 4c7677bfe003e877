// The flash-sale client: many keep-alive connections on one Asio io_context per thread, each
// sending one request at a time. Closed loop (the next request leaves when the last is answered)
// or open loop (each request is due at its time on a fixed schedule, and its latency counts from
// that time, so a slow server cannot hide its queue by slowing the client: no coordinated
// omission). What is said on the wire is the Protocol's business.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "key_picker.h"
#include "latency_histogram.h"
#include "protocol.h"
#include "scenario.h"

namespace coupond::load {

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  unsigned threads = 1;
  std::uint64_t seed = 1;
  Scenario scenario;
};

struct LoadResult {
  double seconds = 0;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;  // connections that broke, answers that did not parse
  // Open loop: requests that were due before the end but never sent, because their connection was
  // still waiting for an earlier answer (the server could not keep up with the rate).
  std::uint64_t unsent = 0;
  LatencyHistogram latency;
  std::map<std::string, std::uint64_t> outcomes;  // "redeem 200 redeemed", "redeem 409 ..."
  // Redemptions in force per code at the end as this client saw them: each redeem that took
  // effect counts 1, each rollback that took effect -1. Codes are single-use: more than 1 is a
  // code redeemed twice.
  std::unordered_map<std::string, std::int32_t> in_force;
  std::uint64_t codes_redeemed() const;
  std::uint64_t double_redemptions() const;
};

// Counters that a progress reporter may read while the load runs.
struct LoadProgress {
  std::atomic<std::uint64_t> answered{0};
  std::atomic<std::uint64_t> failures{0};
};

// Runs the scenario against codes until its duration passes or its request bound is reached.
LoadResult run_load(const LoadOptions& options, const Protocol& protocol,
                    const std::vector<std::string>& codes, LoadProgress* progress = nullptr);

}  // namespace coupond::load
