// An import's CSV (RFC 4180, csv::Reader), parsed as it arrives: each record's fields are kept
// (text in one arena), a record split between chunks waits for the next. Nothing is loaded until
// finish(), which hands every line to the engine at once, so a bad line never stops the good ones
// and an import is never half loaded.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_types.h"
#include "coupond/engine.h"
#include "csv/csv.h"

namespace coupond::api {

class ImportStream {
 public:
  ImportStream();
  ImportStream(const ImportStream&) = delete;  // its reader calls back into it
  ImportStream& operator=(const ImportStream&) = delete;
  void consume(std::string_view chunk);
  // Loads the lines into batch_id and answers {"imported", "duplicates", "rejected", ...}.
  ApiResponse finish(Engine& engine, const std::string& batch_id);

 private:
  struct Field {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct Entry {
    Field code, customer, segment;
    std::uint64_t line = 0;
  };
  void add_record(std::span<const std::string_view> fields, std::uint64_t line,
                  std::string_view error);
  Field keep(std::string_view text);
  std::string_view view(Field field) const { return {arena_.data() + field.offset, field.size}; }

  csv::Reader reader_;
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<ImportResult::Rejected> malformed_;
  bool first_record_ = true;
  bool too_large_ = false;
};

}  // namespace coupond::api
