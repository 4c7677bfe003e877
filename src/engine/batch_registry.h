// Every batch, by number (the hot path: one atomic load into a flat array) and by id (the
// operators' path: a map under a mutex). Batches are never removed, so a pointer handed out stays
// valid for the engine's life.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "coupond/engine.h"
#include "coupond/limits.h"

namespace coupond {

class BatchRegistry {
 public:
  BatchRegistry();

  // Assigns the next number. already_exists when the id is taken; resource_exhausted past
  // batches_max.
  Status add(BatchDefinition definition, std::string folded_prefix, Batch** out);

  Batch* by_number(std::uint32_t number) const {
    if (number == 0 || number >= batches_max) return nullptr;
    return by_number_[number].load(std::memory_order_acquire);
  }
  Batch* by_id(std::string_view id) const;
  std::vector<const Batch*> all() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Batch>> owned_;
  std::unordered_map<std::string, Batch*> by_id_;
  std::unique_ptr<std::atomic<Batch*>[]> by_number_;
};

}  // namespace coupond
