// A load scenario: how many connections, for how long, closed loop or at a target rate (open
// loop), the mix of requests and how keys are picked. Read from a JSON file (bench/scenarios/
// holds the shipped ones); the command line can override each field.
//
//   {"name": "flash-sale-midnight", "description": "...",
//    "connections": 1000, "duration_s": 10, "rate": 0, "ramp_s": 1,
//    "mix": {"validate": 0.2, "redeem": 0.7, "rollback": 0.05, "forged": 0.05, "unknown": 0},
//    "keys": {"distribution": "zipf", "exponent": 1.1, "codes": 100}}
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace coupond::load {

// Shares of request kinds; they need not add up to 1 (they are normalized).
//   validate: POST /v1/validate of a real code
//   redeem:   POST /v1/redeem of a real code under a new order id
//   rollback: POST /v1/rollback of an order this connection redeemed (a redeem when it has none)
//   forged:   a redeem of a real code with one character changed (a typo or a guess)
//   unknown:  a redeem of a code of the right shape that was never issued
struct Mix {
  double validate = 0.5;
  double redeem = 0.5;
  double rollback = 0;
  double forged = 0;
  double unknown = 0;
};

enum class KeyDistribution { uniform, zipf };

struct Scenario {
  std::string name = "custom";
  std::string description;
  unsigned connections = 50;
  std::chrono::seconds duration{10};
  // Requests per second over all connections (open loop: each request is due at its time whether
  // or not the previous one was answered, and latency counts from that time); 0: closed loop
  // (each connection sends its next request when its last is answered).
  double rate = 0;
  // The rate (open loop) or the number of connections sending (closed loop) rises linearly from
  // nothing to all over this time.
  std::chrono::seconds ramp{0};
  Mix mix;
  KeyDistribution keys = KeyDistribution::uniform;
  double zipf_exponent = 1.0;  // Zipf: the k-th hottest code is picked with weight 1/k^exponent
  std::uint64_t key_codes = 0; // pick among the first this many codes of the file; 0: all
  std::uint64_t requests_max = 0;  // 0: as many as the duration allows
};

// Fills *out from a scenario's JSON text; false with *error naming the bad field. Fields not in
// the text keep what *out had.
bool parse_scenario(std::string_view json, Scenario* out, std::string* error);
bool load_scenario_file(const std::string& path, Scenario* out, std::string* error);

// The limits every scenario is checked against (also after command-line overrides).
bool check_scenario(const Scenario& scenario, std::string* error);

}  // namespace coupond::load
