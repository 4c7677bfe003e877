// Reading typed fields out of a Boost.JSON object with messages that name the field, so that every
// 400 says exactly what was wrong ("order.amount must be an integer (minor units)").
#pragma once

#include <boost/json.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace coupond::api {

// Fields the API contract defines that this server does not implement yet, by their path in a
// batch definition or a checkout body. A request that gives one is refused (400) rather than
// served as if the field were not there: a campaign believed capped must not run uncapped. An
// entry leaves this list when its field is implemented.
inline constexpr std::array<std::string_view, 2> fields_not_supported_yet = {"auto_issue",
                                                                             "exchange_points"};

// The 400 sentence for a field the server does not read, named by its path ("order.chanel"):
// unknown, or in fields_not_supported_yet.
std::string unknown_field_message(std::string_view path);

class FieldReader {
 public:
  // path is the object's own name in messages ("order"); empty for the top level.
  FieldReader(const boost::json::object& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  // Each getter leaves error() set (and returns a neutral value) when the field has the wrong type
  // or, for required fields, is missing. The first error wins.
  std::string_view string(std::string_view name, bool required, std::size_t length_max);
  // A string that operators will see again (a customer id, a segment): also valid UTF-8 without
  // control characters (rules::check_field_text).
  std::string_view text(std::string_view name, bool required, std::size_t length_max);
  std::optional<std::int64_t> integer(std::string_view name, bool required);
  std::optional<bool> boolean(std::string_view name);
  const boost::json::object* object(std::string_view name, bool required);
  const boost::json::array* array(std::string_view name, bool required);

  // Fails, naming the first of the object's fields that is not in known (unknown_field_message).
  void only(std::initializer_list<std::string_view> known);

  std::string field_name(std::string_view name) const;
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const boost::json::value* find(std::string_view name, bool required);

  const boost::json::object& object_;
  std::string path_;
  std::string error_;
};

}  // namespace coupond::api
