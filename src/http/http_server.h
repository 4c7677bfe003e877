// coupond's HTTP/1.1 server: listeners (plain or TLS), connections with keep-alive and pipelining
// (answered in order), limits on headers, bodies, connections and time, and a graceful stop.
// Boost.Beast and OpenSSL stay inside src/http's sources: this header is all that the rest of the
// program includes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/api_types.h"
#include "api/metrics.h"
#include "coupond/status.h"

namespace coupond::http {

struct HttpLimits {
  // A request's start line and headers; past it the client gets 431 and the connection closes.
  std::size_t header_bytes_max = 8 * 1024;
  // A request's body; past it the client gets 413 and the connection closes. The data plane's
  // requests are small; the admin port's (CSV imports) are larger.
  std::size_t body_bytes_max = 64 * 1024;
  // A whole request must arrive within this, counted from the moment the server starts waiting
  // for it, so that a client trickling bytes cannot hold a connection; an idle keep-alive
  // connection is closed after it too.
  std::chrono::seconds request_timeout{15};
  // Open connections on this listener; a connection past it gets 503 and is closed.
  std::size_t connections_max = 10'000;
};

// A TLS listener's PEM files: the certificate chain (the server's certificate first) and its
// private key.
struct TlsFiles {
  std::string certificate_chain_file;
  std::string private_key_file;
};

// Answers a request into the answer the connection lends it (reset, its body's memory kept from
// the connection's earlier requests). An answer that must wait for the journal says so
// (ApiResponse::durable_in) and the server holds it back until then.
using Handler = std::function<void(const api::ApiRequest&, api::ApiResponse&)>;
// Asked with a request's head (no body yet): an answer to give at once (the body is then never
// read, and the connection closes unless there was no body), a consumer to take the body as it
// arrives, or neither to have the body read whole and the request handed to the Handler.
using StreamHandler = std::function<api::HeadDecision(const api::ApiRequest&)>;

class HttpServer {
 public:
  // threads serve the data port's connections; the admin port's have one more thread of their
  // own, so that admin work never holds up a checkout.
  explicit HttpServer(unsigned threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one) and accepts once run() starts. *bound receives
  // "host:port" as bound.
  // metrics, when not null, must outlive the server; each answer and connection is counted there
  // under which. With tls, the listener speaks HTTPS only (TLS 1.2 or later); a file that cannot
  // be loaded, or a key that does not match the certificate, is an error naming the file.
  Status listen(const std::string& host, std::uint16_t port, const HttpLimits& limits,
                Handler handler, std::string* bound, api::Metrics* metrics = nullptr,
                api::Port which = api::Port::data, StreamHandler stream_handler = {},
                const std::optional<TlsFiles>& tls = std::nullopt);

  // Starts handling SIGINT and SIGTERM, starts the I/O threads, and returns.
  void run();

  // Blocks until SIGINT or SIGTERM, then stops: no new connections, requests in flight are
  // answered (for up to grace), idle connections are closed, and the threads are joined.
  void run_until_signal(std::chrono::seconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:8080" for IPv6). False when it does not parse.
bool split_host_port(const std::string& text, std::string* host, std::uint16_t* port);

}  // namespace coupond::http
