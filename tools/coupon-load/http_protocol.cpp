// coupond's side of the comparison: hand-built requests and a minimal answer reader (status line,
// Content-Length, body), so that the loader costs little next to what it measures. coupond's
// data-plane answers always carry Content-Length.
#include <algorithm>
#include <cctype>
#include <charconv>

#include "protocol.h"

namespace coupond::load {
namespace {

// The value of a JSON string field, found without a JSON parse.
std::string_view string_field(std::string_view body, std::string_view key) {
  // Built by appending, here and below: GCC 12's -Wrestrict misreads "literal" + string at -O3.
  std::string pattern;
  pattern.reserve(key.size() + 4);
  pattern.append(1, '"').append(key).append("\":\"");
  const std::size_t at = body.find(pattern);
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + pattern.size();
  return body.substr(start, body.find('"', start) - start);
}

bool header_is(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

class HttpProtocol final : public Protocol {
 public:
  HttpProtocol(std::string host, std::string api_key)
      : host_(std::move(host)), api_key_(std::move(api_key)) {}

  void encode(const Request& request, std::string* out) const override {
    std::string body = "{\"code\":\"" + std::string(request.code) + "\"";
    if (request.kind != RequestKind::validate) {
      body += ",\"order_id\":\"" + std::string(request.order_id) + "\"";
    }
    if (request.kind != RequestKind::rollback) body += ",\"order\":{\"amount\":12900,\"channel\":\"app\"}";
    body += "}";
    *out += "POST /v1/";
    *out += kind_name(request.kind);
    *out += " HTTP/1.1\r\nHost: " + host_ + "\r\nContent-Type: application/json\r\n";
    if (!api_key_.empty()) *out += "Authorization: Bearer " + api_key_ + "\r\n";
    *out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    *out += body;
  }

  std::ptrdiff_t decode(std::string_view bytes, const Request& request,
                        Answer* out) const override {
    const std::size_t head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return 0;
    const std::string_view head = bytes.substr(0, head_end);
    int status = 0;
    if (head.size() < 12 || !head.starts_with("HTTP/1.") ||
        std::from_chars(head.data() + 9, head.data() + 12, status).ec != std::errc()) {
      return -1;
    }
    std::size_t content_length = 0;
    bool has_length = false;
    for (std::size_t line_start = head.find("\r\n"); line_start != std::string_view::npos;) {
      line_start += 2;
      const std::size_t line_end = head.find("\r\n", line_start);
      const std::string_view line = head.substr(line_start, line_end - line_start);
      if (header_is(line, "content-length")) {
        std::string_view value = line.substr(15);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        has_length = std::from_chars(value.data(), value.data() + value.size(), content_length).ec ==
                     std::errc();
      }
      line_start = line_end;
    }
    if (!has_length) return -1;
    const std::size_t total = head_end + 4 + content_length;
    if (bytes.size() < total) return 0;
    describe(request.kind, status, bytes.substr(head_end + 4, content_length), out);
    return static_cast<std::ptrdiff_t>(total);
  }

 private:
  static void describe(RequestKind kind, int status, std::string_view body, Answer* out) {
    out->outcome = kind_name(kind);
    out->outcome += ' ';
    out->outcome += std::to_string(status);
    const bool replayed = body.find("\"replayed\":true") != std::string_view::npos;
    std::string_view reason = string_field(body, "reason");
    if (reason.empty() && status >= 400) reason = string_field(body, "code");  // the error's code
    if (!reason.empty()) {
      out->outcome += " ";
      out->outcome += reason;
    } else if (status == 200) {
      if (kind == RequestKind::validate) {
        out->outcome += " valid";
      } else {
        out->outcome += replayed ? " replayed" : kind == RequestKind::redeem ? " redeemed" : " rolled_back";
      }
    }
    out->redeemed = kind == RequestKind::redeem && status == 200 && !replayed;
    out->rolled_back = kind == RequestKind::rollback && status == 200 && !replayed;
  }

  std::string host_;
  std::string api_key_;
};

}  // namespace

const char* kind_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::validate:
      return "validate";
    case RequestKind::redeem:
      return "redeem";
    case RequestKind::rollback:
      return "rollback";
  }
  return "?";
}

std::unique_ptr<Protocol> make_http_protocol(std::string host, std::string api_key) {
  return std::make_unique<HttpProtocol>(std::move(host), std::move(api_key));
}

}  // namespace coupond::load
