// What the server's two kinds of session (the data port's lean one, the admin port's Beast one)
// share with the listener and the I/O threads that run them. Private to src/http.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "api/metrics.h"
#include "http/http_server.h"

namespace coupond::http {

// The concrete executor of one thread's context, not the type-erased any_io_executor, which
// copies and destroys an erased executor through function pointers around every handler.
using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

// The client's address as the api sees it, read once per connection: an IPv4 client of a
// dual-stack listener as IPv4. Empty when the socket cannot tell (it closed already).
std::string peer_address_of(const Socket& socket);

// A session as the listener, the graceful stop and the I/O thread see it.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  // On its own thread: closes the connection if no request is under way.
  virtual void stop_if_idle() = 0;
  // On its own thread, when the journal has moved: an answer held back for it may leave (or, if
  // the journal failed, never will).
  virtual void resume_durable() {}
  // On its own thread, about once a second: closes the connection if it has waited past its
  // deadline. now_s is the I/O thread's coarse clock (IoThread::seconds).
  virtual void check_deadline(std::uint64_t /*now_s*/) {}
};

// What every session of one listener shares.
struct Shared {
  HttpLimits limits;
  Handler handler;
  api::Metrics* metrics = nullptr;
  api::Port port = api::Port::data;
  StreamHandler stream_handler;
  std::shared_ptr<boost::asio::ssl::context> tls_context;  // null on a plain TCP listener
  std::atomic<std::size_t> connections{0};
  std::atomic<bool>* stopping = nullptr;
  std::mutex sessions_mutex;
  std::unordered_set<Connection*> sessions;  // live sessions, for the graceful stop
  std::vector<std::weak_ptr<Connection>> snapshot() {
    std::vector<std::weak_ptr<Connection>> out;
    std::lock_guard lock(sessions_mutex);
    for (Connection* session : sessions) out.push_back(session->weak_from_this());
    return out;
  }
};

}  // namespace coupond::http
