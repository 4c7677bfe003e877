// Writing an answer's head: see response_head.h.
#include "http/response_head.h"

#include <ostream>  // before Beast's header, which uses it without including it

#include <boost/beast/http/status.hpp>

#include <charconv>

namespace coupond::http {
namespace {

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void write_response_head(std::string& head, int status, unsigned version,
                         std::string_view content_type, std::size_t content_length,
                         bool keep_alive) {
  head.clear();
  append_response_head(head, status, version, content_type, content_length, keep_alive);
}

void append_response_head(std::string& head, int status, unsigned version,
                          std::string_view content_type, std::size_t content_length,
                          bool keep_alive) {
  head += "HTTP/";
  head += static_cast<char>('0' + version / 10 % 10);
  head += '.';
  head += static_cast<char>('0' + version % 10);
  head += ' ';
  append_number(head, static_cast<std::size_t>(status));
  head += ' ';
  namespace bhttp = boost::beast::http;
  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  head.append(reason.data(), reason.size());
  head += "\r\nServer: coupond\r\nContent-Type: ";
  head += content_type;
  // HTTP/1.1 keeps a connection open unless told, HTTP/1.0 closes it unless told.
  if (version >= 11 && !keep_alive) head += "\r\nConnection: close";
  if (version < 11 && keep_alive) head += "\r\nConnection: keep-alive";
  head += "\r\nContent-Length: ";
  append_number(head, content_length);
  head += "\r\n\r\n";
}

}  // namespace coupond::http
