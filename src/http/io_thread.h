// One I/O thread of the server: an io_context run by that thread alone, the sessions it serves
// (checked against their deadlines about once a second, instead of a timer armed and cancelled
// around every read and write), and the answers it holds back until the journal has them.
// Private to src/http.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/api_types.h"
#include "http/connection.h"

namespace coupond::http {

class IoThread {
 public:
  IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& context() { return context_; }

  // Starts the deadline sweep; the thread then runs run().
  void start();
  // Runs the context on the calling thread until stop(). A background thread (the admin port's)
  // first lowers its own scheduling priority, so that on a busy machine an import or a generate
  // takes the CPU the checkouts leave, not the other way round.
  void run(bool background);
  // Stops the sweep and the context; abandons what is queued.
  void stop();
  // Destroys every handler still queued, while every other thread's context still exists (a
  // pending accept on one thread's context holds a socket of the next thread's).
  void shut_down() { context_.shut_down(); }

  // Seconds since the thread started, on the thread's coarse clock: what sessions compare their
  // deadlines with. Read on this thread only.
  std::uint64_t seconds() const { return seconds_; }

  // Sessions that want check_deadline calls; any thread (a session may end on another).
  void watch(Connection* session);
  void unwatch(Connection* session);

  // On this thread: calls session->resume_durable() on this thread once journal holds sequence
  // or has failed. One wake-up from the journal releases every answer of a group.
  void hold_until_durable(const api::DurableSequences& journal, std::uint64_t sequence,
                          std::shared_ptr<Connection> session);

 private:
  void sweep();
  void wake();               // any thread: the journal moved
  void release_durable();    // on this thread

  // Its services can be shut down before it is destroyed (io_context's shutdown is protected).
  class Context : public boost::asio::io_context {
   public:
    Context() : boost::asio::io_context(1) {}
    void shut_down() { shutdown(); }
  };
  Context context_;
  boost::asio::steady_timer sweep_timer_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t seconds_ = 0;

  std::mutex watched_mutex_;
  std::unordered_set<Connection*> watched_;

  // Answers held for the journal, in the order they were held (their sequences need not be).
  struct Held {
    std::uint64_t sequence;
    std::shared_ptr<Connection> session;
  };
  std::vector<Held> held_;
  // release_durable's scratch, kept for its memory.
  std::vector<Held> still_held_;
  std::vector<Held> ready_;
  const api::DurableSequences* journal_ = nullptr;  // the one subscribed to
  std::atomic<bool> holding_{false};      // held_ is not empty
  std::atomic<bool> wake_posted_{false};  // a release_durable is queued
};

}  // namespace coupond::http
