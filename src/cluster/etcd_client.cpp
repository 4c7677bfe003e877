// The etcd v3 JSON gateway client: see etcd_client.h.
#include "cluster/etcd_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <charconv>

#include "journal/fault_point.h"

namespace coupond::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

// etcd's answers to these calls are small; one bigger than this is not etcd.
constexpr std::size_t answer_bytes_max = 1 << 20;

std::string base64_encode(std::string_view bytes) {
  std::string out(beast::detail::base64::encoded_size(bytes.size()), '\0');
  out.resize(beast::detail::base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string out(beast::detail::base64::decoded_size(text.size()), '\0');
  out.resize(beast::detail::base64::decode(out.data(), text.data(), text.size()).first);
  return out;
}

// An int64 field of etcd's JSON: a string (grpc-gateway's way), or a number; 0 when absent.
std::int64_t int64_field(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  if (!value->is_string()) return 0;
  const json::string& text = value->as_string();
  std::int64_t number = 0;
  std::from_chars(text.data(), text.data() + text.size(), number);
  return number;
}

EtcdKeyValue key_value_of(const json::object& kv) {
  EtcdKeyValue out;
  if (const json::value* value = kv.if_contains("value"); value != nullptr && value->is_string()) {
    out.value = base64_decode(value->as_string());
  }
  out.lease = int64_field(kv, "lease");
  out.create_revision = int64_field(kv, "create_revision");
  out.mod_revision = int64_field(kv, "mod_revision");
  return out;
}

// The first of a range answer's kvs, or nothing.
std::optional<EtcdKeyValue> first_kv(const json::object& range) {
  const json::value* kvs = range.if_contains("kvs");
  if (kvs == nullptr || !kvs->is_array() || kvs->as_array().empty() ||
      !kvs->as_array()[0].is_object()) {
    return std::nullopt;
  }
  return key_value_of(kvs->as_array()[0].as_object());
}

std::int64_t header_revision(const json::object& answer) {
  const json::value* header = answer.if_contains("header");
  return header != nullptr && header->is_object() ? int64_field(header->as_object(), "revision")
                                                  : 0;
}

Status parse_object(const std::string& text, json::object* out) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) {
    return Status::io_error("etcd answered something that is not a JSON object");
  }
  *out = std::move(value.as_object());
  return Status::ok();
}

// One POST over a fresh connection, all of it (resolve, connect, write, read) within timeout.
Status exchange(const EtcdEndpoint& endpoint, std::string_view path, const std::string& body,
                std::chrono::milliseconds timeout, std::string* answer) {
  asio::io_context context;
  tcp::resolver resolver(context);
  beast::tcp_stream stream(context);
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, path, 11};
  request.set(bhttp::field::host, endpoint.host);
  request.set(bhttp::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(answer_bytes_max);
  boost::system::error_code failure;
  bool done = false;
  const auto fail = [&](const boost::system::error_code& error) {
    failure = error;
    done = true;
  };
  stream.expires_after(timeout);
  resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port),
      [&](const boost::system::error_code& error, const tcp::resolver::results_type& results) {
        if (error) return fail(error);
        stream.async_connect(results, [&](const boost::system::error_code& connect_error,
                                          const tcp::endpoint&) {
          if (connect_error) return fail(connect_error);
          bhttp::async_write(stream, request, [&](const boost::system::error_code& write_error,
                                                  std::size_t) {
            if (write_error) return fail(write_error);
            bhttp::async_read(stream, buffer, parser,
                              [&](const boost::system::error_code& read_error, std::size_t) {
                                fail(read_error);
                              });
          });
        });
      });
  // The stream's expiry bounds connect, write and read; the resolver's lookup is bounded here.
  context.run_for(timeout);
  if (!done) return Status::io_error("no answer within " + std::to_string(timeout.count()) + " ms");
  if (failure) return Status::io_error(failure.message());
  const auto& response = parser.get();
  *answer = response.body();
  if (response.result_int() != 200) {
    json::object error;
    std::string message = "HTTP " + std::to_string(response.result_int());
    if (parse_object(*answer, &error).is_ok()) {
      if (const json::value* text = error.if_contains("message"); text && text->is_string()) {
        message += ": " + std::string(text->as_string());
      }
    }
    return Status::failed_precondition(message);
  }
  return Status::ok();
}

}  // namespace

Status parse_etcd_endpoints(std::string_view text, std::vector<EtcdEndpoint>* endpoints) {
  endpoints->clear();
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string_view one = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    constexpr std::string_view scheme = "http://";
    if (!one.starts_with(scheme)) {
      return Status::invalid_argument("an etcd endpoint is http://HOST:PORT, not " +
                                      std::string(one));
    }
    one.remove_prefix(scheme.size());
    if (one.ends_with('/')) one.remove_suffix(1);
    const std::size_t colon = one.rfind(':');
    unsigned port = 0;
    const char* port_end = one.data() + one.size();
    if (colon == std::string_view::npos || colon == 0 ||
        std::from_chars(one.data() + colon + 1, port_end, port).ptr != port_end || port == 0 ||
        port > 65535) {
      return Status::invalid_argument("an etcd endpoint is http://HOST:PORT, not http://" +
                                      std::string(one));
    }
    std::string host(one.substr(0, colon));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    endpoints->push_back(EtcdEndpoint{std::move(host), static_cast<std::uint16_t>(port)});
  }
  if (endpoints->empty()) return Status::invalid_argument("no etcd endpoint given");
  return Status::ok();
}

EtcdClient::EtcdClient(std::vector<EtcdEndpoint> endpoints, std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {}

std::string EtcdClient::current_endpoint() const {
  if (endpoints_.empty()) return "(none)";
  const EtcdEndpoint& endpoint = endpoints_[current_];
  return endpoint.host + ":" + std::to_string(endpoint.port);
}

Status EtcdClient::post(std::string_view path, const std::string& body, std::string* answer) {
  if (endpoints_.empty()) return Status::invalid_argument("no etcd endpoint given");
  // The fencing tests cut a running node off from etcd this way.
  if (journal::fault_switched_on("etcd.unreachable")) {
    return Status::io_error("etcd unreachable (fault point etcd.unreachable)");
  }
  const Status status = exchange(endpoints_[current_], path, body, timeout_, answer);
  if (!status.is_ok() && status.code() == Status::Code::io_error) {
    const std::string where = current_endpoint();
    current_ = (current_ + 1) % endpoints_.size();
    return Status::io_error("etcd at " + where + ": " + status.message());
  }
  return status;
}

Status EtcdClient::grant(std::chrono::seconds ttl, EtcdLease* lease) {
  std::string text;
  if (Status status = post("/v3/lease/grant", json::serialize(json::object{{"TTL", ttl.count()}}), &text);
      !status.is_ok()) {
    return status;
  }
  json::object answer;
  if (Status status = parse_object(text, &answer); !status.is_ok()) return status;
  lease->id = int64_field(answer, "ID");
  lease->ttl = std::chrono::seconds(int64_field(answer, "TTL"));
  if (lease->id == 0 || lease->ttl.count() <= 0) {
    return Status::io_error("etcd granted no lease: " + text);
  }
  return Status::ok();
}

Status EtcdClient::keepalive(std::int64_t lease, std::chrono::seconds* ttl_left) {
  std::string text;
  if (Status status = post("/v3/lease/keepalive",
                           json::serialize(json::object{{"ID", std::to_string(lease)}}), &text);
      !status.is_ok()) {
    return status;
  }
  // A stream of one message: {"result": {"ID", "TTL"}}; without TTL the lease is gone.
  json::object answer;
  if (Status status = parse_object(text, &answer); !status.is_ok()) return status;
  const json::value* result = answer.if_contains("result");
  if (result == nullptr || !result->is_object()) {
    return Status::io_error("etcd's keepalive answer has no result: " + text);
  }
  *ttl_left = std::chrono::seconds(int64_field(result->as_object(), "TTL"));
  return Status::ok();
}

Status EtcdClient::revoke(std::int64_t lease) {
  std::string text;
  const Status status = post("/v3/lease/revoke",
                             json::serialize(json::object{{"ID", std::to_string(lease)}}), &text);
  // Gone already (expired, or revoked by an earlier call whose answer was lost): what was wanted.
  if (status.code() == Status::Code::failed_precondition &&
      status.message().find("lease not found") != std::string::npos) {
    return Status::ok();
  }
  return status;
}

Status EtcdClient::create_if_absent(std::string_view key, std::string_view value,
                                    std::int64_t lease, EtcdTxnResult* result) {
  const std::string encoded_key = base64_encode(key);
  json::object request{
      {"compare", json::array{json::object{{"key", encoded_key},
                                           {"result", "EQUAL"},
                                           {"target", "CREATE"},
                                           {"create_revision", "0"}}}},
      {"success", json::array{json::object{
                      {"request_put", json::object{{"key", encoded_key},
                                                   {"value", base64_encode(value)},
                                                   {"lease", std::to_string(lease)}}}}}},
      {"failure",
       json::array{json::object{{"request_range", json::object{{"key", encoded_key}}}}}}};
  std::string text;
  if (Status status = post("/v3/kv/txn", json::serialize(request), &text); !status.is_ok()) {
    return status;
  }
  json::object answer;
  if (Status status = parse_object(text, &answer); !status.is_ok()) return status;
  *result = EtcdTxnResult{};
  result->revision = header_revision(answer);
  const json::value* succeeded = answer.if_contains("succeeded");
  result->created = succeeded != nullptr && succeeded->is_bool() && succeeded->as_bool();
  if (result->created) return Status::ok();
  // The failure branch's range: responses[0].response_range.
  const json::value* responses = answer.if_contains("responses");
  if (responses != nullptr && responses->is_array() && !responses->as_array().empty()) {
    const json::value& first = responses->as_array()[0];
    if (const json::value* range = first.is_object() ? first.as_object().if_contains("response_range")
                                                     : nullptr;
        range != nullptr && range->is_object()) {
      result->holder = first_kv(range->as_object());
    }
  }
  return Status::ok();
}

Status EtcdClient::get(std::string_view key, std::optional<EtcdKeyValue>* found,
                       std::int64_t* revision) {
  std::string text;
  if (Status status = post("/v3/kv/range",
                           json::serialize(json::object{{"key", base64_encode(key)}}), &text);
      !status.is_ok()) {
    return status;
  }
  json::object answer;
  if (Status status = parse_object(text, &answer); !status.is_ok()) return status;
  *found = first_kv(answer);
  if (revision != nullptr) *revision = header_revision(answer);
  return Status::ok();
}

Status EtcdClient::remove(std::string_view key) {
  std::string text;
  return post("/v3/kv/deleterange", json::serialize(json::object{{"key", base64_encode(key)}}),
              &text);
}

}  // namespace coupond::cluster
