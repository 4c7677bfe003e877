// The batch every benchmark's codes belong to, so that the engine and the request benchmarks
// measure codes of one shape: a threshold discount, valid from an hour ago for a year.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "coupond/engine.h"

namespace coupond {

inline BatchDefinition bench_batch(std::string id) {
  using namespace std::chrono;
  BatchDefinition batch;
  batch.id = std::move(id);
  batch.name = "bench";
  batch.discount.type = DiscountType::threshold;
  batch.discount.min_amount = 10000;
  batch.discount.amount = 2000;
  const auto now = time_point_cast<microseconds>(system_clock::now());
  batch.valid_from = Timestamp(now - hours(1));
  batch.valid_until = Timestamp(now + hours(24 * 365));
  batch.code.prefix = "D11";
  return batch;
}

}  // namespace coupond
