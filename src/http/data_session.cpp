// The data port's connection: see data_session.h.
#include "http/data_session.h"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <chrono>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "api/responses.h"
#include "cluster/node_role.h"
#include "coupond/reason.h"
#include "http/handler_memory.h"
#include "http/io_thread.h"
#include "http/request_reader.h"
#include "http/request_target.h"
#include "http/response_head.h"

namespace coupond::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;

// A connection's read buffer starts this small (most hold one small request at a time) and grows,
// while a request's head does not fit, up to the head limit and this much more.
constexpr std::size_t input_bytes_initial = 4096;
// Answers gathered past this much are written before more requests are parsed: a client that
// pipelines without reading cannot make the server buffer without bound.
constexpr std::size_t output_bytes_max = 64 * 1024;

class DataSession final : public Connection {
 public:
  DataSession(std::shared_ptr<Shared> shared, IoThread& thread, Socket socket)
      : socket_(std::move(socket)), thread_(thread), shared_(std::move(shared)) {}
  ~DataSession() override;

  void begin(bool over_limit);
  void stop_if_idle() override;
  void resume_durable() override;
  void check_deadline(std::uint64_t now_s) override;

 private:
  std::shared_ptr<DataSession> self() {
    return std::static_pointer_cast<DataSession>(shared_from_this());
  }
  void read_more();
  void on_read(const error_code& error, std::size_t bytes);
  void answer_buffered();
  void answer_request();
  void refuse_unreadable(const error_code& error);
  void refuse(int status, std::string_view code, std::string_view message);
  void gather(unsigned version, bool keep_alive);
  void send();
  // Drops every gathered answer for one last answer, status code message (the answers were never
  // promised: the journal failed, or the node lost its lease before they left).
  void replace_gathered(int status, std::string_view code, std::string_view message);
  void write_gathered();
  void on_sent(const error_code& error);
  void linger();
  void close();

  Socket socket_;
  // The state of the read and of the write under way (at most one of each).
  HandlerMemory read_memory_;
  HandlerMemory write_memory_;
  IoThread& thread_;
  std::shared_ptr<Shared> shared_;
  std::string peer_;  // the client's address

  // Bytes read and not yet parsed are input_[input_begin_, input_end_).
  std::vector<char> input_;
  std::size_t input_begin_ = 0;
  std::size_t input_end_ = 0;
  RequestParts request_;
  std::optional<RequestReader> reader_;  // the request being parsed, once its first byte is in
  std::string path_;                     // the request's path, decoded
  api::ApiResponse answer_;              // lent to the handler for every request

  // Answers gathered and not yet written, in request order; the latest journal sequence among
  // them that must be durable first; and, for the metrics, each one's route and status.
  std::string output_;
  const api::DurableSequences* output_journal_ = nullptr;
  std::uint64_t output_sequence_ = 0;
  // Set when a gathered answer acknowledges a change on a cluster node: checked as they leave.
  const cluster::NodeRole* output_role_ = nullptr;
  struct Answered {
    std::uint8_t route;
    int status;
  };
  std::vector<Answered> answered_;
  std::chrono::steady_clock::time_point read_at_;  // when the answered requests' bytes arrived

  bool reading_ = false;  // a read is under way
  bool sending_ = false;  // gathered answers are held for the journal or being written
  bool held_ = false;     // held for the journal: no deadline runs
  bool closing_ = false;  // the last answer is gathered: close once it is written
  bool request_unread_ = false;  // and part of its request may still be on its way
  bool lingering_ = false;       // reading and dropping it before closing (lingering_close_time)
  std::size_t lingered_bytes_ = 0;
  bool closed_ = false;
  // When the request awaited began to be awaited, or the write under way began (IoThread::seconds).
  std::uint64_t waiting_since_ = 0;
};

DataSession::~DataSession() {
  thread_.unwatch(this);
  {
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.erase(this);
  }
  shared_->connections.fetch_sub(1);
  if (shared_->metrics != nullptr) shared_->metrics->connection_closed(shared_->port);
}

void DataSession::begin(bool over_limit) {
  peer_ = peer_address_of(socket_);
  if (shared_->metrics != nullptr) shared_->metrics->connection_opened(shared_->port);
  {
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.insert(this);
  }
  thread_.watch(this);
  // Answers leave in whole batches, one write each, so Nagle's algorithm could only hold a batch
  // back until the client acknowledges the one before, which a client pipelining and waiting
  // for its answers delays by its delayed-ACK timer (up to 40 ms). nginx sets it too.
  error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  input_.resize(input_bytes_initial);
  if (over_limit) {
    refuse(503, "overloaded", "too many connections; try again later");
    return send();
  }
  read_more();
}

void DataSession::stop_if_idle() {
  asio::dispatch(socket_.get_executor(), [self = self()] {
    const bool idle = !self->sending_ && !self->reader_ && self->input_begin_ == self->input_end_;
    if (idle) self->close();
  });
}

void DataSession::check_deadline(std::uint64_t now_s) {
  if (closed_ || held_ || (!reading_ && !sending_)) return;
  const auto limit = lingering_ ? lingering_close_time : shared_->limits.request_timeout;
  if (now_s - waiting_since_ > static_cast<std::uint64_t>(limit.count())) {
    // A client trickling a request, idle past the keep-alive time, or not reading its answers:
    // the connection is cut, as Beast's stream timeout would.
    close();
  }
}

void DataSession::read_more() {
  if (input_begin_ > 0) {
    std::memmove(input_.data(), input_.data() + input_begin_, input_end_ - input_begin_);
    input_end_ -= input_begin_;
    input_begin_ = 0;
  }
  if (input_end_ == input_.size()) {
    // Only a request's head stays whole in the buffer (bodies are taken as they come); the parser
    // refuses a head past its limit before the buffer reaches this size.
    const std::size_t most = shared_->limits.header_bytes_max + input_bytes_initial;
    input_.resize(std::min(input_.size() * 2, most));
    if (input_end_ == input_.size()) {
      // Not reachable while the parser keeps its head limit; a read of nothing would spin.
      refuse(431, "headers_too_large", "the request headers are too large");
      return send();
    }
  }
  if (!reader_ && input_end_ == 0) waiting_since_ = thread_.seconds();
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(input_.data() + input_end_, input_.size() - input_end_),
      asio::bind_allocator(HandlerAllocator<void>(read_memory_),
                           [self = self()](const error_code& error, std::size_t bytes) {
                             self->on_read(error, bytes);
                           }));
}

void DataSession::on_read(const error_code& error, std::size_t bytes) {
  reading_ = false;
  if (error == asio::error::eof && (reader_ || input_begin_ < input_end_)) {
    // The client stopped sending halfway through a request: it can still read why.
    refuse(400, "bad_request", "malformed HTTP request");
    return send();
  }
  if (error) return close();  // closed by the client, cut, or closed here (deadline, stop)
  input_end_ += bytes;
  read_at_ = std::chrono::steady_clock::now();
  answer_buffered();
}

// Answers every whole request in the buffer (up to output_bytes_max of answers), then writes the
// answers, or reads on when there are none.
void DataSession::answer_buffered() {
  while (!closing_ && output_.size() < output_bytes_max && input_begin_ < input_end_) {
    if (!reader_) {
      reader_.emplace(request_);
      reader_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_bytes_max));
      reader_->body_limit(shared_->limits.body_bytes_max);
      reader_->eager(true);
      waiting_since_ = thread_.seconds();
    }
    error_code error;
    input_begin_ += reader_->put(
        asio::buffer(input_.data() + input_begin_, input_end_ - input_begin_), error);
    if (error == bhttp::error::need_more) break;
    if (error) {
      refuse_unreadable(error);
      break;
    }
    if (!reader_->is_done()) break;  // the body goes on in the next read
    answer_request();
  }
  if (!output_.empty()) return send();
  if (closing_) return close();
  read_more();
}

void DataSession::answer_request() {
  const bool keep_alive = reader_->keep_alive() && !shared_->stopping->load();
  const unsigned version = request_.version;
  reader_.reset();
  answer_.reset();
  // A client that sends a target that is no URL path is not one to keep: its answer is the last.
  if (!decode_request_path(request_.target, &path_)) {
    return refuse(400, "bad_request", malformed_target_message);
  }
  const api::ApiRequest request{request_.method, path_, request_.body, request_.authorization,
                                peer_, query_of(request_.target)};
  try {
    shared_->handler(request, answer_);
  } catch (...) {
    // A handler must not throw; if one does (out of memory), the client still gets an answer.
    answer_ = handler_failure_response(shared_->port);
  }
  if (answer_.stream || answer_.deferred) {
    // Neither shape belongs on the data port; answering it would need the admin's session.
    answer_ = api::error_response(500, "internal", "the server failed to answer");
  }
  gather(version, keep_alive);
}

void DataSession::refuse_unreadable(const error_code& error) {
  const HttpLimits& limits = shared_->limits;
  if (error == bhttp::error::body_limit) {
    return refuse(413, "body_too_large",
                  "the request body is larger than " + std::to_string(limits.body_bytes_max) +
                      " bytes");
  }
  if (error == bhttp::error::header_limit) {
    return refuse(431, "headers_too_large",
                  "the request headers are larger than " +
                      std::to_string(limits.header_bytes_max) + " bytes");
  }
  refuse(400, "bad_request", "malformed HTTP request");
}

// The request cannot be read any further: its answer is the connection's last.
void DataSession::refuse(int status, std::string_view code, std::string_view message) {
  request_unread_ = true;
  reader_.reset();
  answer_ = api::error_response(status, code, message);
  path_.clear();
  gather(11, false);
}

void DataSession::gather(unsigned version, bool keep_alive) {
  append_response_head(output_, answer_.status, version, answer_.content_type,
                       answer_.body.size(), keep_alive);
  output_ += answer_.body;
  if (!answer_.is_complete()) {
    output_journal_ = answer_.durable_in;
    output_sequence_ = std::max(output_sequence_, answer_.sequence);
  }
  if (answer_.acknowledged_by != nullptr) output_role_ = answer_.acknowledged_by;
  answered_.push_back(Answered{api::Metrics::route_of(path_), answer_.status});
  if (!keep_alive) closing_ = true;
}

void DataSession::send() {
  sending_ = true;
  if (output_journal_ != nullptr && output_journal_->durable_through() < output_sequence_) {
    held_ = true;
    return thread_.hold_until_durable(*output_journal_, output_sequence_, self());
  }
  write_gathered();
}

void DataSession::resume_durable() {
  held_ = false;
  if (closed_) return;
  if (output_journal_->durable_through() < output_sequence_) {
    // The journal failed: nothing among these answers was promised.
    replace_gathered(503, "not_durable", "the journal could not be written; nothing was promised");
  }
  write_gathered();
}

// One 503 tells the client, and the connection closes (the requests after the first are left
// unanswered, which HTTP lets a client retry).
void DataSession::replace_gathered(int status, std::string_view code, std::string_view message) {
  output_.clear();
  answered_.clear();
  output_role_ = nullptr;
  answer_ = api::error_response(status, code, message);
  path_.clear();
  gather(11, false);
}

void DataSession::write_gathered() {
  // The moment the answers leave: a change computed while this node held its lease, and durable
  // only after the lease lapsed, is not acknowledged (another node may be primary by now).
  if (output_role_ != nullptr && !output_role_->may_acknowledge()) {
    replace_gathered(503, "not_primary", reason_sentence(Reason::not_primary));
  }
  output_role_ = nullptr;
  output_journal_ = nullptr;
  output_sequence_ = 0;
  if (shared_->metrics != nullptr) {
    const auto elapsed = std::chrono::steady_clock::now() - read_at_;
    for (const Answered& answered : answered_) {
      shared_->metrics->record_route(shared_->port, answered.route, answered.status, elapsed);
    }
  }
  answered_.clear();
  waiting_since_ = thread_.seconds();
  asio::async_write(socket_, asio::buffer(output_),
                    asio::bind_allocator(HandlerAllocator<void>(write_memory_),
                                         [self = self()](const error_code& error, std::size_t) {
                                           self->on_sent(error);
                                         }));
}

void DataSession::on_sent(const error_code& error) {
  sending_ = false;
  output_.clear();
  if (error) return close();
  if (closing_ && request_unread_) return linger();
  if (closing_ || shared_->stopping->load()) return close();
  answer_buffered();
}

void DataSession::linger() {
  lingering_ = true;
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  waiting_since_ = thread_.seconds();
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(input_.data(), input_.size()),
      asio::bind_allocator(HandlerAllocator<void>(read_memory_),
                           [self = self()](const error_code& error, std::size_t bytes) {
                             self->reading_ = false;
                             self->lingered_bytes_ += bytes;
                             if (error || self->lingered_bytes_ >= lingering_close_bytes) {
                               return self->close();
                             }
                             self->linger();
                           }));
}

void DataSession::close() {
  if (closed_) return;
  closed_ = true;
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  socket_.close(ignored);
}

}  // namespace

void start_data_session(std::shared_ptr<Shared> shared, IoThread& thread, Socket socket,
                        bool over_limit) {
  auto session = std::make_shared<DataSession>(std::move(shared), thread, std::move(socket));
  asio::dispatch(thread.context(),
                 [session = std::move(session), over_limit] { session->begin(over_limit); });
}

}  // namespace coupond::http
