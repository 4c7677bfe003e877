#include "engine/channel_names.h"

#include "coupond/limits.h"

namespace coupond {

std::string_view ChannelNames::admit(std::uint32_t batch, std::string_view channel) {
  if (channel == channel_overflow_name) return channel_overflow_name;
  std::lock_guard lock(mutex_);
  Names& names = by_batch_[batch];
  if (names.find(channel) != names.end()) return channel;
  if (names.size() >= channels_per_batch_max) return channel_overflow_name;
  names.emplace(channel);
  return channel;
}

void ChannelNames::restore(std::uint32_t batch, std::string_view channel) {
  if (channel == channel_overflow_name) return;
  std::lock_guard lock(mutex_);
  by_batch_[batch].emplace(channel);
}

}  // namespace coupond
