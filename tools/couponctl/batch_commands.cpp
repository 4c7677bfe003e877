// couponctl's batch commands: create, update (by --set or a merge patch file), list, show,
// revoke a batch or one coupon.
#include <iostream>

#include "commands.h"

namespace coupond::ctl {
namespace {

namespace json = boost::json;

void render_batch_row(const json::value& batch, std::vector<std::vector<std::string>>* rows) {
  const auto& stats = batch.at("stats");
  rows->push_back({std::string(batch.at("id").as_string()),
                   std::string(batch.at("discount").at("type").as_string()),
                   std::string(batch.at("valid_from").as_string()),
                   std::string(batch.at("valid_until").as_string()), number(stats.at("issued")),
                   number(stats.at("redeemed")), batch.at("revoked").as_bool() ? "yes" : "no"});
}

void render_batches(const json::value& value) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "DISCOUNT", "VALID FROM", "VALID UNTIL", "ISSUED", "REDEEMED", "REVOKED"}};
  if (value.is_object() && value.as_object().contains("batches")) {
    for (const auto& batch : value.at("batches").as_array()) render_batch_row(batch, &rows);
  } else {
    render_batch_row(value, &rows);
  }
  print_table(rows);
}

// The merge patch that --set field=value ... stands for.
bool patch_from_settings(const std::vector<std::string>& settings, json::object* patch,
                         std::string* error) {
  for (const std::string& setting : settings) {
    const std::size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
      *error = "--set needs field=value, not " + setting;
      return false;
    }
    const std::string_view path = std::string_view(setting).substr(0, equals);
    const std::string_view text = std::string_view(setting).substr(equals + 1);
    boost::system::error_code parse_error;
    json::value value = json::parse(text, parse_error);
    if (parse_error) value = json::string(text);
    json::object* object = patch;
    std::size_t start = 0;
    for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
         start = dot + 1, dot = path.find('.', start)) {
      json::value& inner = (*object)[path.substr(start, dot - start)];
      if (!inner.is_object()) inner = json::object();
      object = &inner.as_object();
    }
    (*object)[path.substr(start)] = std::move(value);
  }
  return true;
}

void print_revoked(const json::value& value) {
  std::cout << "revoked " << number(value.at("revoked")) << "\n";
}

void print_json(const json::value& value) { std::cout << json::serialize(value) << "\n"; }

}  // namespace

int update_batch(const Context& context, const std::vector<std::string>& words,
                 const po::variables_map& options) {
  const bool has_file = words.size() == 4;
  const bool has_settings = options.count("set") > 0;
  if (has_file == has_settings) return fail("batch update needs --set field=value or FILE.json");
  std::string body;
  if (has_file) {
    if (!read_file(words[3], &body)) return fail("cannot read " + words[3]);
  } else {
    json::object patch;
    std::string error;
    if (!patch_from_settings(options["set"].as<std::vector<std::string>>(), &patch, &error)) {
      return fail(error);
    }
    body = json::serialize(patch);
  }
  return call(context, "PATCH", admin_path({"admin", "v1", "batches", words[2]}), body,
              render_batches);
}

int create_batch(const Context& context, const std::string& path, const po::variables_map& options) {
  std::string definition;
  if (!read_file(path, &definition)) return fail("cannot read " + path);
  if (options.count("code-format")) {
    // Set in the definition's "code" object; the server judges the value.
    boost::system::error_code error;
    json::value document = json::parse(definition, error);
    if (error || !document.is_object()) return fail(path + " is not a JSON object");
    json::object& batch = document.as_object();
    if (!batch.contains("code") || !batch.at("code").is_object()) batch["code"] = json::object();
    batch["code"].as_object()["format"] = options["code-format"].as<std::string>();
    definition = json::serialize(document);
  }
  return call(context, "POST", "/admin/v1/batches", definition, render_batches);
}

int list_batches(const Context& context) {
  return call(context, "GET", "/admin/v1/batches", "", render_batches);
}

int show_batch(const Context& context, const std::string& id) {
  return call(context, "GET", admin_path({"admin", "v1", "batches", id}), "", print_json);
}

int revoke_batch(const Context& context, const std::string& id) {
  return call(context, "POST", admin_path({"admin", "v1", "batches", id, "revoke"}), "",
              print_revoked);
}

int revoke_code(const Context& context, const std::string& code) {
  return call(context, "POST", admin_path({"admin", "v1", "coupons", code, "revoke"}), "",
              print_revoked);
}

}  // namespace coupond::ctl
