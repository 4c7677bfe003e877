// Listener and session in the shape of Boost.Beast's advanced server example: a listener accepts
// and hands each connection to a session on its own strand; a session reads one request, answers
// it, and only then reads the next, so pipelined requests are answered in order.
#include "http/http_server.h"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "api/responses.h"

namespace coupond::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Decodes %XX in a path segment ("%20" -> " "); malformed escapes are kept as they are.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

struct Shared;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}
  ~Session();

  void start(bool over_limit);
  void stop_if_idle();

 private:
  void do_read();
  void on_header(beast::error_code error, std::size_t bytes);
  void read_body_some();
  void on_body_some(beast::error_code error, std::size_t bytes);
  void finish_stream();
  void on_read(beast::error_code error, std::size_t bytes);
  void answer(api::ApiResponse response, unsigned version, bool keep_alive);
  void write_chunk();
  void after_write(beast::error_code error, bool keep_alive);
  void refuse(bhttp::status status, std::string_view code, std::string_view message);
  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  bool busy_ = false;  // between a request's arrival and its answer's last byte
  // A request whose body is streamed to a consumer as it arrives.
  std::optional<api::BodyConsumer> consumer_;
  std::string consumer_path_;
  std::chrono::steady_clock::time_point consumer_started_;
  // A streamed answer in progress.
  std::shared_ptr<bhttp::response<bhttp::buffer_body>> stream_response_;
  std::shared_ptr<bhttp::response_serializer<bhttp::buffer_body>> serializer_;
  std::function<bool(std::string*)> producer_;
  std::string chunk_;
  bool stream_keep_alive_ = false;
};

// What every session of one listener shares.
struct Shared {
  HttpLimits limits;
  Handler handler;
  api::Metrics* metrics = nullptr;
  api::Port port = api::Port::data;
  StreamHandler stream_handler;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool>* stopping = nullptr;
  std::mutex sessions_mutex;
  std::unordered_set<Session*> sessions;  // live sessions, for the graceful stop
  std::vector<std::weak_ptr<Session>> snapshot() {
    std::vector<std::weak_ptr<Session>> out;
    std::lock_guard lock(sessions_mutex);
    for (Session* session : sessions) out.push_back(session->weak_from_this());
    return out;
  }
};

Session::~Session() {
  std::lock_guard lock(shared_->sessions_mutex);
  shared_->sessions.erase(this);
  shared_->connections.fetch_sub(1);
  if (shared_->metrics != nullptr) shared_->metrics->connection_closed(shared_->port);
}

void Session::start(bool over_limit) {
  if (shared_->metrics != nullptr) shared_->metrics->connection_opened(shared_->port);
  {
    std::lock_guard lock(shared_->sessions_mutex);
    shared_->sessions.insert(this);
  }
  asio::dispatch(stream_.get_executor(), [self = shared_from_this(), over_limit] {
    if (over_limit) {
      self->refuse(bhttp::status::service_unavailable, "overloaded",
                   "too many connections; try again later");
    } else {
      self->do_read();
    }
  });
}

void Session::stop_if_idle() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;  // the socket may be closed already
    if (!self->busy_ && self->buffer_.size() == 0) self->stream_.socket().cancel(ignored);
  });
}

void Session::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_bytes_max));
  parser_->body_limit(shared_->limits.body_bytes_max);
  stream_.expires_after(shared_->limits.request_timeout);
  // The head first: a request whose body can be taken as it arrives (an import) is streamed;
  // every other request is read whole.
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code error, std::size_t bytes) {
  if (error) return on_read(error, bytes);
  if (shared_->stream_handler) {
    const auto& head = parser_->get();
    const std::string_view target = head.target();
    consumer_path_ = percent_decode(target.substr(0, target.find('?')));
    const api::ApiRequest request{head.method_string(), consumer_path_, {},
                                  head[bhttp::field::authorization]};
    consumer_ = shared_->stream_handler(request);
    if (consumer_) {
      busy_ = true;
      consumer_started_ = std::chrono::steady_clock::now();
      if (parser_->is_done()) return finish_stream();
      return read_body_some();
    }
  }
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::read_body_some() {
  // A streamed body may be large: each piece, not the whole, must arrive within the timeout.
  stream_.expires_after(shared_->limits.request_timeout);
  bhttp::async_read_some(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&Session::on_body_some, shared_from_this()));
}

void Session::on_body_some(beast::error_code error, std::size_t bytes) {
  if (error) {
    consumer_.reset();
    return on_read(error, bytes);
  }
  std::string& body = parser_->get().body();
  consumer_->consume(body);
  body.clear();
  if (!parser_->is_done()) return read_body_some();
  finish_stream();
}

void Session::finish_stream() {
  std::string& body = parser_->get().body();
  if (!body.empty()) consumer_->consume(body);
  body.clear();
  api::ApiResponse response = consumer_->finish();
  consumer_.reset();
  if (shared_->metrics != nullptr) {
    shared_->metrics->record(shared_->port, consumer_path_, response.status,
                             std::chrono::steady_clock::now() - consumer_started_);
  }
  const auto& head = parser_->get();
  const bool keep_alive = head.keep_alive() && !shared_->stopping->load();
  answer(std::move(response), head.version(), keep_alive);
}

void Session::on_read(beast::error_code error, std::size_t) {
  if (error == bhttp::error::end_of_stream || error == asio::error::operation_aborted ||
      error == beast::error::timeout || error == asio::error::connection_reset) {
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
  bhttp::request<bhttp::string_body> request = parser_->release();
  const std::string_view target = request.target();
  const std::string path = percent_decode(target.substr(0, target.find('?')));
  api::ApiRequest api_request{request.method_string(), path, request.body(),
                              request[bhttp::field::authorization]};
  api::ApiResponse response;
  const auto started = std::chrono::steady_clock::now();
  try {
    response = shared_->handler(api_request);
  } catch (const std::exception& exception) {
    // A handler must not throw; if one does (out of memory), the client still gets an answer.
    response = api::error_response(500, "internal", "the server failed to answer");
  }
  if (shared_->metrics != nullptr) {
    shared_->metrics->record(shared_->port, path, response.status,
                             std::chrono::steady_clock::now() - started);
  }
  const bool keep_alive = request.keep_alive() && !shared_->stopping->load();
  answer(std::move(response), request.version(), keep_alive);
}

void Session::answer(api::ApiResponse response, unsigned version, bool keep_alive) {
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
    stream_.expires_after(shared_->limits.request_timeout);
    bhttp::async_write_header(stream_, *serializer_,
                              [self = shared_from_this()](beast::error_code error, std::size_t) {
                                if (error) return self->close();
                                self->write_chunk();
                              });
    return;
  }
  auto message = std::make_shared<bhttp::response<bhttp::string_body>>(status, version);
  message->set(bhttp::field::server, "coupond");
  message->set(bhttp::field::content_type, response.content_type);
  message->keep_alive(keep_alive);
  message->body() = std::move(response.body);
  message->prepare_payload();
  stream_.expires_after(shared_->limits.request_timeout);
  bhttp::async_write(stream_, *message,
                     [self = shared_from_this(), message, keep_alive](beast::error_code error,
                                                                      std::size_t) {
                       self->after_write(error, keep_alive);
                     });
}

void Session::write_chunk() {
  chunk_.clear();
  const bool more = producer_(&chunk_);
  stream_response_->body().data = chunk_.empty() ? nullptr : chunk_.data();
  stream_response_->body().size = chunk_.size();
  stream_response_->body().more = more;
  stream_.expires_after(shared_->limits.request_timeout);
  bhttp::async_write(stream_, *serializer_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       if (error == bhttp::error::need_buffer) error = {};
                       if (error) return self->close();
                       if (!self->serializer_->is_done()) return self->write_chunk();
                       self->serializer_.reset();
                       self->stream_response_.reset();
                       self->producer_ = nullptr;
                       self->after_write({}, self->stream_keep_alive_);
                     });
}

void Session::after_write(beast::error_code error, bool keep_alive) {
  busy_ = false;
  if (error || !keep_alive || shared_->stopping->load()) return close();
  do_read();
}

// Answers with an error and closes: used when the request cannot be read any further.
void Session::refuse(bhttp::status status, std::string_view code, std::string_view message) {
  busy_ = true;
  answer(api::error_response(static_cast<int>(status), code, message), 11, false);
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.socket().close(ignored);
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& context, tcp::acceptor&& acceptor, std::shared_ptr<Shared> shared)
      : context_(context), acceptor_(std::move(acceptor)), shared_(std::move(shared)) {}

  void start() { do_accept(); }
  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }
  Shared& shared() { return *shared_; }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(context_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!error) {
      const bool over_limit = shared_->connections.fetch_add(1) >= shared_->limits.connections_max;
      std::make_shared<Session>(std::move(socket), shared_)->start(over_limit);
    }
    do_accept();
  }

  asio::io_context& context_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(unsigned thread_count)
      : context(static_cast<int>(thread_count)), threads_wanted(thread_count) {}
  asio::io_context context;
  unsigned threads_wanted;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<bool> stopping{false};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  // Installed by run(), before the server says it listens: a SIGTERM that arrives right after
  // "listening on" must stop the server gracefully, not kill it.
  asio::io_context signals_context;
  std::optional<asio::signal_set> signals;
  int received_signal = 0;
};

HttpServer::HttpServer(unsigned threads) : impl_(std::make_unique<Impl>(std::max(1u, threads))) {}

HttpServer::~HttpServer() {
  impl_->context.stop();
  for (std::thread& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

Status HttpServer::listen(const std::string& host, std::uint16_t port, const HttpLimits& limits,
                          Handler handler, std::string* bound, api::Metrics* metrics,
                          api::Port which, StreamHandler stream_handler) {
  beast::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) return Status::invalid_argument("not an IP address: " + host);
  const tcp::endpoint endpoint(address, port);
  tcp::acceptor acceptor(impl_->context);
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
  impl_->listeners.push_back(
      std::make_shared<Listener>(impl_->context, std::move(acceptor), std::move(shared)));
  return Status::ok();
}

void HttpServer::run() {
  impl_->signals.emplace(impl_->signals_context, SIGINT, SIGTERM);
  impl_->signals->async_wait(
      [impl = impl_.get()](beast::error_code, int number) { impl->received_signal = number; });
  impl_->work.emplace(impl_->context.get_executor());
  for (auto& listener : impl_->listeners) listener->start();
  for (unsigned i = 0; i < impl_->threads_wanted; ++i) {
    impl_->threads.emplace_back([this] { impl_->context.run(); });
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
  impl_->work.reset();
  impl_->context.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
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
