// What the server's two kinds of session (the data port's lean one, the admin port's Beast one)
// share with the listener and the I/O threads that run them. Private to src/http.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "api/api_types.h"
#include "api/metrics.h"
#include "http/http_server.h"

namespace coupond::http {

// The concrete executor of one thread's context, not the type-erased any_io_executor, which
// copies and destroys an erased executor through function pointers around every handler.
using Executor = boost::asio::io_context::executor_type;
using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;

// A connection closed with part of its request unread (a 401 or a 413 before an upload's body)
// first stops sending, then reads and drops what the client still sends, for this long and this
// much at most, as nginx's lingering close does: a socket closed with unread bytes sends the
// client a reset, which can destroy the answer before the client has read it.
inline constexpr auto lingering_close_time = std::chrono::seconds(5);
inline constexpr std::size_t lingering_close_bytes = std::size_t{64} << 20;

// The client's address as the api sees it, read once per connection: an IPv4 client of a
// dual-stack listener as IPv4. Empty when the socket cannot tell (it closed already).
std::string peer_address_of(const Socket& socket);

// What a handler's exception says, for the log; called inside a catch block only.
std::string current_exception_text();

// A handler that throws (out of memory, a bug) costs its own request, never the process: a log
// line (without the path, which may hold a coupon code) saying what became of the request.
// Called inside a catch block only.
void log_handler_failure(api::Port port, std::string_view outcome);
// The 500 such a request gets, its failure logged.
api::ApiResponse handler_failure_response(api::Port port);

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
