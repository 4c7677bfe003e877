// Decoding a request target's path: see request_target.h.
#include "http/request_target.h"

namespace coupond::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool decode_request_path(std::string_view target, std::string* out) {
  out->clear();
  const std::string_view text = target.substr(0, target.find('?'));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out->push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out->push_back(text[i]);
    }
  }
  return true;
}

}  // namespace coupond::http
