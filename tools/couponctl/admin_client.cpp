#include "admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace coupond::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool parse_admin_url(std::string_view url, AdminEndpoint* out) {
  constexpr std::string_view scheme = "http://";
  if (url.starts_with(scheme)) url.remove_prefix(scheme.size());
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  const std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == url.size()) return false;
  std::string_view host = url.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  out->host = std::string(host);
  out->port = std::string(url.substr(colon + 1));
  return true;
}

namespace {

// Upload chunk: progress moves every megabyte.
constexpr std::size_t upload_chunk_bytes = 1 << 20;

void send(beast::tcp_stream& stream, const AdminEndpoint& endpoint, std::string_view method,
          std::string_view target, std::string_view body, std::string_view content_type,
          const std::function<void(std::uint64_t, std::uint64_t)>& progress,
          beast::error_code& error) {
  bhttp::request<bhttp::buffer_body> request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, endpoint.host);
  request.set(bhttp::field::authorization, "Bearer " + endpoint.token);
  request.set(bhttp::field::content_type, content_type);
  request.content_length(body.size());
  bhttp::request_serializer<bhttp::buffer_body> serializer(request);
  bhttp::write_header(stream, serializer, error);
  std::size_t sent = 0;
  while (!error && sent < body.size()) {
    const std::size_t size = std::min(upload_chunk_bytes, body.size() - sent);
    request.body().data = const_cast<char*>(body.data() + sent);
    request.body().size = size;
    request.body().more = sent + size < body.size();
    bhttp::write(stream, serializer, error);
    if (error == bhttp::error::need_buffer) error = {};
    sent += size;
    if (progress) progress(sent, 0);
  }
  if (!error && body.empty()) {
    request.body().data = nullptr;
    request.body().more = false;
    bhttp::write(stream, serializer, error);
  }
}

}  // namespace

Reply request(const AdminEndpoint& endpoint, std::string_view method, std::string_view target,
              std::string_view body, std::string_view content_type,
              const std::function<void(std::string_view)>& sink,
              const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  Reply reply;
  asio::io_context context;
  asio::ip::tcp::resolver resolver(context);
  beast::tcp_stream stream(context);
  beast::error_code error;
  const auto addresses = resolver.resolve(endpoint.host, endpoint.port, error);
  if (!error) stream.connect(addresses, error);
  if (error) {
    reply.error = "cannot reach the admin port " + endpoint.host + ":" + endpoint.port + ": " +
                  error.message();
    return reply;
  }
  send(stream, endpoint, method, target, body, content_type, progress, error);
  if (error) {
    reply.error = "cannot send the request: " + error.message();
    return reply;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  bhttp::read_header(stream, buffer, parser, error);
  if (error) {
    reply.error = "no answer from the admin port: " + error.message();
    return reply;
  }
  reply.status = static_cast<int>(parser.get().result_int());
  const bool to_sink = sink && reply.status >= 200 && reply.status < 300;
  char chunk[64 * 1024];
  std::uint64_t received = 0;
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    bhttp::read(stream, buffer, parser, error);
    if (error == bhttp::error::need_buffer) error = {};
    if (error) {
      reply.error = "the answer broke off: " + error.message();
      return reply;
    }
    const std::size_t got = sizeof(chunk) - parser.get().body().size;
    received += got;
    if (to_sink) {
      sink(std::string_view(chunk, got));
    } else {
      reply.body.append(chunk, got);
    }
    if (progress) progress(body.size(), received);
  }
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, error);
  return reply;
}

}  // namespace coupond::ctl
