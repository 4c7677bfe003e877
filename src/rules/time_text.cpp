#include "rules/time_text.h"

#include <charconv>
#include <cstdio>

namespace coupond {
namespace {

// Reads exactly digits decimal digits at text[at]; false if any is not a digit.
bool read_number(std::string_view text, std::size_t at, std::size_t digits, int* out) {
  if (at + digits > text.size()) return false;
  int value = 0;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

bool expect(std::string_view text, std::size_t at, char wanted) {
  return at < text.size() && (text[at] == wanted || (wanted == 'T' && text[at] == 't'));
}

}  // namespace

bool parse_rfc3339(std::string_view text, Timestamp* out) {
  using namespace std::chrono;
  int year_value = 0, month_value = 0, day_value = 0, hour = 0, minute = 0, second = 0;
  if (!read_number(text, 0, 4, &year_value) || !expect(text, 4, '-') ||
      !read_number(text, 5, 2, &month_value) || !expect(text, 7, '-') ||
      !read_number(text, 8, 2, &day_value) || !expect(text, 10, 'T') ||
      !read_number(text, 11, 2, &hour) || !expect(text, 13, ':') ||
      !read_number(text, 14, 2, &minute) || !expect(text, 16, ':') ||
      !read_number(text, 17, 2, &second)) {
    return false;
  }
  const year_month_day date{year(year_value), month(static_cast<unsigned>(month_value)),
                            day(static_cast<unsigned>(day_value))};
  if (year_value < 1970 || !date.ok() || hour > 23 || minute > 59 || second > 59) return false;

  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 6) micros = micros * 10 + (text[at] - '0');
    }
    if (digits == 0) return false;
    for (std::size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int offset_hours = 0, offset_mins = 0;
    if (!read_number(text, at + 1, 2, &offset_hours) || !expect(text, at + 3, ':') ||
        !read_number(text, at + 4, 2, &offset_mins) || offset_hours > 23 || offset_mins > 59) {
      return false;
    }
    offset_minutes = (offset_hours * 60 + offset_mins) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return false;
  }
  if (at != text.size()) return false;
  const auto local = sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
  const Timestamp instant(duration_cast<microseconds>(local.time_since_epoch()) +
                          microseconds(micros) - minutes(offset_minutes));
  // The instant, offset applied, must lie in 1970..9999 too: times are answered in UTC, and the
  // API must read back what it answers.
  if (instant < Timestamp() || instant >= sys_days(year(10000) / 1 / 1)) return false;
  *out = instant;
  return true;
}

std::size_t write_rfc3339_utc(Timestamp t, char (&out)[rfc3339_text_max]) {
  using namespace std::chrono;
  const sys_days day_point = floor<days>(t);
  const year_month_day date(day_point);
  const hh_mm_ss time(t - day_point);
  const auto micros = time.subseconds().count();
  int size = std::snprintf(out, sizeof(out), "%04d-%02u-%02uT%02d:%02d:%02d",
                           static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                           static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                           static_cast<int>(time.minutes().count()),
                           static_cast<int>(time.seconds().count()));
  if (micros != 0) {
    size += std::snprintf(out + size, sizeof(out) - static_cast<std::size_t>(size), ".%06lld",
                          static_cast<long long>(micros));
  }
  out[size++] = 'Z';
  return static_cast<std::size_t>(size);
}

std::string format_rfc3339_utc(Timestamp t) {
  char text[rfc3339_text_max];
  return std::string(text, write_rfc3339_utc(t, text));
}

}  // namespace coupond
