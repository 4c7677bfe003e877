// A small blocking HTTP/1.1 client for the end-to-end tests, over loopback only.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <string>

namespace coupond::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, closed or timed out)
  std::string body;
  std::string content_type;
};

// The answer's body as a JSON object (empty, with a test failure, when it is not one).
boost::json::object json_of(const HttpResult& result);
// The answer's error fields ({"error": {"code", "message"}}); empty when it has none.
std::string error_code_of(const HttpResult& result);
std::string error_message_of(const HttpResult& result);
// A refusal's "reason", or else its error's code; empty when it has neither.
std::string reason_of(const HttpResult& result);

// One request on a fresh connection to 127.0.0.1:port. token, when not empty, is sent as
// "Authorization: Bearer <token>".
HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& token = {});

// The same over TLS: trusts the PEM certificates of ca_file only and checks that the server's
// certificate is for 127.0.0.1. status 0 also when the handshake fails; the whole exchange is
// bounded by a deadline.
HttpResult https_request(unsigned short port, const std::string& ca_file, const std::string& method,
                         const std::string& target, const std::string& body = {},
                         const std::string& token = {});

// A blocking TCP connection to 127.0.0.1:port, or -1.
int connect_loopback(unsigned short port);
// Sends all of bytes (without SIGPIPE); false when the connection took fewer.
bool send_all(int fd, const std::string& bytes);
// Appends what arrives to *received until the server closes the connection (true), or it breaks
// or no byte arrives for wait (false).
bool read_until_closed(int fd, std::chrono::milliseconds wait, std::string* received);

// Writes bytes as they are on a fresh connection, then reads until the server closes or no byte
// arrives for wait; returns everything read.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait);

}  // namespace coupond::testing
