#include "admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/url.hpp>

#include <optional>

namespace coupond::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

bool parse_admin_url(std::string_view url, AdminEndpoint* out) {
  constexpr std::string_view plain_scheme = "http://";
  constexpr std::string_view tls_scheme = "https://";
  out->tls = url.starts_with(tls_scheme);
  if (out->tls) {
    url.remove_prefix(tls_scheme.size());
  } else if (url.starts_with(plain_scheme)) {
    url.remove_prefix(plain_scheme.size());
  }
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

std::string admin_path(std::initializer_list<std::string_view> segments) {
  boost::urls::url path;
  path.set_path_absolute(true);
  for (const std::string_view segment : segments) path.segments().push_back(segment);
  return std::string(path.buffer());
}

namespace {

// Upload chunk: progress moves every megabyte.
constexpr std::size_t upload_chunk_bytes = 1 << 20;

// One call: the request, and where its answer and progress go.
struct Call {
  std::string_view method;
  std::string_view target;
  std::string_view body;
  std::string_view content_type;
  const std::function<void(std::string_view)>& sink;
  const std::function<void(std::uint64_t, std::uint64_t)>& progress;
};

template <class Stream>
void send(Stream& stream, const AdminEndpoint& endpoint, const Call& call,
          beast::error_code& error) {
  const std::string_view body = call.body;
  bhttp::request<bhttp::buffer_body> request(bhttp::string_to_verb(call.method), call.target, 11);
  request.set(bhttp::field::host, endpoint.host);
  request.set(bhttp::field::authorization, "Bearer " + endpoint.token);
  request.set(bhttp::field::content_type, call.content_type);
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
    if (call.progress) call.progress(sent, 0);
  }
  if (!error && body.empty()) {
    request.body().data = nullptr;
    request.body().more = false;
    bhttp::write(stream, serializer, error);
  }
}

// Sends the request and reads the answer on a connected stream (over TLS: after the handshake).
template <class Stream>
Reply exchange(Stream& stream, const AdminEndpoint& endpoint, const Call& call) {
  Reply reply;
  beast::error_code error;
  send(stream, endpoint, call, error);
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
  const bool to_sink = call.sink && reply.status >= 200 && reply.status < 300;
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
      call.sink(std::string_view(chunk, got));
    } else {
      reply.body.append(chunk, got);
    }
    if (call.progress) call.progress(call.body.size(), received);
  }
  return reply;
}

Reply failure(std::string message) {
  Reply reply;
  reply.error = std::move(message);
  return reply;
}

// Empty on success, else why the admin port cannot be reached.
std::string connect(beast::tcp_stream& stream, const AdminEndpoint& endpoint) {
  asio::ip::tcp::resolver resolver(stream.get_executor());
  beast::error_code error;
  const auto addresses = resolver.resolve(endpoint.host, endpoint.port, error);
  if (!error) stream.connect(addresses, error);
  if (!error) return {};
  return "cannot reach the admin port " + endpoint.host + ":" + endpoint.port + ": " +
         error.message();
}

// TLS 1.2 or later, and the server's certificate checked against the system's trust store or the
// operator's PEM file, unless checking is off. Empty on success, else why not.
std::string configure_tls(ssl::context& context, const AdminEndpoint& endpoint) {
  if (SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION) != 1) {
    return "cannot configure TLS";
  }
  beast::error_code error;
  context.set_verify_mode(endpoint.verify_certificate ? ssl::verify_peer : ssl::verify_none, error);
  if (error) return "cannot configure TLS: " + error.message();
  if (!endpoint.verify_certificate) return {};
  if (endpoint.ca_file.empty()) {
    context.set_default_verify_paths(error);
    if (error) return "cannot load the system's trusted certificates: " + error.message();
    return {};
  }
  context.load_verify_file(endpoint.ca_file, error);
  if (error) {
    return "cannot load the trusted certificates " + endpoint.ca_file + ": " + error.message();
  }
  return {};
}

// Why a handshake failed, with OpenSSL's reason when it refused the server's certificate
// ("self-signed certificate").
std::string handshake_failure(TlsStream& stream, const AdminEndpoint& endpoint,
                              const beast::error_code& error) {
  std::string message =
      "TLS handshake with " + endpoint.host + ":" + endpoint.port + " failed: " + error.message();
  const long verify_result = SSL_get_verify_result(stream.native_handle());
  if (verify_result != X509_V_OK) {
    message += std::string(": ") + X509_verify_cert_error_string(verify_result);
  }
  return message;
}

// Names the server (SNI) and, when checking certificates, requires the server's to be for the
// host the operator named. Empty on success, else why not.
std::string handshake(TlsStream& stream, const AdminEndpoint& endpoint) {
  beast::error_code not_an_address;
  asio::ip::make_address(endpoint.host, not_an_address);
  // SNI carries host names only, never addresses (RFC 6066).
  if (not_an_address &&
      SSL_set_tlsext_host_name(stream.native_handle(), endpoint.host.c_str()) != 1) {
    return "cannot set the TLS server name " + endpoint.host;
  }
  beast::error_code error;
  if (endpoint.verify_certificate) {
    // host_name_verification refuses a certificate for another host without recording why;
    // the recorded reason makes the handshake's error say so.
    const int mismatch =
        not_an_address ? X509_V_ERR_HOSTNAME_MISMATCH : X509_V_ERR_IP_ADDRESS_MISMATCH;
    stream.set_verify_callback(
        [check = ssl::host_name_verification(endpoint.host), mismatch](
            bool preverified, ssl::verify_context& context) {
          if (check(preverified, context)) return true;
          if (preverified) X509_STORE_CTX_set_error(context.native_handle(), mismatch);
          return false;
        },
        error);
  }
  if (!error) stream.handshake(ssl::stream_base::client, error);
  if (error) return handshake_failure(stream, endpoint, error);
  return {};
}

Reply plain_request(const AdminEndpoint& endpoint, const Call& call) {
  asio::io_context context;
  beast::tcp_stream stream(context);
  if (std::string why = connect(stream, endpoint); !why.empty()) return failure(why);
  Reply reply = exchange(stream, endpoint, call);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return reply;
}

Reply tls_request(const AdminEndpoint& endpoint, const Call& call) {
  std::optional<ssl::context> tls_context;
  try {
    tls_context.emplace(ssl::context::tls_client);
  } catch (const std::exception& exception) {  // OpenSSL could not allocate one
    return failure(std::string("cannot create a TLS context: ") + exception.what());
  }
  if (std::string why = configure_tls(*tls_context, endpoint); !why.empty()) return failure(why);
  asio::io_context context;
  TlsStream stream(context, *tls_context);
  if (std::string why = connect(beast::get_lowest_layer(stream), endpoint); !why.empty()) {
    return failure(why);
  }
  if (std::string why = handshake(stream, endpoint); !why.empty()) return failure(why);
  Reply reply = exchange(stream, endpoint, call);
  // close_notify: the server sees the connection end rather than break off.
  beast::error_code ignored;
  stream.shutdown(ignored);
  return reply;
}

}  // namespace

Reply request(const AdminEndpoint& endpoint, std::string_view method, std::string_view target,
              std::string_view body, std::string_view content_type,
              const std::function<void(std::string_view)>& sink,
              const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  const Call call{method, target, body, content_type, sink, progress};
  return endpoint.tls ? tls_request(endpoint, call) : plain_request(endpoint, call);
}

}  // namespace coupond::ctl
