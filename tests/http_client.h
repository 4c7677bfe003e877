// A small blocking HTTP/1.1 client for the end-to-end tests, over loopback only.
#pragma once

#include <chrono>
#include <string>

namespace coupond::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, closed or timed out)
  std::string body;
  std::string content_type;
};

// One request on a fresh connection to 127.0.0.1:port. token, when not empty, is sent as
// "Authorization: Bearer <token>".
HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body = {}, const std::string& token = {});

// Writes bytes as they are on a fresh connection, then reads until the server closes or no byte
// arrives for wait; returns everything read.
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds wait);

}  // namespace coupond::testing
