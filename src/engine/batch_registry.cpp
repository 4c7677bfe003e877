#include "engine/batch_registry.h"

namespace coupond {

BatchRegistry::BatchRegistry() : by_number_(new std::atomic<Batch*>[batches_max]) {
  for (std::uint32_t i = 0; i < batches_max; ++i) by_number_[i].store(nullptr);
}

Status BatchRegistry::add(BatchDefinition definition, std::string folded_prefix, Batch** out) {
  std::lock_guard lock(mutex_);
  if (by_id_.contains(definition.id)) {
    return Status::already_exists("batch " + definition.id + " already exists");
  }
  // Numbers start at 1: a zero batch number in a slot would read as "no batch".
  const auto number = static_cast<std::uint32_t>(owned_.size() + 1);
  if (number >= batches_max) {
    return Status::resource_exhausted("at most " + std::to_string(batches_max - 1) +
                                      " batches can be created");
  }
  auto batch = std::make_unique<Batch>(std::move(definition), number, std::move(folded_prefix));
  Batch* raw = batch.get();
  owned_.push_back(std::move(batch));
  by_id_.emplace(raw->id(), raw);
  // Published last: a reader that finds the number sees a fully built batch.
  by_number_[number].store(raw, std::memory_order_release);
  *out = raw;
  return Status::ok();
}

Batch* BatchRegistry::by_id(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<const Batch*> BatchRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<const Batch*> batches;
  batches.reserve(owned_.size());
  for (const auto& batch : owned_) batches.push_back(batch.get());
  return batches;
}

}  // namespace coupond
