// A connection's request parser: Beast's HTTP/1.1 parsing (limits, chunked bodies, keep-alive)
// keeping only what the server reads of a request, in strings the connection keeps from one
// request to the next. Beast's own request_parser builds a header of separately allocated fields
// for every request; this one allocates nothing once the connection's strings have grown to its
// requests' size. Private to src/http.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string>

namespace coupond::http {

// What a request leaves once parsed; owned by the connection and reused.
struct RequestParts {
  std::string method;
  std::string target;
  std::string authorization;  // the first Authorization header, or empty
  std::string body;
  unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1

  void clear() {
    method.clear();
    target.clear();
    authorization.clear();
    body.clear();
    version = 11;
  }
};

// Made anew (in place, allocating nothing) for each request; fills parts as it parses.
class RequestReader : public boost::beast::http::basic_parser<true> {
 public:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  explicit RequestReader(RequestParts& parts) : parts_(parts) { parts_.clear(); }

 private:
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override {
    parts_.method.assign(method.data(), method.size());
    parts_.target.assign(target.data(), target.size());
    parts_.version = static_cast<unsigned>(version);
  }
  // Only requests come this way.
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view, string_view value,
                     error_code&) override {
    if (name == boost::beast::http::field::authorization && !authorization_seen_) {
      authorization_seen_ = true;
      parts_.authorization.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  // The length is within the body limit here: the parser refuses a longer one first.
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) parts_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(string_view piece, error_code&) override {
    parts_.body.append(piece.data(), piece.size());
    return piece.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view piece, error_code&) override {
    parts_.body.append(piece.data(), piece.size());
    return piece.size();
  }
  void on_finish_impl(error_code&) override {}

  RequestParts& parts_;
  bool authorization_seen_ = false;
};

}  // namespace coupond::http
