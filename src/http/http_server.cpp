// Listener and session in the shape of Boost.Beast's advanced server examples, threaded the way
// nginx is: each I/O thread runs an io_context of its own, a listener hands each connection it
// accepts to the next thread's context in turn, and the connection lives on that one thread to
// its end, so a session needs no strand and the threads share no scheduler. A
// session reads one request, answers it, and only then reads the next, so pipelined requests are
// answered in order. A session is written once for plain TCP and for TLS: the two differ only in
// how a connection begins and ends.
#include "http/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "api/responses.h"
#include "http/request_reader.h"
#include "http/request_target.h"
#include "http/response_head.h"
#include "journal/fault_point.h"

namespace coupond::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
// The concrete executor of one thread's context, not the type-erased any_io_executor, which
// copies and destroys an erased executor through function pointers around every handler.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using PlainStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<PlainStream>;

// A client that never answers the server's TLS close_notify must not keep its connection, nor a
// graceful stop, waiting.
constexpr auto tls_shutdown_timeout = std::chrono::seconds(5);

// Out of descriptors (or kernel memory), accepting again at once fails again at once: the
// listener would spin a core while the connections that hold the descriptors stay unanswered. It
// waits this long between tries instead; the waiting connections stay in the kernel's backlog.
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);
constexpr auto accept_error_log_interval = std::chrono::seconds(10);

bool is_out_of_resources(const beast::error_code& error) {
  if (error.category() != asio::error::get_system_category()) return false;
  const int value = error.value();
  return value == EMFILE || value == ENFILE || value == ENOBUFS || value == ENOMEM;
}

// Errors of a connection that broke under the HTTP: it can carry nothing more, not even TLS's
// close_notify.
bool is_transport_broken(const beast::error_code& error) {
  return error == beast::error::timeout || error == asio::error::connection_reset ||
         error == ssl::error::stream_truncated ||
         error.category() == asio::error::get_ssl_category();
}

// The client's address as the api sees it, read once per connection: an IPv4 client of a
// dual-stack listener as IPv4. Empty when the socket cannot tell (it closed already).
std::string peer_address_of(const Socket& socket) {
  beast::error_code error;
  const tcp::endpoint endpoint = socket.remote_endpoint(error);
  if (error) return {};
  // The tests reach the server over loopback only; this fault point makes every client look like
  // one from elsewhere (TEST-NET-1), to check what such clients get.
  if (journal::fault_injected("http.peer_not_loopback")) return "192.0.2.1";
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

// What the graceful stop needs of a session, whichever stream it runs on.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void stop_if_idle() = 0;
};

// What every session of one listener shares.
struct Shared {
  HttpLimits limits;
  Handler handler;
  api::Metrics* metrics = nullptr;
  api::Port port = api::Port::data;
  StreamHandler stream_handler;
  std::shared_ptr<ssl::context> tls_context;  // null on a plain TCP listener
  DurabilityGate durability_gate;
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

// One connection, over Stream: PlainStream or TlsStream.
template <class Stream>
class Session : public Connection {
 public:
  template <class... StreamArguments>
  explicit Session(std::shared_ptr<Shared> shared, StreamArguments&&... stream_arguments)
      : stream_(std::forward<StreamArguments>(stream_arguments)...), shared_(std::move(shared)) {}
  ~Session() override;

  void start(bool over_limit);
  void stop_if_idle() override;

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
  void finish_stream();
  void on_read(beast::error_code error, std::size_t bytes);
  api::ApiResponse call_handler(const api::ApiRequest& request);
  void respond(api::ApiResponse response, unsigned version, bool keep_alive);
  void answer(api::ApiResponse response, unsigned version, bool keep_alive);
  void write_chunk();
  void after_write(beast::error_code error, bool keep_alive);
  void refuse(bhttp::status status, std::string_view code, std::string_view message);
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
  std::string peer_;  // the client's address
  bool busy_ = false;  // between a request's arrival and its answer's last byte
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
                                  peer_};
    consumer_ = shared_->stream_handler(request);
    if (consumer_) {
      busy_ = true;
      request_started_ = std::chrono::steady_clock::now();
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
  consumer_->consume(request_.body);
  request_.body.clear();
  if (!parser_->is_done()) return read_body_some();
  finish_stream();
}

template <class Stream>
void Session<Stream>::finish_stream() {
  if (!request_.body.empty()) consumer_->consume(request_.body);
  request_.body.clear();
  api::ApiResponse response = consumer_->finish();
  consumer_.reset();
  const bool keep_alive = parser_->keep_alive() && !shared_->stopping->load();
  respond(std::move(response), request_.version, keep_alive);
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
                                    request_.authorization, peer_};
  request_started_ = std::chrono::steady_clock::now();
  const bool keep_alive = parser_->keep_alive() && !shared_->stopping->load();
  respond(call_handler(api_request), request_.version, keep_alive);
}

// The handler's answer, built in place: an ApiResponse made empty first and assigned after would
// allocate its default content type for nothing, on every request.
template <class Stream>
api::ApiResponse Session<Stream>::call_handler(const api::ApiRequest& request) {
  try {
    return shared_->handler(request);
  } catch (const std::exception& exception) {
    // A handler must not throw; if one does (out of memory), the client still gets an answer.
    return api::error_response(500, "internal", "the server failed to answer");
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
    deferred([self = shared_this(), version, keep_alive](api::ApiResponse later) {
      asio::post(self->stream_.get_executor(),
                 [self, later = std::move(later), version, keep_alive]() mutable {
                   self->respond(std::move(later), version, keep_alive);
                 });
    });
    return;
  }
  if (response.durable_after != 0 && shared_->durability_gate) {
    // The answer waits, off the thread, until the journal holds it; the gate calls back from the
    // journal's thread, and the session goes on on its own thread.
    const std::uint64_t sequence = std::exchange(response.durable_after, 0);
    auto waiting = std::make_shared<api::ApiResponse>(std::move(response));
    shared_->durability_gate(sequence, [self = shared_this(), waiting, version,
                                        keep_alive](bool durable) {
      asio::post(self->stream_.get_executor(), [self, waiting, version, keep_alive, durable] {
        if (!durable) {
          *waiting = api::error_response(503, "not_durable",
                                         "the journal could not be written; nothing was promised");
        }
        self->respond(std::move(*waiting), version, keep_alive);
      });
    });
    return;
  }
  if (shared_->metrics != nullptr) {
    shared_->metrics->record(shared_->port, request_path_, response.status,
                             std::chrono::steady_clock::now() - request_started_);
  }
  answer(std::move(response), version, keep_alive);
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
    // The write deadline grows with the answer: each chunk gets the request timeout anew.
    transport().expires_after(shared_->limits.request_timeout);
    bhttp::async_write_header(stream_, *serializer_,
                              [self = shared_this()](beast::error_code error, std::size_t) {
                                if (error) return self->close_transport();
                                self->write_chunk();
                              });
    return;
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
  const bool more = producer_(&chunk_);
  stream_response_->body().data = chunk_.empty() ? nullptr : chunk_.data();
  stream_response_->body().size = chunk_.size();
  stream_response_->body().more = more;
  transport().expires_after(shared_->limits.request_timeout);
  bhttp::async_write(stream_, *serializer_,
                     [self = shared_this()](beast::error_code error, std::size_t) {
                       if (error == bhttp::error::need_buffer) error = {};
                       if (error) return self->close_transport();
                       if (!self->serializer_->is_done()) return self->write_chunk();
                       self->serializer_.reset();
                       self->stream_response_.reset();
                       self->producer_ = nullptr;
                       self->after_write({}, self->stream_keep_alive_);
                     });
}

template <class Stream>
void Session<Stream>::after_write(beast::error_code error, bool keep_alive) {
  busy_ = false;
  if (error) return close_transport();
  if (!keep_alive || shared_->stopping->load()) return close();
  do_read();
}

// Answers with an error and closes: used when the request cannot be read any further.
template <class Stream>
void Session<Stream>::refuse(bhttp::status status, std::string_view code,
                             std::string_view message) {
  busy_ = true;
  answer(api::error_response(static_cast<int>(status), code, message), 11, false);
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

// Accepts on one thread and hands each connection to the next I/O thread's context in turn.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::vector<asio::io_context*> contexts, Acceptor&& acceptor,
           std::shared_ptr<Shared> shared)
      : contexts_(std::move(contexts)),
        acceptor_(std::move(acceptor)),
        retry_timer_(acceptor_.get_executor()),
        shared_(std::move(shared)) {}

  void start() { do_accept(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }
  Shared& shared() { return *shared_; }

 private:
  void do_accept() {
    asio::io_context& next = *contexts_[next_context_];
    next_context_ = (next_context_ + 1) % contexts_.size();
    acceptor_.async_accept(next,
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code error, Socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (is_out_of_resources(error)) return retry_later(error);
    if (!error) {
      const bool over_limit = shared_->connections.fetch_add(1) >= shared_->limits.connections_max;
      start_session(std::move(socket), over_limit);
    }
    do_accept();
  }
  void retry_later(const beast::error_code& error) {
    // Once in a while: the log must not grow by twenty lines a second.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_logged_ >= accept_error_log_interval) {
      last_logged_ = now;
      std::cerr << "coupond: cannot accept connections (" << error.message()
                << "); trying again every " << accept_retry_delay.count()
                << " ms until connections close\n";
    }
    retry_timer_.expires_after(accept_retry_delay);
    retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
      if (wait_error || !self->acceptor_.is_open()) return;
      self->do_accept();
    });
  }
  void start_session(Socket&& socket, bool over_limit) {
    if (shared_->tls_context) {
      std::make_shared<Session<TlsStream>>(shared_, std::move(socket), *shared_->tls_context)
          ->start(over_limit);
    } else {
      std::make_shared<Session<PlainStream>>(shared_, std::move(socket))->start(over_limit);
    }
  }

  const std::vector<asio::io_context*> contexts_;  // one per I/O thread
  std::size_t next_context_ = 0;  // touched by the acceptor's thread only
  Acceptor acceptor_;
  asio::basic_waitable_timer<std::chrono::steady_clock,
                             asio::wait_traits<std::chrono::steady_clock>, Executor>
      retry_timer_;
  std::chrono::steady_clock::time_point last_logged_{};  // the last accept error told
  std::shared_ptr<Shared> shared_;
};

// A TLS listener's context: TLS 1.2 or later, no compression (it leaks secrets, CRIME), and the
// operator's certificate chain and key. Errors name the file: a wrong path is the usual cause.
Status make_tls_context(const TlsFiles& files, std::shared_ptr<ssl::context>* out) {
  std::shared_ptr<ssl::context> context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& exception) {  // OpenSSL could not allocate one
    return Status::io_error(std::string("cannot create a TLS context: ") + exception.what());
  }
  beast::error_code error;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression, error);
  if (error || SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    return Status::io_error("cannot configure the TLS context");
  }
  context->use_certificate_chain_file(files.certificate_chain_file, error);
  if (error) {
    return Status::invalid_argument("cannot load the TLS certificate chain " +
                                    files.certificate_chain_file + ": " + error.message());
  }
  // OpenSSL checks here that the key is the certificate's ("key values mismatch").
  context->use_private_key_file(files.private_key_file, ssl::context::pem, error);
  if (error) {
    return Status::invalid_argument("cannot load the TLS private key " + files.private_key_file +
                                    ": " + error.message());
  }
  *out = std::move(context);
  return Status::ok();
}

}  // namespace

// One I/O thread's context. Hint 1: one thread runs it, so its scheduler skips the work of waking
// others; other threads still post to it (the journal's, the stopping one), so it keeps its locks.
// Its services can be shut down before any context is destroyed: a listener's pending accept, on
// one thread's context, holds a socket of the next thread's, which must still exist when the
// accept is abandoned.
class ThreadContext : public asio::io_context {
 public:
  ThreadContext() : asio::io_context(1) {}
  using asio::io_context::shutdown;
};

struct HttpServer::Impl {
  explicit Impl(unsigned thread_count) {
    for (unsigned i = 0; i < thread_count; ++i) {
      contexts.push_back(std::make_unique<ThreadContext>());
    }
  }
  ~Impl() {
    stop_contexts();
    for (auto& context : contexts) context->shutdown();
  }
  std::vector<asio::io_context*> context_pointers() const {
    std::vector<asio::io_context*> out;
    for (const auto& context : contexts) out.push_back(context.get());
    return out;
  }
  void stop_contexts() {
    work.clear();
    for (auto& context : contexts) context->stop();
    for (std::thread& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    threads.clear();
  }
  std::vector<std::unique_ptr<ThreadContext>> contexts;  // one per I/O thread
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<bool> stopping{false};
  std::vector<asio::executor_work_guard<Executor>> work;
  // Installed by run(), before the server says it listens: a SIGTERM that arrives right after
  // "listening on" must stop the server gracefully, not kill it.
  asio::io_context signals_context;
  std::optional<asio::signal_set> signals;
  int received_signal = 0;
  DurabilityGate durability_gate;
};

HttpServer::HttpServer(unsigned threads) : impl_(std::make_unique<Impl>(std::max(1u, threads))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::listen(const std::string& host, std::uint16_t port, const HttpLimits& limits,
                          Handler handler, std::string* bound, api::Metrics* metrics,
                          api::Port which, StreamHandler stream_handler,
                          const std::optional<TlsFiles>& tls) {
  // The files first: a listener that cannot speak TLS must not be bound at all.
  std::shared_ptr<ssl::context> tls_context;
  if (tls) {
    if (auto status = make_tls_context(*tls, &tls_context); !status.is_ok()) return status;
  }
  beast::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) return Status::invalid_argument("not an IP address: " + host);
  const tcp::endpoint endpoint(address, port);
  // The listeners' accepting is spread over the threads too: the data port's on the first.
  asio::io_context& accepting =
      *impl_->contexts[impl_->listeners.size() % impl_->contexts.size()];
  Acceptor acceptor(accepting);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::io_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                            error.message());
  }
  const tcp::endpoint local = acceptor.local_endpoint(error);
  if (error) return Status::io_error("cannot read the bound address: " + error.message());
  const std::string shown = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                    : local.address().to_string();
  *bound = shown + ":" + std::to_string(local.port());
  auto shared = std::make_shared<Shared>();
  shared->limits = limits;
  shared->handler = std::move(handler);
  shared->stopping = &impl_->stopping;
  shared->metrics = metrics;
  shared->port = which;
  shared->stream_handler = std::move(stream_handler);
  shared->tls_context = std::move(tls_context);
  shared->durability_gate = impl_->durability_gate;
  impl_->listeners.push_back(
      std::make_shared<Listener>(impl_->context_pointers(), std::move(acceptor),
                                 std::move(shared)));
  return Status::ok();
}

void HttpServer::set_durability_gate(DurabilityGate gate) { impl_->durability_gate = std::move(gate); }

void HttpServer::run() {
  impl_->signals.emplace(impl_->signals_context, SIGINT, SIGTERM);
  impl_->signals->async_wait(
      [impl = impl_.get()](beast::error_code, int number) { impl->received_signal = number; });
  for (auto& context : impl_->contexts) impl_->work.push_back(asio::make_work_guard(*context));
  for (auto& listener : impl_->listeners) listener->start();
  for (auto& context : impl_->contexts) {
    impl_->threads.emplace_back([context = context.get()] { context->run(); });
  }
}

void HttpServer::run_until_signal(std::chrono::seconds grace) {
  impl_->signals_context.run();
  std::cerr << "coupond: signal " << impl_->received_signal
            << ": stopping; answering requests in flight\n";

  impl_->stopping.store(true);
  for (auto& listener : impl_->listeners) listener->stop();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t open = 0;
    for (auto& listener : impl_->listeners) {
      for (auto& weak : listener->shared().snapshot()) {
        if (auto session = weak.lock()) session->stop_if_idle();
      }
      open += listener->shared().connections.load();
    }
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  impl_->stop_contexts();
}

bool split_host_port(const std::string& text, std::string* host, std::uint16_t* port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  std::string host_part = text.substr(0, colon);
  if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
    host_part = host_part.substr(1, host_part.size() - 2);
  }
  unsigned long value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535) return false;
  }
  if (host_part.empty()) return false;
  *host = host_part;
  *port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace coupond::http
