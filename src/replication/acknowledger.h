// A standby's acknowledgements: after each group its journal puts on disk, the primary hears the
// last sequence it holds, sent from the journal's writer thread itself. A thread of its own woken
// per group cost the standby a context switch per group; the send is one small write, since the
// primary always reads its acknowledgements (a primary that stopped reading is cut off by stop()
// or the connection's end, which fails the send and frees the writer).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "coupond/engine.h"
#include "coupond/status.h"
#include "replication/wire.h"

namespace coupond::replication {

class Acknowledger {
 public:
  // Subscribed to the engine's journal for its life.
  static std::shared_ptr<Acknowledger> subscribe(Engine& engine);
  explicit Acknowledger(Engine& engine) : engine_(engine) {}

  // Acknowledges on connection from now on, beginning with what is on disk already.
  Status attach(Connection* connection);
  // No more acknowledgements on the connection (before it is closed).
  void detach();

 private:
  // Under mutex_: sends the local durable sequence if it moved since the last send.
  Status acknowledge_locked();
  void acknowledge();

  Engine& engine_;
  std::mutex mutex_;
  Connection* connection_ = nullptr;
  std::uint64_t sent_ = 0;
};

}  // namespace coupond::replication
