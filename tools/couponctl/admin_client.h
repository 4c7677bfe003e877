// couponctl's HTTP client for the admin port: one blocking request per call, over plain TCP or
// TLS, with the body streamed in either direction so that a million codes neither sit in memory
// nor go unseen (progress is reported through a callback).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace coupond::ctl {

struct AdminEndpoint {
  std::string host = "127.0.0.1";
  std::string port = "8081";
  std::string token;
  bool tls = false;  // https://
  // With tls: a PEM file of certificates to trust instead of the system's (a private CA, or the
  // server's own self-signed certificate), and whether to check the server's certificate at all.
  std::string ca_file;
  bool verify_certificate = true;
};

// Parses "http://HOST:PORT" or "https://HOST:PORT" (without a scheme: http). False when it does
// not parse.
bool parse_admin_url(std::string_view url, AdminEndpoint* out);

// The request target of an admin call: "/" and the segments, each percent-encoded whole, so that
// a code or id holding a space, '?', '#', '/' or '%' reaches the server as the one segment it is:
// admin_path({"admin", "v1", "coupons", "ab cd?", "revoke"}) is
// "/admin/v1/coupons/ab%20cd%3F/revoke".
std::string admin_path(std::initializer_list<std::string_view> segments);

struct Reply {
  int status = 0;           // 0: no answer; error then says why
  std::string body;         // unless a sink took it
  std::string error;
};

// Sends the request. When sink is set, the response body goes to it chunk by chunk instead of
// into Reply::body (for 2xx answers only; an error body is always kept). progress, when set, is
// called with bytes sent and received so far.
Reply request(const AdminEndpoint& endpoint, std::string_view method, std::string_view target,
              std::string_view body, std::string_view content_type,
              const std::function<void(std::string_view)>& sink = {},
              const std::function<void(std::uint64_t sent, std::uint64_t received)>& progress = {});

}  // namespace coupond::ctl
