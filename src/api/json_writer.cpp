#include "api/json_writer.h"

#include <charconv>

namespace coupond::api {

void append_json_string(std::string* out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out->push_back('"');
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    out->push_back('\\');
    switch (c) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '\b': out->push_back('b'); break;
      case '\f': out->push_back('f'); break;
      case '\n': out->push_back('n'); break;
      case '\r': out->push_back('r'); break;
      case '\t': out->push_back('t'); break;
      default: {
        const char escape[] = {'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out->append(escape, sizeof(escape));
      }
    }
  }
  out->append(text.data() + plain_from, text.size() - plain_from);
  out->push_back('"');
}

void append_json_integer(std::string* out, std::int64_t value) {
  char text[24];
  const auto end = std::to_chars(text, text + sizeof(text), value).ptr;
  out->append(text, static_cast<std::size_t>(end - text));
}

void append_json_bool(std::string* out, bool value) { out->append(value ? "true" : "false"); }

void append_json_key(std::string* out, std::string_view name, bool first) {
  if (!first) out->push_back(',');
  append_json_string(out, name);
  out->push_back(':');
}

}  // namespace coupond::api
