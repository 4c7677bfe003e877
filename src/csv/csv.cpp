#include "csv/csv.h"

namespace coupond::csv {
namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

}  // namespace

void append_field(std::string* out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

Reader::Reader(Sink sink, std::size_t fields_max, std::size_t field_bytes_max)
    : sink_(std::move(sink)), fields_max_(fields_max), field_bytes_max_(field_bytes_max) {}

void Reader::fail(std::string_view error) {
  if (error_.empty()) error_ = error;
}

void Reader::append(std::string_view text) {
  record_started_ = true;
  if (ends_.size() >= fields_max_) return fail("more than " + std::to_string(fields_max_) + " fields");
  const std::size_t room = field_bytes_max_ - std::min(field_bytes_max_, text_.size() - field_start_);
  if (text.size() > room) {
    fail("a field is longer than " + std::to_string(field_bytes_max_) + " bytes");
    text = text.substr(0, room);
  }
  text_.append(text);
}

void Reader::end_field() {
  record_started_ = true;
  if (ends_.size() >= fields_max_) {
    fail("more than " + std::to_string(fields_max_) + " fields");
  } else {
    ends_.push_back(text_.size());
  }
  field_start_ = text_.size();
  state_ = State::field_start;
}

void Reader::end_record() {
  if (record_started_) {
    end_field();
    views_.clear();
    std::size_t begin = 0;
    for (std::size_t end : ends_) {
      views_.emplace_back(text_.data() + begin, end - begin);
      begin = end;
    }
    sink_(views_, record_line_, error_);
  }
  text_.clear();
  ends_.clear();
  error_.clear();
  field_start_ = 0;
  state_ = State::field_start;
  record_started_ = false;
  record_line_ = line_;
}

void Reader::take(char c) {
  if (pending_carriage_return_) {
    pending_carriage_return_ = false;
    // A lone '\r' is kept as it is; the field's own checks decide what it means.
    if (c != '\n') take_plain('\r');
  }
  switch (state_) {
    case State::quoted:
      if (c == '"') {
        state_ = State::quote_in_quoted;
      } else {
        append(std::string_view(&c, 1));
        if (c == '\n') ++line_;
      }
      return;
    case State::quote_in_quoted:
      if (c == '"') {  // a doubled quote stands for one
        append("\"");
        state_ = State::quoted;
        return;
      }
      break;
    case State::field_start:
      if (c == '"') {
        record_started_ = true;
        state_ = State::quoted;
        return;
      }
      break;
    case State::unquoted:
      break;
  }
  if (c == ',') return end_field();
  if (c == '\n') {
    ++line_;
    return end_record();
  }
  if (c == '\r') {
    pending_carriage_return_ = true;
    return;
  }
  take_plain(c);
}

void Reader::take_plain(char c) {
  if (state_ == State::quote_in_quoted) fail("text after a closing quote");
  if (c == '"') fail("a quote inside a field that is not quoted");
  state_ = State::unquoted;
  append(std::string_view(&c, 1));
}

void Reader::feed(std::string_view chunk) {
  while (at_start_ && !chunk.empty()) {
    start_bytes_.push_back(chunk.front());
    chunk.remove_prefix(1);
    if (start_bytes_ == byte_order_mark) {
      at_start_ = false;
    } else if (!byte_order_mark.starts_with(start_bytes_)) {
      at_start_ = false;
      for (char c : start_bytes_) take(c);
    }
  }
  std::size_t at = 0;
  while (at < chunk.size()) {
    if (state_ == State::unquoted && !pending_carriage_return_) {
      // The bulk of a file: plain text up to the next character that means something.
      const std::size_t special = std::min(chunk.find_first_of(",\"\r\n", at), chunk.size());
      if (special > at) {
        append(chunk.substr(at, special - at));
        at = special;
        continue;
      }
    }
    take(chunk[at++]);
  }
}

void Reader::finish() {
  if (at_start_) {
    at_start_ = false;
    for (char c : start_bytes_) take(c);
  }
  pending_carriage_return_ = false;
  if (state_ == State::quoted) fail("a quoted field is not closed");
  end_record();
}

}  // namespace coupond::csv
