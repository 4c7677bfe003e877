// couponctl's shared parts (command_output.h).
#include "command_output.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace coupond::ctl {

namespace json = boost::json;

int fail(const std::string& message) {
  std::cerr << "couponctl: " << message << "\n";
  return 1;
}

std::string server_message(const Reply& reply) {
  if (!reply.error.empty()) return reply.error;
  boost::system::error_code error;
  const json::value value = json::parse(reply.body, error);
  if (!error && value.is_object() && value.as_object().contains("error")) {
    const auto& object = value.at("error");
    return std::string(object.at("message").as_string()) + " (" +
           std::string(object.at("code").as_string()) + ", HTTP " + std::to_string(reply.status) +
           ")";
  }
  return "HTTP " + std::to_string(reply.status) + ": " + reply.body;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream text;
  text << file.rdbuf();
  *out = text.str();
  return true;
}

std::string number(const json::value& value) {
  if (value.is_int64()) return std::to_string(value.as_int64());
  if (value.is_uint64()) return std::to_string(value.as_uint64());
  if (value.is_double()) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.6f", value.as_double());
    return text;
  }
  if (value.is_string()) return std::string(value.as_string());
  return json::serialize(value);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

int call(const Context& context, std::string_view method, const std::string& target,
         std::string_view body, const std::function<void(const json::value&)>& render,
         std::string_view content_type) {
  const Reply reply = coupond::ctl::request(context.endpoint, method, target, body, content_type);
  if (reply.status < 200 || reply.status >= 300) return fail(server_message(reply));
  boost::system::error_code error;
  const json::value value = json::parse(reply.body, error);
  if (error) return fail("the server's answer is not JSON: " + reply.body);
  if (context.json_output) {
    std::cout << json::serialize(value) << "\n";
  } else {
    render(value);
  }
  return 0;
}

int download_csv(const Context& context, const std::string& target) {
  const Reply reply = coupond::ctl::request(
      context.endpoint, "GET", target, "", "application/json", [](std::string_view chunk) {
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      });
  std::cout.flush();
  if (reply.status != 200) return fail(server_message(reply));
  return 0;
}

std::function<void(std::uint64_t, std::uint64_t)> progress_for(const Context& context,
                                                               const char* what) {
  if (!context.show_progress) return {};
  return [what](std::uint64_t sent, std::uint64_t received) {
    std::fprintf(stderr, "\r%s: %.1f MB sent, %.1f MB received", what, sent / 1e6, received / 1e6);
  };
}

}  // namespace coupond::ctl
