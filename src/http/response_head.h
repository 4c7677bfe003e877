// The status line and headers of a whole answer, written as text into a string the connection
// reuses: what Beast's response and serializer would produce, without a header of allocated
// fields for every answer. Private to src/http.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace coupond::http {

// Replaces head's text with the head of an answer of content_length bytes: "HTTP/1.1 200 OK",
// Server, Content-Type, Connection when keep_alive differs from the version's default, and
// Content-Length, ending with the blank line.
void write_response_head(std::string& head, int status, unsigned version,
                         std::string_view content_type, std::size_t content_length,
                         bool keep_alive);
// The same head appended to out, after the answers gathered there already.
void append_response_head(std::string& out, int status, unsigned version,
                          std::string_view content_type, std::size_t content_length,
                          bool keep_alive);

}  // namespace coupond::http
