// The channel names each batch's stats count by name. Channels come from clients, so a batch counts
// at most channels_per_batch_max of them by name, the first it sees; uses in any other channel
// are counted under channel_overflow_name (never refused), and by_channel stays bounded however
// many names clients make up. The shards share one list per batch, consulted only when a shard's
// tally meets a channel it has never counted, under one leaf lock taken after the shard's.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "store/hash_seed.h"

namespace coupond {

class ChannelNames {
 public:
  // The name a new use in channel is counted under for batch: channel when the batch counts it by
  // name already or has room to, channel_overflow_name otherwise.
  std::string_view admit(std::uint32_t batch, std::string_view channel);
  // A name a snapshot's tally counts, restored at start-up.
  void restore(std::uint32_t batch, std::string_view channel);

 private:
  using Names = std::unordered_set<std::string, store::SeededHash, std::equal_to<>>;
  std::mutex mutex_;
  std::unordered_map<std::uint32_t, Names> by_batch_;
};

}  // namespace coupond
