// Redis's side of the comparison: each request is one EVALSHA of the redeem script (redis_setup.h)
// in RESP, and each answer the script's one-word result.
#include <charconv>

#include "protocol.h"

namespace coupond::load {
namespace {

void append_bulk(std::string_view text, std::string* out) {
  *out += '$';
  *out += std::to_string(text.size());
  *out += "\r\n";
  *out += text;
  *out += "\r\n";
}

class RedisProtocol final : public Protocol {
 public:
  explicit RedisProtocol(std::string script_sha) : script_sha_(std::move(script_sha)) {}

  void encode(const Request& request, std::string* out) const override {
    *out += "*6\r\n";
    append_bulk("EVALSHA", out);
    append_bulk(script_sha_, out);
    append_bulk("1", out);
    append_bulk("c:" + std::string(request.code), out);
    append_bulk(kind_name(request.kind), out);
    append_bulk(request.order_id.empty() ? std::string_view("-") : request.order_id, out);
  }

  std::ptrdiff_t decode(std::string_view bytes, const Request& request,
                        Answer* out) const override {
    const std::size_t line_end = bytes.find("\r\n");
    if (line_end == std::string_view::npos) return 0;
    std::string_view result;
    std::size_t total = line_end + 2;
    switch (bytes.empty() ? '\0' : bytes[0]) {
      case '+':
      case '-':
      case ':':
        result = bytes.substr(1, line_end - 1);
        break;
      case '$': {
        long size = 0;
        if (std::from_chars(bytes.data() + 1, bytes.data() + line_end, size).ec != std::errc() ||
            size < -1) {
          return -1;
        }
        if (size >= 0) {
          total += static_cast<std::size_t>(size) + 2;
          if (bytes.size() < total) return 0;
          result = bytes.substr(line_end + 2, static_cast<std::size_t>(size));
        }
        break;
      }
      default:
        return -1;
    }
    out->outcome = kind_name(request.kind);
    out->outcome += " ";
    if (bytes[0] == '-') {
      out->outcome += "error ";
      result = result.substr(0, result.find(' '));
    }
    out->outcome += result;
    out->redeemed = request.kind == RequestKind::redeem && result == "redeemed";
    out->rolled_back = request.kind == RequestKind::rollback && result == "rolled_back";
    return static_cast<std::ptrdiff_t>(total);
  }

 private:
  std::string script_sha_;
};

}  // namespace

std::unique_ptr<Protocol> make_redis_protocol(std::string script_sha) {
  return std::make_unique<RedisProtocol>(std::move(script_sha));
}

}  // namespace coupond::load
