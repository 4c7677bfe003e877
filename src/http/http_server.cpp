// Listeners and the server's threads. The shape is nginx's: each I/O thread runs an io_context of
// its own, a listener hands each connection it accepts to the next of its threads in turn, and
// the connection lives on that one thread to its end, so a session needs no strand and the
// threads share no scheduler. The data port's connections are served by the lean session of
// data_session.h, the admin port's by the Beast session of admin_session.h.
#include "http/http_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>

#include <atomic>
#include <cerrno>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "http/admin_session.h"
#include "http/connection.h"
#include "http/data_session.h"
#include "http/io_thread.h"

namespace coupond::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;

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

// Accepts on one thread and hands each connection to the next of its I/O threads in turn.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::vector<IoThread*> threads, Acceptor&& acceptor, std::shared_ptr<Shared> shared)
      : threads_(std::move(threads)),
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
    IoThread& next = *threads_[next_thread_];
    next_thread_ = (next_thread_ + 1) % threads_.size();
    acceptor_.async_accept(next.context(),
                           [self = shared_from_this(), &next](beast::error_code error,
                                                              Socket socket) {
                             self->on_accept(error, std::move(socket), next);
                           });
  }
  void on_accept(beast::error_code error, Socket socket, IoThread& thread) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (is_out_of_resources(error)) return retry_later(error);
    if (!error) {
      const bool over_limit = shared_->connections.fetch_add(1) >= shared_->limits.connections_max;
      start_session(std::move(socket), thread, over_limit);
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
  void start_session(Socket&& socket, IoThread& thread, bool over_limit) {
    // The data port is plain TCP; TLS and streamed bodies are the admin port's.
    if (shared_->port == api::Port::data && !shared_->tls_context) {
      start_data_session(shared_, thread, std::move(socket), over_limit);
    } else {
      start_admin_session(shared_, thread, std::move(socket), over_limit);
    }
  }

  const std::vector<IoThread*> threads_;
  std::size_t next_thread_ = 0;  // touched by the acceptor's thread only
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

// The data port's connections are spread over the I/O threads; the admin port has a thread of its
// own, so that an import, a generate or a stats walk never holds a thread a checkout waits on.
struct HttpServer::Impl {
  explicit Impl(unsigned thread_count) {
    for (unsigned i = 0; i < thread_count; ++i) {
      data_threads.push_back(std::make_unique<IoThread>());
    }
  }
  ~Impl() {
    stop_threads();
    for (IoThread* thread : all_threads()) thread->shut_down();
  }
  std::vector<IoThread*> all_threads() const {
    std::vector<IoThread*> out;
    for (const auto& thread : data_threads) out.push_back(thread.get());
    out.push_back(admin_thread.get());
    return out;
  }
  std::vector<IoThread*> threads_for(api::Port port) const {
    if (port == api::Port::admin) return {admin_thread.get()};
    std::vector<IoThread*> out;
    for (const auto& thread : data_threads) out.push_back(thread.get());
    return out;
  }
  void stop_threads() {
    work.clear();
    for (IoThread* thread : all_threads()) thread->stop();
    for (std::thread& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    threads.clear();
  }
  std::vector<std::unique_ptr<IoThread>> data_threads;
  std::unique_ptr<IoThread> admin_thread = std::make_unique<IoThread>();
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<bool> stopping{false};
  std::vector<asio::executor_work_guard<Executor>> work;
  // Installed by run(), before the server says it listens: a SIGTERM that arrives right after
  // "listening on" must stop the server gracefully, not kill it.
  asio::io_context signals_context;
  std::optional<asio::signal_set> signals;
  int received_signal = 0;
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
  const std::vector<IoThread*> threads = impl_->threads_for(which);
  Acceptor acceptor(threads.front()->context());
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
  impl_->listeners.push_back(
      std::make_shared<Listener>(threads, std::move(acceptor), std::move(shared)));
  return Status::ok();
}

void HttpServer::run() {
  impl_->signals.emplace(impl_->signals_context, SIGINT, SIGTERM);
  impl_->signals->async_wait(
      [impl = impl_.get()](beast::error_code, int number) { impl->received_signal = number; });
  for (IoThread* thread : impl_->all_threads()) {
    impl_->work.push_back(asio::make_work_guard(thread->context()));
    thread->start();
  }
  for (auto& listener : impl_->listeners) listener->start();
  for (IoThread* thread : impl_->all_threads()) {
    const bool background = thread == impl_->admin_thread.get();
    impl_->threads.emplace_back([thread, background] { thread->run(background); });
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
  impl_->stop_threads();
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
