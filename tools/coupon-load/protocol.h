// What a load connection says and hears, apart from how it schedules and times requests: the same
// connections, codes and timing drive coupond over HTTP and, for comparison, Redis running a Lua
// check-and-set, so that a ratio of the two compares the servers and not the clients.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace coupond::load {

enum class RequestKind : unsigned char { validate, redeem, rollback };

struct Request {
  RequestKind kind = RequestKind::validate;
  std::string_view code;
  std::string_view order_id;  // redeem and rollback
};

struct Answer {
  // "<kind> <status> <reason>" for HTTP ("redeem 409 already_redeemed"), "<kind> <result>" for
  // Redis ("redeem already_redeemed"): the outcome counted in the report.
  std::string outcome;
  bool redeemed = false;     // a redemption took effect now (not a replay)
  bool rolled_back = false;  // a redemption was given back now (not a replay)
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  // Appends the request's bytes to *out.
  virtual void encode(const Request& request, std::string* out) const = 0;
  // Reads the first answer in bytes: its size once it is all there, 0 while more is needed, -1
  // when the bytes are not an answer at all.
  virtual std::ptrdiff_t decode(std::string_view bytes, const Request& request,
                                Answer* out) const = 0;
};

const char* kind_name(RequestKind kind);

// coupond's data plane: POST /v1/validate, /v1/redeem, /v1/rollback over keep-alive HTTP/1.1.
std::unique_ptr<Protocol> make_http_protocol(std::string host, std::string api_key);
// Redis: EVALSHA of the redeem script (redis_setup.h) on key "c:<code>".
std::unique_ptr<Protocol> make_redis_protocol(std::string script_sha);

}  // namespace coupond::load
