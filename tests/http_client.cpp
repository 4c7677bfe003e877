#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace coupond::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& token) {
  HttpResult result;
  asio::io_context context;
  beast::tcp_stream stream(context);
  beast::error_code error;
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), error);
  if (error) return result;
  bhttp::request<bhttp::string_body> request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty()) request.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  bhttp::write(stream, request, error);
  if (error) return result;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  bhttp::read(stream, buffer, parser, error);
  if (error) return result;
  const auto& response = parser.get();
  result.status = static_cast<int>(response.result_int());
  result.body = response.body();
  result.content_type = std::string(response[bhttp::field::content_type]);
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, error);
  return result;
}

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait) {
  // Plain sockets with poll: Asio's blocking reads wait without a deadline.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string received;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char chunk[4096];
    pollfd poll_fd{fd, POLLIN, 0};
    while (::poll(&poll_fd, 1, static_cast<int>(wait.count())) > 0) {
      const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
      if (got <= 0) break;
      received.append(chunk, static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return received;
}

}  // namespace coupond::testing
