#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <gtest/gtest.h>

namespace coupond::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;

namespace {

asio::ip::tcp::endpoint loopback(unsigned short port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

bhttp::request<bhttp::string_body> make_request(const std::string& method,
                                                const std::string& target, const std::string& body,
                                                const std::string& token) {
  bhttp::request<bhttp::string_body> request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  return request;
}

HttpResult to_result(const bhttp::response<bhttp::string_body>& response) {
  HttpResult result;
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  result.content_type = std::string(response[bhttp::field::content_type]);
  return result;
}

// Runs one asynchronous operation to its end. The stream's deadline bounds it: a server that
// stops answering fails the test rather than hanging it.
template <class Start>
beast::error_code run_to_end(asio::io_context& context, Start start) {
  beast::error_code result;
  start([&result](beast::error_code error, auto&&...) { result = error; });
  context.restart();
  context.run();
  return result;
}

}  // namespace

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& token) {
  asio::io_context context;
  beast::tcp_stream stream(context);
  beast::error_code error;
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(loopback(port), error);
  if (error) return {};
  bhttp::write(stream, make_request(method, target, body, token), error);
  if (error) return {};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  bhttp::read(stream, buffer, parser, error);
  if (error) return {};
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, error);
  return to_result(parser.get());
}

HttpResult https_request(unsigned short port, const std::string& ca_file, const std::string& method,
                         const std::string& target, const std::string& body,
                         const std::string& token) {
  ssl::context tls(ssl::context::tls_client);
  beast::error_code error;
  tls.load_verify_file(ca_file, error);
  if (error) return {};
  tls.set_verify_mode(ssl::verify_peer);
  asio::io_context context;
  beast::ssl_stream<beast::tcp_stream> stream(context, tls);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::tcp_stream& transport = beast::get_lowest_layer(stream);
  transport.expires_after(std::chrono::seconds(10));
  auto request = make_request(method, target, body, token);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  if (run_to_end(context, [&](auto done) { transport.async_connect(loopback(port), done); }) ||
      run_to_end(context,
                 [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); }) ||
      run_to_end(context, [&](auto done) { bhttp::async_write(stream, request, done); }) ||
      run_to_end(context, [&](auto done) { bhttp::async_read(stream, buffer, parser, done); })) {
    return {};
  }
  run_to_end(context, [&](auto done) { stream.async_shutdown(done); });
  return to_result(parser.get());
}

int connect_loopback(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

bool read_until_closed(int fd, std::chrono::milliseconds wait, std::string* received) {
  // Plain sockets with poll: Asio's blocking reads wait without a deadline.
  char chunk[4096];
  pollfd poll_fd{fd, POLLIN, 0};
  while (::poll(&poll_fd, 1, static_cast<int>(wait.count())) > 0) {
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got == 0) return true;
    if (got < 0) return false;
    received->append(chunk, static_cast<std::size_t>(got));
  }
  return false;
}

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  std::string received;
  if (send_all(fd, bytes)) read_until_closed(fd, wait, &received);
  ::close(fd);
  return received;
}

boost::json::object json_of(const HttpResult& result) {
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(result.body, error);
  EXPECT_FALSE(error) << result.body;
  return value.is_object() ? value.get_object() : boost::json::object();
}

std::string error_code_of(const HttpResult& result) {
  const auto object = json_of(result);
  if (!object.contains("error")) return "";
  return std::string(object.at("error").at("code").as_string());
}

std::string error_message_of(const HttpResult& result) {
  const auto object = json_of(result);
  if (!object.contains("error")) return "";
  return std::string(object.at("error").at("message").as_string());
}

std::string reason_of(const HttpResult& result) {
  const auto object = json_of(result);
  if (object.contains("reason")) return std::string(object.at("reason").as_string());
  return error_code_of(result);
}

}  // namespace coupond::testing
