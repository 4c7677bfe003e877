// A primary's live tail: once a standby's sender has caught up with the journal, the journal's
// writer thread sends each group to that standby itself, right after writing it and before its
// sync, with a send that never blocks. Before, every group woke the sender thread, which read the
// group back from the segment and sent it: a context switch and a read per group, on the path
// every synchronous answer waits on. When the writer cannot send a group whole (the socket is
// full, the group brings an import's file, or it is not the one the standby needs next) it hands
// the standby back to its sender, with the part it could not send, and the sender goes on from
// the segments as before.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "coupond/engine.h"
#include "replication/wire.h"

namespace coupond::replication {

// One standby's stream, as the writer thread and the standby's sender share it.
class LiveStream {
 public:
  explicit LiveStream(Connection& connection) : connection_(connection) {}

  // The sender has sent every record before next: from now on the writer sends, unless the
  // journal has written more meanwhile (false: the sender reads it first).
  bool go_live(std::uint64_t next, const Engine& engine);

  struct Handback {
    bool live = false;
    std::uint64_t next = 0;  // the first record not sent (0: never went live)
    std::string unsent;      // bytes of messages begun on the wire: sent before anything else
  };
  // What the sender must know before it reads on: whether the writer still sends, and if not,
  // from where the sender goes on.
  Handback take();

  // The sender's wait while the writer sends: until the stream is handed back (or ended), or
  // timeout passes.
  void wait_while_live(std::chrono::milliseconds timeout);
  // Hands the stream back to the sender (the connection ended): wakes a waiting sender.
  void end();

  // From the writer thread: sends the group if this stream is live and it is the group the standby
  // needs next, without blocking; otherwise hands the stream back to the sender.
  void offer(std::string_view group);

 private:
  Connection& connection_;
  // Under mutex_: drops live_ and wakes the sender.
  void hand_back();

  std::mutex mutex_;
  std::condition_variable handed_back_;
  bool live_ = false;
  std::uint64_t next_ = 0;
  std::string unsent_;
  std::string framed_;  // the writer's buffer, kept to reuse its room
};

// The hub the journal's written listener calls: offers each group to every live stream, then
// wakes the senders that are not live. Shared by pointer, since the journal keeps its listener
// for its whole life and may outlive whoever subscribed it.
class LiveTail {
 public:
  static std::shared_ptr<LiveTail> subscribe(Engine& engine);

  void add(const std::shared_ptr<LiveStream>& stream);
  // Once it returns, the writer no longer touches the stream.
  void remove(const LiveStream* stream);

  // A sender's wait for the journal to write more: until the generation differs from seen, or
  // timeout passes.
  std::uint64_t generation();
  void wait_past(std::uint64_t seen, std::chrono::milliseconds timeout);
  void notify();

 private:
  void written(std::string_view group);

  std::mutex streams_mutex_;
  std::vector<std::shared_ptr<LiveStream>> streams_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
};

}  // namespace coupond::replication
