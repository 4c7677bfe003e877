// An import's CSV, parsed as it arrives: each chunk's complete lines are split into fields and
// kept (text in one arena), the partial last line waits for the next chunk. Nothing is loaded
// until finish(), which hands every line to the engine at once, so a bad line never stops the
// good ones and an import is never half loaded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_types.h"
#include "coupond/engine.h"

namespace coupond::api {

class ImportStream {
 public:
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
  void add_line(std::string_view line);
  Field keep(std::string_view text);
  std::string_view view(Field field) const { return {arena_.data() + field.offset, field.size}; }

  std::string pending_;  // the last, unfinished line of the chunks so far
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<ImportResult::Rejected> malformed_;
  std::uint64_t line_number_ = 0;
  bool too_large_ = false;
};

}  // namespace coupond::api
