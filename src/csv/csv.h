// CSV as RFC 4180 has it, for the files operators move between coupond and their own systems:
// generated customer,code lists out, imports and customer lists in. A field holding a comma, a
// quote or a line break is quoted ("Doe, Jane"), a quote inside doubled ("say ""hi"""), so that a
// customer id with a comma cannot shift every code onto the wrong customer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coupond::csv {

// Appends field to *out, quoted when it must be.
void append_field(std::string* out, std::string_view field);

// Reads CSV as it arrives, in chunks split anywhere (inside a quoted field too), and hands each
// record to the sink with the line it began on (lines as a text editor counts them: a quoted line
// break starts a new one). Blank lines are skipped; a UTF-8 byte order mark at the very start is
// dropped (spreadsheets write one). Memory is bounded: a record past fields_max fields or a field
// past field_bytes_max bytes is handed over with an error and its excess dropped.
class Reader {
 public:
  // error is empty for a well-formed record; otherwise it says what was wrong ("a quoted field is
  // not closed") and fields may be incomplete.
  using Sink = std::function<void(std::span<const std::string_view> fields, std::uint64_t line,
                                  std::string_view error)>;

  Reader(Sink sink, std::size_t fields_max, std::size_t field_bytes_max);

  void feed(std::string_view chunk);
  // The end of the input: the last record, if it has no line break.
  void finish();

 private:
  enum class State : unsigned char { field_start, unquoted, quoted, quote_in_quoted };

  void take(char c);
  void take_plain(char c);  // a character that is part of an unquoted field
  void append(std::string_view text);
  void end_field();
  void end_record();
  void fail(std::string_view error);

  Sink sink_;
  std::size_t fields_max_;
  std::size_t field_bytes_max_;
  State state_ = State::field_start;
  std::string text_;                 // the record's fields, one after another
  std::vector<std::size_t> ends_;    // where each finished field ends in text_
  std::size_t field_start_ = 0;      // where the current field begins in text_
  std::vector<std::string_view> views_;
  std::string error_;
  std::uint64_t line_ = 1;
  std::uint64_t record_line_ = 1;
  bool record_started_ = false;
  bool pending_carriage_return_ = false;  // a '\r' outside quotes, dropped if '\n' follows
  bool at_start_ = true;                  // until the byte order mark is known to be there or not
  std::string start_bytes_;               // the first bytes, held while that is not known
};

}  // namespace coupond::csv
