#include "api/import_stream.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/responses.h"

namespace coupond::api {
namespace {

constexpr std::size_t import_lines_max = 10'000'000;
// Fields are kept with 32-bit offsets: an import's text stays under 4 GiB.
constexpr std::size_t import_text_bytes_max = std::size_t{1} << 32;
// An import with a million bad lines answers with the first thousand (and their count).
constexpr std::size_t rejected_lines_shown_max = 1'000;

}  // namespace

ImportStream::Field ImportStream::keep(std::string_view text) {
  const Field field{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(text.size())};
  arena_.append(text);
  return field;
}

// Lines are code[,customer[,segment]]; blank lines and a first line starting "code" (a header)
// are skipped.
void ImportStream::add_line(std::string_view line) {
  ++line_number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || (line_number_ == 1 && line.starts_with("code"))) return;
  if (entries_.size() >= import_lines_max || arena_.size() + line.size() >= import_text_bytes_max) {
    too_large_ = true;
    return;
  }
  const std::size_t first = line.find(',');
  std::string_view customer, segment;
  if (first != std::string_view::npos) {
    const std::string_view rest = line.substr(first + 1);
    const std::size_t second = rest.find(',');
    customer = rest.substr(0, second);
    if (second != std::string_view::npos) segment = rest.substr(second + 1);
    if (segment.find(',') != std::string_view::npos) {
      malformed_.push_back({line_number_, "more than three fields"});
      return;
    }
  }
  Entry entry;
  entry.code = keep(line.substr(0, first));
  entry.customer = keep(customer);
  entry.segment = keep(segment);
  entry.line = line_number_;
  entries_.push_back(entry);
}

void ImportStream::consume(std::string_view chunk) {
  // Complete lines are parsed from the chunk where they lie; only a line split between chunks
  // is copied into pending_ first.
  std::size_t start = 0;
  if (!pending_.empty()) {
    const std::size_t end = chunk.find('\n');
    if (end == std::string_view::npos) {
      pending_.append(chunk);
      return;
    }
    pending_.append(chunk.substr(0, end));
    add_line(pending_);
    pending_.clear();
    start = end + 1;
  }
  while (start < chunk.size()) {
    const std::size_t end = chunk.find('\n', start);
    if (end == std::string_view::npos) {
      pending_.assign(chunk.substr(start));
      return;
    }
    add_line(chunk.substr(start, end - start));
    start = end + 1;
  }
}

ApiResponse ImportStream::finish(Engine& engine, const std::string& batch_id) {
  if (!pending_.empty()) {
    add_line(pending_);
    pending_.clear();
  }
  if (too_large_) {
    return error_response(413, "too_many_lines",
                          "an import holds at most 10000000 lines and 4 GiB of text");
  }
  std::vector<ImportLine> lines;
  lines.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    lines.push_back({view(entry.code), view(entry.customer), view(entry.segment)});
  }
  ImportResult result;
  const Status status = engine.import_codes(batch_id, lines, &result);
  if (status.code() == Status::Code::not_found) return error_response(404, "not_found", status.message());
  if (!status.is_ok()) return error_response(500, "internal", status.message());
  // The engine numbers the lines it was given; the operator counts the lines of the file.
  for (ImportResult::Rejected& rejected : result.rejected) {
    rejected.line = entries_[rejected.line - 1].line;
  }
  result.rejected.insert(result.rejected.end(), malformed_.begin(), malformed_.end());
  std::sort(result.rejected.begin(), result.rejected.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  boost::json::array rejected;
  for (std::size_t i = 0; i < result.rejected.size() && i < rejected_lines_shown_max; ++i) {
    rejected.push_back({{"line", result.rejected[i].line}, {"reason", result.rejected[i].reason}});
  }
  return json_response(200, {{"imported", result.imported},
                             {"duplicates", result.duplicates},
                             {"rejected_count", result.rejected.size()},
                             {"rejected", std::move(rejected)}});
}

}  // namespace coupond::api
