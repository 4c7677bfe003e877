#include "api/json_fields.h"

#include <algorithm>

#include "rules/text_check.h"

namespace coupond::api {

std::string unknown_field_message(std::string_view path) {
  for (std::string_view not_yet : fields_not_supported_yet) {
    if (path == not_yet) {
      return "field \"" + std::string(path) + "\" is not supported by this server yet";
    }
  }
  return "unknown field \"" + std::string(path) + "\"";
}

void FieldReader::only(std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object_) {
    const std::string_view name(key.data(), key.size());
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return fail(unknown_field_message(field_name(name)));
    }
  }
}

std::string FieldReader::field_name(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

const boost::json::value* FieldReader::find(std::string_view name, bool required) {
  const boost::json::value* value = object_.if_contains(name);
  if (value == nullptr || value->is_null()) {
    if (required) fail(field_name(name) + " is required");
    return nullptr;
  }
  return value;
}

std::string_view FieldReader::string(std::string_view name, bool required,
                                     std::size_t length_max) {
  const boost::json::value* value = find(name, required);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    fail(field_name(name) + " must be a string");
    return {};
  }
  const boost::json::string& text = value->get_string();
  if (text.size() > length_max) {
    fail(field_name(name) + " must be at most " + std::to_string(length_max) + " characters");
    return {};
  }
  return {text.data(), text.size()};
}

std::string_view FieldReader::text(std::string_view name, bool required, std::size_t length_max) {
  // The length is checked below, with the rest, in the same words for every way in.
  const std::string_view value = string(name, required, std::string_view::npos);
  if (std::string error = rules::check_field_text(field_name(name), value, length_max);
      !error.empty()) {
    fail(std::move(error));
    return {};
  }
  return value;
}

std::optional<std::int64_t> FieldReader::integer(std::string_view name, bool required) {
  const boost::json::value* value = find(name, required);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) {
    fail(field_name(name) + " is too large");
    return std::nullopt;
  }
  // Money and counts are integers: 12.5 is refused rather than rounded.
  fail(field_name(name) + " must be an integer");
  return std::nullopt;
}

std::optional<bool> FieldReader::boolean(std::string_view name) {
  const boost::json::value* value = find(name, false);
  if (value == nullptr) return std::nullopt;
  if (!value->is_bool()) {
    fail(field_name(name) + " must be true or false");
    return std::nullopt;
  }
  return value->get_bool();
}

const boost::json::object* FieldReader::object(std::string_view name, bool required) {
  const boost::json::value* value = find(name, required);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    fail(field_name(name) + " must be an object");
    return nullptr;
  }
  return &value->get_object();
}

const boost::json::array* FieldReader::array(std::string_view name, bool required) {
  const boost::json::value* value = find(name, required);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    fail(field_name(name) + " must be an array");
    return nullptr;
  }
  return &value->get_array();
}

}  // namespace coupond::api
