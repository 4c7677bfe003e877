// Boost.URL parses the target without allocating (a url_view is offsets into the text) and
// decodes the path straight into the caller's string, around the escaped slashes it keeps.
#include "http/request_target.h"

#include <boost/url/grammar/string_token.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

namespace coupond::http {
namespace {

constexpr std::string_view escaped_slash = "%2F";

// Where the first escaped slash ("%2F" or "%2f") of a valid encoded path begins, or npos. In such
// a path every '%' begins an escape, so a match is never the tail of another escape ("%252F").
std::size_t find_escaped_slash(std::string_view encoded) {
  for (std::size_t at = encoded.find('%'); at != std::string_view::npos;
       at = encoded.find('%', at + 1)) {
    if (encoded.size() - at >= escaped_slash.size() && encoded[at + 1] == '2' &&
        (encoded[at + 2] == 'F' || encoded[at + 2] == 'f')) {
      return at;
    }
  }
  return std::string_view::npos;
}

// Appends the decoded text of a piece of a valid encoded path; append_to grows *out within its
// capacity when it can.
void append_decoded(std::string_view encoded, std::string* out) {
  if (const auto piece = boost::urls::make_pct_string_view(encoded)) {
    piece->decode({}, boost::urls::string_token::append_to(*out));
  }
}

}  // namespace

bool decode_request_path(std::string_view target, std::string* out) {
  out->clear();
  const auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  std::string_view rest = parsed->encoded_path();
  for (std::size_t slash = find_escaped_slash(rest); slash != std::string_view::npos;
       slash = find_escaped_slash(rest)) {
    append_decoded(rest.substr(0, slash), out);
    out->append(rest.substr(slash, escaped_slash.size()));
    rest.remove_prefix(slash + escaped_slash.size());
  }
  append_decoded(rest, out);
  return true;
}

}  // namespace coupond::http
