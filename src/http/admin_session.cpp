// The admin port's connection, in the shape of Boost.Beast's advanced server examples, written
// once for plain TCP and for TLS (the two differ only in how a connection begins and ends). It
// reads one request, answers it, and only then reads the next, so pipelined requests are answered
// in order. Unlike the data port's session, it streams request bodies to a consumer (imports),
// answers from a request's head alone (a 401 before an upload is read), streams answers out of a
// producer (generate), and takes answers that come later from another thread (a snapshot).
#include "http/admin_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <iostream>
#include <optional>
#include <type_traits>
#include <utility>

#include "api/responses.h"
#include "cluster/node_role.h"
#include "coupond/reason.h"
#include "http/io_thread.h"
#include "http/request_reader.h"
#include "http/request_target.h"
#include "http/response_head.h"

namespace coupond::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using PlainStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<PlainStream>;

// A client that never answers the server's TLS close_notify must not keep its connection, nor a
// graceful stop, waiting.
constexpr auto tls_shutdown_timeout = std::chrono::seconds(5);

constexpr std::size_t lingering_read_bytes = 16 * 1024;

// Errors of a connection that broke under the HTTP: it can carry nothing more, not even TLS's
// close_notify.
bool is_transport_broken(const beast::error_code& error) {
  return error == beast::error::timeout || error == asio::error::connection_reset ||
         error == ssl::error::stream_truncated ||
         error.category() == asio::error::get_ssl_category();
}

// One connection, over Stream: PlainStream or TlsStream.
template <class Stream>
class Session : public Connection {
 public:
  template <class... StreamArguments>
  explicit Session(std::shared_ptr<Shared> shared, IoThread& thread,
                   StreamArguments&&... stream_arguments)
      : stream_(std::forward<StreamArguments>(stream_arguments)...),
        shared_(std::move(shared)),
        thread_(thread) {}
  ~Session() override;

  void start(bool over_limit);
  void stop_if_idle() override;
  void resume_durable() override;

 private:
  static constexpr bool uses_tls = std::is_same_v<Stream, TlsStream>;

  std::shared_ptr<Session> shared_this() {
    return std::static_pointer_cast<Session>(shared_from_this());
  }
  // The TCP stream under any TLS layer: its deadline and socket.
  PlainStream& transport() { return beast::get_lowest_layer(stream_); }
  void begin(bool over_limit);
  void serve(bool over_limit);
  void do_read();
  void on_header(beast::error_code error, std::size_t bytes);
  void read_body_some();
  void on_body_some(beast::error_code error, std::size_t bytes);
  bool feed_consumer();
  void finish_stream();
  void answer_from_head(api::ApiResponse response);
  bool keep_alive() const;
  void on_read(beast::error_code error, std::size_t bytes);
  api::ApiResponse call_handler(const api::ApiRequest& request);
  void respond(api::ApiResponse response, unsigned version, bool keep_alive);
  void answer(api::ApiResponse response, unsigned version, bool keep_alive);
  void write_chunk();
  void end_stream();
  void after_write(beast::error_code error, bool keep_alive);
  void refuse(bhttp::status status, std::string_view code, std::string_view message);
  void linger();
  void discard_some();
  void close();
  void close_transport();

  Stream stream_;
  // Kept from one request to the next, so that a connection's requests after its first allocate
  // nothing here: the bytes read, the request parsed from them, the answer's head and body.
  beast::flat_buffer buffer_;
  RequestParts request_;
  std::optional<RequestReader> parser_;  // made anew in place for each request
  std::string response_head_;
  std::string response_body_;
  std::shared_ptr<Shared> shared_;
  IoThread& thread_;
  std::string peer_;  // the client's address
  // An answer held until the journal has it, with the version and keep-alive it goes with.
  api::ApiResponse held_;
  unsigned held_version_ = 11;
  bool held_keep_alive_ = false;
  bool busy_ = false;  // between a request's arrival and its answer's last byte
  // Part of the request being answered (its body) is left unread: the connection cannot go on
  // to a next request, and closes lingering after the answer.
  bool request_unread_ = false;
  std::size_t lingered_bytes_ = 0;  // read and dropped while lingering
  // A request whose body is streamed to a consumer as it arrives.
  std::optional<api::BodyConsumer> consumer_;
  // The request being answered: its path and when it arrived, for the metrics.
  std::string request_path_;
  std::chrono::steady_clock::time_point request_started_;
  // A streamed answer in progress.
  std::shared_ptr<bhttp::response<bhttp::buffer_body>> stream_response_;
  std::shared_ptr<bhttp::response_serializer<bhttp::buffer_body>> serializer_;
  std::function<bool(std::string*)> producer_;
  std::string chunk_;
  bool stream_keep_alive_ = false;
};

template <class Stream>
Session<Stream>::~Session() {
  std::lock_guard lock(shared_->sessions_mutex);
  shared_->sessions.erase(this);
  shared_->connections.fetch_sub(1);
  if (shared_->metrics != nullptr) shared_->metrics->connection_closed(shared_->port);
}

template <class Stream>
void Session<Stream>::start(bool over_limit) {
  peer_ = peer_address_of(transport().socket());
  if (shared_->metrics != nullptr) shared_->metrics->connection_opened(shared_->port);
  {
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.insert(this);
  }
  asio::dispatch(stream_.get_executor(),
                 [self = shared_this(), over_limit] { self->begin(over_limit); });
}

// Over TLS the handshake comes first, within the request timeout, so that even the 503 of a
// connection past the limit reaches the client in a form it can read.
template <class Stream>
void Session<Stream>::begin(bool over_limit) {
  if constexpr (uses_tls) {
    transport().expires_after(shared_->limits.request_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_this(), over_limit](beast::error_code error) {
                              // A client that speaks plain HTTP, or fails the handshake, cannot
                              // be answered at all.
                              if (error) return self->close_transport();
                              self->serve(over_limit);
                            });
  } else {
    serve(over_limit);
  }
}

template <class Stream>
void Session<Stream>::serve(bool over_limit) {
  if (over_limit) {
    refuse(bhttp::status::service_unavailable, "overloaded",
           "too many connections; try again later");
  } else {
    do_read();
  }
}

template <class Stream>
void Session<Stream>::stop_if_idle() {
  asio::dispatch(stream_.get_executor(), [self = shared_this()] {
    beast::error_code ignored;  // the socket may be closed already
    if (!self->busy_ && self->buffer_.size() == 0) self->transport().socket().cancel(ignored);
  });
}

template <class Stream>
void Session<Stream>::do_read() {
  request_unread_ = false;
  parser_.emplace(request_);
  parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_bytes_max));
  parser_->body_limit(shared_->limits.body_bytes_max);
  transport().expires_after(shared_->limits.request_timeout);
  // The head first: a request whose body can be taken as it arrives (an import) is streamed;
  // every other request is read whole.
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_header, shared_this()));
}

template <class Stream>
void Session<Stream>::on_header(beast::error_code error, std::size_t bytes) {
  if (error) return on_read(error, bytes);
  if (shared_->stream_handler) {
    if (!decode_request_path(request_.target, &request_path_)) {
      return refuse(bhttp::status::bad_request, "bad_request", malformed_target_message);
    }
    const api::ApiRequest request{request_.method, request_path_, {}, request_.authorization,
                                  peer_, query_of(request_.target)};
    request_started_ = std::chrono::steady_clock::now();
    api::HeadDecision decision;
    try {
      decision = shared_->stream_handler(request);
    } catch (...) {
      decision.answer = handler_failure_response(shared_->port);
    }
    if (decision.answer) return answer_from_head(std::move(*decision.answer));
    consumer_ = std::move(decision.consumer);
    if (consumer_) {
      busy_ = true;
      if (parser_->is_done()) return finish_stream();
      return read_body_some();
    }
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_read, shared_this()));
}

template <class Stream>
void Session<Stream>::read_body_some() {
  // A streamed body may be large: each piece, not the whole, must arrive within the timeout.
  transport().expires_after(shared_->limits.request_timeout);
  bhttp::async_read_some(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_body_some, shared_this()));
}

template <class Stream>
void Session<Stream>::on_body_some(beast::error_code error, std::size_t bytes) {
  if (error) {
    consumer_.reset();
    return on_read(error, bytes);
  }
  if (!feed_consumer()) return;
  if (!parser_->is_done()) return read_body_some();
  finish_stream();
}

// Hands the body read so far to the consumer. False when the consumer threw: the request is then
// answered 500, and the rest of its body never read.
template <class Stream>
bool Session<Stream>::feed_consumer() {
  try {
    if (!request_.body.empty()) consumer_->consume(request_.body);
  } catch (...) {
    request_.body.clear();
    consumer_.reset();
    answer_from_head(handler_failure_response(shared_->port));
    return false;
  }
  request_.body.clear();
  return true;
}

template <class Stream>
void Session<Stream>::finish_stream() {
  if (!feed_consumer()) return;
  api::ApiResponse response;
  try {
    response = consumer_->finish();
  } catch (...) {
    response = handler_failure_response(shared_->port);
  }
  consumer_.reset();
  respond(std::move(response), request_.version, keep_alive());
}

// An answer given before the body was read whole (or at all): unless nothing of it is left, the
// connection closes after the answer.
template <class Stream>
void Session<Stream>::answer_from_head(api::ApiResponse response) {
  busy_ = true;
  request_unread_ = !parser_->is_done();
  respond(std::move(response), request_.version, keep_alive());
}

// Whether the connection may carry a next request after this one's answer.
template <class Stream>
bool Session<Stream>::keep_alive() const {
  return !request_unread_ && parser_->keep_alive() && !shared_->stopping->load();
}

template <class Stream>
void Session<Stream>::on_read(beast::error_code error, std::size_t) {
  if (is_transport_broken(error)) return close_transport();
  if (error == bhttp::error::end_of_stream || error == asio::error::operation_aborted) {
    return close();
  }
  if (error == bhttp::error::body_limit) {
    return refuse(bhttp::status::payload_too_large, "body_too_large",
                  "the request body is larger than " +
                      std::to_string(shared_->limits.body_bytes_max) + " bytes");
  }
  if (error == bhttp::error::header_limit) {
    return refuse(bhttp::status::request_header_fields_too_large, "headers_too_large",
                  "the request headers are larger than " +
                      std::to_string(shared_->limits.header_bytes_max) + " bytes");
  }
  if (error) return refuse(bhttp::status::bad_request, "bad_request", "malformed HTTP request");

  busy_ = true;
  if (!decode_request_path(request_.target, &request_path_)) {
    return refuse(bhttp::status::bad_request, "bad_request", malformed_target_message);
  }
  const api::ApiRequest api_request{request_.method, request_path_, request_.body,
                                    request_.authorization, peer_, query_of(request_.target)};
  request_started_ = std::chrono::steady_clock::now();
  respond(call_handler(api_request), request_.version, keep_alive());
}

// The handler's answer, built in place: an ApiResponse made empty first and assigned after would
// allocate its default content type for nothing, on every request.
template <class Stream>
api::ApiResponse Session<Stream>::call_handler(const api::ApiRequest& request) {
  try {
    api::ApiResponse response;
    shared_->handler(request, response);
    return response;
  } catch (...) {
    // A handler must not throw; if one does (out of memory), the client still gets an answer.
    return handler_failure_response(shared_->port);
  }
}

// A handler's answer: once what it promises is durable, counted in the metrics (so that the
// latency histogram includes the wait for the journal) and written.
template <class Stream>
void Session<Stream>::respond(api::ApiResponse response, unsigned version, bool keep_alive) {
  if (response.deferred) {
    // The handler answers later, from a thread of its own; the session goes on on its own
    // thread.
    auto deferred = std::move(response.deferred);
    try {
      deferred([self = shared_this(), version, keep_alive](api::ApiResponse later) {
        asio::post(self->stream_.get_executor(),
                   [self, later = std::move(later), version, keep_alive]() mutable {
                     self->respond(std::move(later), version, keep_alive);
                   });
      });
    } catch (...) {
      // It could not start the work (no memory for a copy, say), so it will never call back.
      respond(handler_failure_response(shared_->port), version, keep_alive);
    }
    return;
  }
  if (!response.is_complete()) {
    // The answer waits, off the thread, until the journal holds it; the I/O thread resumes the
    // session once the journal's group is durable.
    held_ = std::move(response);
    held_version_ = version;
    held_keep_alive_ = keep_alive;
    return thread_.hold_until_durable(*held_.durable_in, held_.sequence, shared_this());
  }
  if (response.acknowledged_by != nullptr && !response.acknowledged_by->may_acknowledge()) {
    // The moment the answer leaves: the node lost its lease since the change was made.
    response = api::error_response(503, "not_primary", reason_sentence(Reason::not_primary));
  }
  if (shared_->metrics != nullptr) {
    shared_->metrics->record(shared_->port, request_path_, response.status,
                             std::chrono::steady_clock::now() - request_started_);
  }
  answer(std::move(response), version, keep_alive);
}

template <class Stream>
void Session<Stream>::resume_durable() {
  if (!held_.is_complete()) {
    held_ = api::error_response(503, "not_durable",
                                "the journal could not be written; nothing was promised");
  }
  respond(std::move(held_), held_version_, held_keep_alive_);
}

template <class Stream>
void Session<Stream>::answer(api::ApiResponse response, unsigned version, bool keep_alive) {
  const auto status = static_cast<bhttp::status>(response.status);
  if (response.stream) {
    stream_response_ = std::make_shared<bhttp::response<bhttp::buffer_body>>(status, version);
    stream_response_->set(bhttp::field::server, "coupond");
    stream_response_->set(bhttp::field::content_type, response.content_type);
    stream_response_->keep_alive(keep_alive);
    stream_response_->chunked(true);
    serializer_ =
        std::make_shared<bhttp::response_serializer<bhttp::buffer_body>>(*stream_response_);
    producer_ = std::move(response.stream);
    stream_keep_alive_ = keep_alive;
    // The head goes out with the first chunk: a producer that fails at once still gets a 500.
    return write_chunk();
  }
  response_body_ = std::move(response.body);
  write_response_head(response_head_, response.status, version, response.content_type,
                      response_body_.size(), keep_alive);
  transport().expires_after(shared_->limits.request_timeout);
  const std::array<asio::const_buffer, 2> head_and_body{asio::buffer(response_head_),
                                                        asio::buffer(response_body_)};
  asio::async_write(stream_, head_and_body,
                    [self = shared_this(), keep_alive](beast::error_code error, std::size_t) {
                      self->after_write(error, keep_alive);
                    });
}

template <class Stream>
void Session<Stream>::write_chunk() {
  chunk_.clear();
  bool more = false;
  try {
    more = producer_(&chunk_);
  } catch (...) {
    const bool head_sent = serializer_->is_header_done();
    const unsigned version = stream_response_->version();
    end_stream();
    if (!head_sent) {
      return answer(handler_failure_response(shared_->port), version, stream_keep_alive_);
    }
    // The head said 200: the body is cut off without its last chunk, so that the client sees a
    // broken transfer rather than one that looks complete.
    log_handler_failure(shared_->port, "the streamed answer was cut off");
    return close_transport();
  }
  stream_response_->body().data = chunk_.empty() ? nullptr : chunk_.data();
  stream_response_->body().size = chunk_.size();
  stream_response_->body().more = more;
  transport().expires_after(shared_->limits.request_timeout);
  bhttp::async_write(stream_, *serializer_,
                     [self = shared_this()](beast::error_code error, std::size_t) {
                       if (error == bhttp::error::need_buffer) error = {};
                       if (error) return self->close_transport();
                       if (!self->serializer_->is_done()) return self->write_chunk();
                       self->end_stream();
                       self->after_write({}, self->stream_keep_alive_);
                     });
}

template <class Stream>
void Session<Stream>::end_stream() {
  serializer_.reset();
  stream_response_.reset();
  producer_ = nullptr;
}

template <class Stream>
void Session<Stream>::after_write(beast::error_code error, bool keep_alive) {
  busy_ = false;
  if (error) return close_transport();
  if (request_unread_) return linger();
  if (!keep_alive || shared_->stopping->load()) return close();
  do_read();
}

// Answers with an error and closes: used when the request cannot be read any further.
template <class Stream>
void Session<Stream>::refuse(bhttp::status status, std::string_view code,
                             std::string_view message) {
  busy_ = true;
  request_unread_ = true;
  answer(api::error_response(static_cast<int>(status), code, message), 11, false);
}

// The answer is out, part of the request unread: see lingering_close_time. Over plain TCP the
// client reads the end of the answer at once; over TLS close_notify follows the lingering.
template <class Stream>
void Session<Stream>::linger() {
  buffer_.consume(buffer_.size());
  lingered_bytes_ = 0;
  if constexpr (!uses_tls) {
    beast::error_code ignored;
    transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  transport().expires_after(lingering_close_time);
  discard_some();
}

template <class Stream>
void Session<Stream>::discard_some() {
  stream_.async_read_some(buffer_.prepare(lingering_read_bytes),
                          [self = shared_this()](beast::error_code error, std::size_t bytes) {
                            // Never committed to the buffer: the bytes are dropped.
                            self->lingered_bytes_ += bytes;
                            if (is_transport_broken(error)) return self->close_transport();
                            if (error || self->lingered_bytes_ >= lingering_close_bytes) {
                              return self->close();
                            }
                            self->discard_some();
                          });
}

// Over TLS, close_notify goes first (bounded in time) so that the client can tell the end of the
// connection from a cut.
template <class Stream>
void Session<Stream>::close() {
  if constexpr (uses_tls) {
    transport().expires_after(tls_shutdown_timeout);
    stream_.async_shutdown([self = shared_this()](beast::error_code) { self->close_transport(); });
  } else {
    close_transport();
  }
}

template <class Stream>
void Session<Stream>::close_transport() {
  beast::error_code ignored;
  transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
  transport().socket().close(ignored);
}


}  // namespace

void start_admin_session(std::shared_ptr<Shared> shared, IoThread& thread, Socket socket,
                         bool over_limit) {
  if (shared->tls_context) {
    ssl::context& tls = *shared->tls_context;
    std::make_shared<Session<TlsStream>>(std::move(shared), thread, std::move(socket), tls)
        ->start(over_limit);
  } else {
    std::make_shared<Session<PlainStream>>(std::move(shared), thread, std::move(socket))
        ->start(over_limit);
  }
}

}  // namespace coupond::http
