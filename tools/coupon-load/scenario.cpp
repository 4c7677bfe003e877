#include "scenario.h"

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace coupond::load {
namespace {

namespace json = boost::json;

// Reads an optional number field; false (with *error) when it is there but not a number.
bool read_number(const json::object& object, std::string_view key, std::string_view where,
                 double* out, std::string* error) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return true;
  if (!value->is_number()) {
    *error = std::string(where) + std::string(key) + " must be a number";
    return false;
  }
  *out = value->to_number<double>();
  return true;
}

bool read_mix(const json::object& object, Mix* mix, std::string* error) {
  const json::value* value = object.if_contains("mix");
  if (value == nullptr) return true;
  if (!value->is_object()) {
    *error = "mix must be an object";
    return false;
  }
  const json::object& shares = value->get_object();
  for (const auto& entry : shares) {
    const std::string_view key = entry.key();
    if (key != "validate" && key != "redeem" && key != "rollback" && key != "forged" &&
        key != "unknown") {
      *error = "mix." + std::string(key) + " is not a request kind (validate, redeem, rollback, "
               "forged, unknown)";
      return false;
    }
  }
  Mix read;
  read.validate = read.redeem = 0;
  if (!read_number(shares, "validate", "mix.", &read.validate, error) ||
      !read_number(shares, "redeem", "mix.", &read.redeem, error) ||
      !read_number(shares, "rollback", "mix.", &read.rollback, error) ||
      !read_number(shares, "forged", "mix.", &read.forged, error) ||
      !read_number(shares, "unknown", "mix.", &read.unknown, error)) {
    return false;
  }
  *mix = read;
  return true;
}

bool read_keys(const json::object& object, Scenario* out, std::string* error) {
  const json::value* value = object.if_contains("keys");
  if (value == nullptr) return true;
  if (!value->is_object()) {
    *error = "keys must be an object";
    return false;
  }
  const json::object& keys = value->get_object();
  if (const json::value* distribution = keys.if_contains("distribution")) {
    if (*distribution == "uniform") {
      out->keys = KeyDistribution::uniform;
    } else if (*distribution == "zipf") {
      out->keys = KeyDistribution::zipf;
    } else {
      *error = "keys.distribution must be \"uniform\" or \"zipf\"";
      return false;
    }
  }
  double codes = static_cast<double>(out->key_codes);
  if (!read_number(keys, "exponent", "keys.", &out->zipf_exponent, error) ||
      !read_number(keys, "codes", "keys.", &codes, error)) {
    return false;
  }
  out->key_codes = static_cast<std::uint64_t>(codes);
  return true;
}

}  // namespace

bool parse_scenario(std::string_view text, Scenario* out, std::string* error) {
  boost::system::error_code parse_error;
  const json::value document = json::parse(text, parse_error);
  if (parse_error || !document.is_object()) {
    *error = "a scenario must be a JSON object";
    return false;
  }
  const json::object& object = document.get_object();
  Scenario read = *out;
  if (const json::value* name = object.if_contains("name"); name != nullptr && name->is_string()) {
    read.name = name->get_string();
  }
  if (const json::value* text_value = object.if_contains("description");
      text_value != nullptr && text_value->is_string()) {
    read.description = text_value->get_string();
  }
  double connections = read.connections;
  double duration = static_cast<double>(read.duration.count());
  double ramp = static_cast<double>(read.ramp.count());
  double requests = static_cast<double>(read.requests_max);
  if (!read_number(object, "connections", "", &connections, error) ||
      !read_number(object, "duration_s", "", &duration, error) ||
      !read_number(object, "rate", "", &read.rate, error) ||
      !read_number(object, "ramp_s", "", &ramp, error) ||
      !read_number(object, "requests", "", &requests, error) || !read_mix(object, &read.mix, error) ||
      !read_keys(object, &read, error)) {
    return false;
  }
  read.connections = static_cast<unsigned>(connections);
  read.duration = std::chrono::seconds(static_cast<long>(duration));
  read.ramp = std::chrono::seconds(static_cast<long>(ramp));
  read.requests_max = static_cast<std::uint64_t>(requests);
  if (!check_scenario(read, error)) return false;
  *out = read;
  return true;
}

bool load_scenario_file(const std::string& path, Scenario* out, std::string* error) {
  std::ifstream file(path);
  if (!file) {
    *error = "cannot read " + path;
    return false;
  }
  std::stringstream text;
  text << file.rdbuf();
  if (!parse_scenario(text.str(), out, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

bool check_scenario(const Scenario& scenario, std::string* error) {
  const Mix& mix = scenario.mix;
  const double total = mix.validate + mix.redeem + mix.rollback + mix.forged + mix.unknown;
  if (scenario.connections < 1 || scenario.connections > 10'000) {
    *error = "connections must be 1..10000";
  } else if (scenario.duration.count() < 1 || scenario.duration.count() > 3600) {
    *error = "duration must be 1..3600 seconds";
  } else if (scenario.rate < 0 || scenario.rate > 10'000'000) {
    *error = "rate must be 0 (closed loop) to 10,000,000 requests/s";
  } else if (scenario.ramp < std::chrono::seconds(0) || scenario.ramp > scenario.duration) {
    *error = "ramp must be 0 to the duration";
  } else if (mix.validate < 0 || mix.redeem < 0 || mix.rollback < 0 || mix.forged < 0 ||
             mix.unknown < 0 || total <= 0) {
    *error = "mix shares must be at least 0, and not all 0";
  } else if (scenario.zipf_exponent <= 0 || scenario.zipf_exponent > 10) {
    *error = "keys.exponent must be above 0 and at most 10";
  } else {
    return true;
  }
  return false;
}

}  // namespace coupond::load
