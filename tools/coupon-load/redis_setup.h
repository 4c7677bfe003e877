// Preparing a Redis server to stand in for coupond: the redeem script loaded (its SHA is what
// EVALSHA names) and, when asked, the same codes stored, one key per code, with pipelining.
//
// The script is what teams write when they redeem with Redis: GET the coupon's state, check it,
// SET it, atomically because Redis runs a script alone. A key holds "1" while the coupon is
// unused and "r:<order id>" once redeemed (single-use coupons, as coupond's flash sale).
#pragma once

#include <string>
#include <vector>

namespace coupond::load {

extern const char* const redis_redeem_script;

// Connects to host:port, loads the script (*sha receives its SHA-1) and, with store_codes, sets
// every code's key to "1" (pipelined, a thousand commands per round trip). False with *error on
// any failure.
bool prepare_redis(const std::string& host, const std::string& port,
                   const std::vector<std::string>& codes, bool store_codes, std::string* sha,
                   std::string* error);

}  // namespace coupond::load
