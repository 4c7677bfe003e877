#include "api/import_stream.h"

#include <algorithm>
#include <utility>
#include <boost/json.hpp>

#include "api/responses.h"

namespace coupond::api {
namespace {

constexpr std::size_t import_lines_max = 10'000'000;
// Fields are kept with 32-bit offsets: an import's text stays under 4 GiB.
constexpr std::size_t import_text_bytes_max = std::size_t{1} << 32;
// An import with a million bad lines answers with the first thousand (and their count).
constexpr std::size_t rejected_lines_shown_max = 1'000;
// code, customer, segment; a longer field than this is no code nor customer id anyway.
constexpr std::size_t import_fields_max = 3;
constexpr std::size_t import_field_bytes_max = 1'024;

// The only header an import skips: its first line naming the columns, in order, and nothing else
// ("Code,Customer" yes; "CODE2026", a code, no).
bool is_header(std::span<const std::string_view> fields) {
  constexpr std::string_view names[] = {"code", "customer", "segment"};
  if (fields.empty() || fields.size() > std::size(names)) return false;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string_view field = fields[i];
    if (field.size() != names[i].size()) return false;
    for (std::size_t j = 0; j < field.size(); ++j) {
      const char c = field[j];
      if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != names[i][j]) return false;
    }
  }
  return true;
}

}  // namespace

ImportStream::ImportStream()
    : reader_([this](std::span<const std::string_view> fields, std::uint64_t line,
                     std::string_view error) { add_record(fields, line, error); },
              import_fields_max, import_field_bytes_max) {}

ImportStream::Field ImportStream::keep(std::string_view text) {
  const Field field{static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(text.size())};
  arena_.append(text);
  return field;
}

// Records are code[,customer[,segment]]; blank lines and a header line are skipped.
void ImportStream::add_record(std::span<const std::string_view> fields, std::uint64_t line,
                              std::string_view error) {
  const bool first = std::exchange(first_record_, false);
  if (entries_.size() + malformed_.size() >= import_lines_max) {
    too_large_ = true;
    return;
  }
  if (!error.empty()) {
    malformed_.push_back({line, std::string(error)});
    return;
  }
  if (first && line == 1 && is_header(fields)) return;
  std::size_t size = 0;
  for (std::string_view field : fields) size += field.size();
  if (arena_.size() + size >= import_text_bytes_max) {
    too_large_ = true;
    return;
  }
  Entry entry;
  entry.code = keep(fields[0]);
  entry.customer = keep(fields.size() > 1 ? fields[1] : std::string_view());
  entry.segment = keep(fields.size() > 2 ? fields[2] : std::string_view());
  entry.line = line;
  entries_.push_back(entry);
}

void ImportStream::consume(std::string_view chunk) { reader_.feed(chunk); }

ApiResponse ImportStream::finish(Engine& engine, const std::string& batch_id) {
  reader_.finish();
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
  // A limit reached (a compact batch's 65,536 codes), answered as generate answers it.
  if (status.code() == Status::Code::resource_exhausted) {
    return error_response(409, "limit_reached", status.message());
  }
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
