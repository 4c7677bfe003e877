// What every couponctl command shares: where the admin port is and how to print, the call of
// the server with its answer rendered (or printed as JSON with --json), CSV downloads, progress,
// and failing with the server's own message.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "admin_client.h"

namespace coupond::ctl {

struct Context {
  AdminEndpoint endpoint;
  bool json_output = false;
  bool show_progress = false;
};

// Prints "couponctl: message" on standard error; returns the exit status 1.
int fail(const std::string& message);
// The server's message from an error answer, or the body as it is.
std::string server_message(const Reply& reply);
bool read_file(const std::string& path, std::string* out);
// A JSON number (or string) as a table shows it.
std::string number(const boost::json::value& value);
// Rows in columns as wide as their widest cell, two spaces apart.
void print_table(const std::vector<std::vector<std::string>>& rows);

// Calls the server; on success prints the JSON answer (--json) or hands it to render.
int call(const Context& context, std::string_view method, const std::string& target,
         std::string_view body, const std::function<void(const boost::json::value&)>& render,
         std::string_view content_type = "application/json");
// A CSV answer, written to standard output as it arrives.
int download_csv(const Context& context, const std::string& target);
// A progress line on standard error for a long transfer, when it is a terminal; else none.
std::function<void(std::uint64_t, std::uint64_t)> progress_for(const Context& context,
                                                               const char* what);

}  // namespace coupond::ctl
