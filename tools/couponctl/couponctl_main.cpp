// couponctl: the operators' client for coupond's admin port. Every admin call of the API, with
// readable tables (or --json for scripts), progress on long transfers, and a non-zero exit with
// the server's message when a call fails.
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "admin_client.h"
#include "csv/csv.h"
#include "haproxy_config.h"

namespace {

namespace po = boost::program_options;
namespace json = boost::json;
using coupond::ctl::admin_path;
using coupond::ctl::AdminEndpoint;
using coupond::ctl::Reply;

constexpr const char* usage =
    "couponctl: the admin client of coupond\n\n"
    "Usage: couponctl [options] COMMAND [ARGS]\n\n"
    "Commands:\n"
    "  batch create FILE.json          create a batch from its JSON definition\n"
    "       [--code-format F]          ... with code.format F (standard, or compact: 16-character\n"
    "                                  codes for typing, at most 65536 a batch)\n"
    "  batch list                      list the batches\n"
    "  batch show ID                   show one batch\n"
    "  batch update ID --set F=V ...   change a live batch: each F=V sets one field (a dotted\n"
    "                                  F reaches into an object: scope.channels); V is read as\n"
    "                                  JSON when it is (3, null, [\"app\"]), else as a string\n"
    "  batch update ID FILE.json       change a live batch by a JSON merge patch\n"
    "  generate ID --count N           generate N codes; CSV on standard output\n"
    "  generate ID --customers FILE    one code per 'customer[,segment]' line of FILE\n"
    "  import ID FILE.csv              import codes made elsewhere (code[,customer[,segment]])\n"
    "  revoke ID                       revoke a whole batch\n"
    "  revoke-code CODE                revoke one coupon\n"
    "  stats ID                        a batch's campaign figures\n"
    "  report                          every batch side by side: issued, redeemed, discount,\n"
    "                                  revenue per unit of discount\n"
    "  redemptions ID                  a batch's redemptions; CSV on standard output\n"
    "  unused ID [--expiring-within S] its customer-bound codes with uses left (that expire\n"
    "                                  within S seconds); CSV customer,code,valid_until\n"
    "  snapshot                        write a snapshot now\n"
    "  cluster haproxy-config          print an HAProxy configuration routing the data plane by\n"
    "       --partition NAME=HOST:PORT[,HOST:PORT...] ...  code to each partition's nodes\n"
    "       [--bind HOST:PORT]         (docs/routing.md); needs no admin port or token\n";

struct Context {
  AdminEndpoint endpoint;
  bool json_output = false;
  bool show_progress = false;
};

int fail(const std::string& message) {
  std::cerr << "couponctl: " << message << "\n";
  return 1;
}

// The server's message from an error answer, or the body as it is.
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

// Calls the server; on success prints the JSON answer (--json) or hands it to render.
int call(const Context& context, std::string_view method, const std::string& target,
         std::string_view body, const std::function<void(const json::value&)>& render,
         std::string_view content_type = "application/json") {
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

void render_stats(const json::value& value) {
  std::vector<std::vector<std::string>> rows;
  for (const char* key : {"issued", "redeemed", "rolled_back", "revoked", "held",
                          "redemption_rate", "discount_total", "order_amount_total"}) {
    if (value.as_object().contains(key)) rows.push_back({key, number(value.at(key))});
  }
  print_table(rows);
  for (const char* group : {"by_channel", "by_segment"}) {
    std::cout << "\n" << group << "\n";
    std::vector<std::vector<std::string>> entries;
    for (const auto& [name, count] : value.at(group).as_object()) {
      entries.push_back({"  " + (name.empty() ? std::string("(none)") : std::string(name)),
                         number(count)});
    }
    print_table(entries);
  }
  std::cout << "\nby_hour\n";
  std::vector<std::vector<std::string>> hours;
  for (const auto& entry : value.at("by_hour").as_array()) {
    hours.push_back({"  " + std::string(entry.at("hour").as_string()), number(entry.at("redeemed"))});
  }
  print_table(hours);
}

void render_report(const json::value& value) {
  std::vector<std::vector<std::string>> rows = {{"BATCH", "NAME", "ISSUED", "REDEEMED", "RATE",
                                                 "DISCOUNT", "ORDERS", "REVENUE/DISCOUNT"}};
  for (const auto& batch : value.at("batches").as_array()) {
    std::vector<std::string> row;
    for (const char* key : {"batch", "name", "issued", "redeemed", "redemption_rate", "discount_total",
                            "order_amount_total", "revenue_per_discount"}) {
      row.push_back(number(batch.at(key)));
    }
    rows.push_back(std::move(row));
  }
  print_table(rows);
}

// A CSV answer, written to standard output as it arrives.
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

int generate(const Context& context, const std::string& id, const po::variables_map& options) {
  json::object body;
  if (options.count("count")) {
    body["count"] = options["count"].as<std::int64_t>();
  } else if (options.count("customers")) {
    std::string text;
    if (!read_file(options["customers"].as<std::string>(), &text)) {
      return fail("cannot read " + options["customers"].as<std::string>());
    }
    // RFC 4180: a customer id with a comma comes quoted ("Doe, Jane",gold) and stays whole.
    json::array customers;
    std::string error;
    coupond::csv::Reader reader(
        [&](std::span<const std::string_view> fields, std::uint64_t line, std::string_view bad) {
          if (!bad.empty() && error.empty()) {
            error = "line " + std::to_string(line) + ": " + std::string(bad);
          }
          json::object entry{{"customer", fields.empty() ? std::string_view() : fields[0]}};
          if (fields.size() > 1) entry["segment"] = fields[1];
          customers.push_back(std::move(entry));
        },
        2, 1024);
    reader.feed(text);
    reader.finish();
    if (!error.empty()) return fail(options["customers"].as<std::string>() + ": " + error);
    body["customers"] = std::move(customers);
  } else {
    return fail("generate needs --count N or --customers FILE");
  }
  std::uint64_t lines = 0;
  const auto show = progress_for(context, "generate");
  const Reply reply = coupond::ctl::request(
      context.endpoint, "POST", admin_path({"admin", "v1", "batches", id, "generate"}),
      json::serialize(body), "application/json",
      [&](std::string_view chunk) {
        for (char c : chunk) lines += c == '\n';
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      },
      [&](std::uint64_t, std::uint64_t) {
        if (show) std::fprintf(stderr, "\rgenerate: %llu codes", static_cast<unsigned long long>(lines));
      });
  std::cout.flush();
  if (context.show_progress) std::fprintf(stderr, "\n");
  if (reply.status != 200) return fail(server_message(reply));
  std::cerr << "couponctl: " << lines << " codes generated for batch " << id << "\n";
  return 0;
}

int import(const Context& context, const std::string& id, const std::string& path) {
  std::string csv;
  if (!read_file(path, &csv)) return fail("cannot read " + path);
  const Reply reply = coupond::ctl::request(context.endpoint, "POST",
                                            admin_path({"admin", "v1", "batches", id, "import"}),
                                            csv, "text/csv", {}, progress_for(context, "import"));
  if (context.show_progress) std::fprintf(stderr, "\n");
  if (reply.status != 200) return fail(server_message(reply));
  if (context.json_output) {
    std::cout << reply.body << "\n";
    return 0;
  }
  const json::value value = json::parse(reply.body);
  std::cout << "imported " << number(value.at("imported")) << ", duplicates "
            << number(value.at("duplicates")) << ", rejected " << number(value.at("rejected_count"))
            << "\n";
  for (const auto& rejected : value.at("rejected").as_array()) {
    std::cout << "  line " << number(rejected.at("line")) << ": "
              << rejected.at("reason").as_string() << "\n";
  }
  return 0;
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

// Works offline: the configuration is made from the command line alone.
int print_haproxy_config(const po::variables_map& options) {
  coupond::ctl::RouterSpec spec;
  if (options.count("partition")) {
    spec.partitions = options["partition"].as<std::vector<std::string>>();
  }
  spec.bind = options["bind"].as<std::string>();
  std::string config, error;
  if (!coupond::ctl::write_haproxy_config(spec, &config, &error)) return fail(error);
  std::cout << config;
  return 0;
}

int run(const Context& context, const std::vector<std::string>& words,
        const po::variables_map& options) {
  auto print_count = [](const json::value& value) {
    std::cout << "revoked " << number(value.at("revoked")) << "\n";
  };
  const std::string command = words.empty() ? "" : words[0];
  if (command == "batch" && words.size() == 3 && words[1] == "create") {
    std::string definition;
    if (!read_file(words[2], &definition)) return fail("cannot read " + words[2]);
    if (options.count("code-format")) {
      // Set in the definition's "code" object; the server judges the value.
      boost::system::error_code error;
      json::value document = json::parse(definition, error);
      if (error || !document.is_object()) return fail(words[2] + " is not a JSON object");
      json::object& batch = document.as_object();
      if (!batch.contains("code") || !batch.at("code").is_object()) batch["code"] = json::object();
      batch["code"].as_object()["format"] = options["code-format"].as<std::string>();
      definition = json::serialize(document);
    }
    return call(context, "POST", "/admin/v1/batches", definition, render_batches);
  }
  if (command == "batch" && (words.size() == 3 || words.size() == 4) && words[1] == "update") {
    return update_batch(context, words, options);
  }
  if (command == "batch" && words.size() == 2 && words[1] == "list") {
    return call(context, "GET", "/admin/v1/batches", "", render_batches);
  }
  if (command == "batch" && words.size() == 3 && words[1] == "show") {
    return call(context, "GET", admin_path({"admin", "v1", "batches", words[2]}), "",
                [](const json::value& value) { std::cout << json::serialize(value) << "\n"; });
  }
  if (command == "generate" && words.size() == 2) return generate(context, words[1], options);
  if (command == "import" && words.size() == 3) return import(context, words[1], words[2]);
  if (command == "revoke" && words.size() == 2) {
    return call(context, "POST", admin_path({"admin", "v1", "batches", words[1], "revoke"}), "",
                print_count);
  }
  if (command == "revoke-code" && words.size() == 2) {
    return call(context, "POST", admin_path({"admin", "v1", "coupons", words[1], "revoke"}), "",
                print_count);
  }
  if (command == "stats" && words.size() == 2) {
    return call(context, "GET", admin_path({"admin", "v1", "batches", words[1], "stats"}), "",
                render_stats);
  }
  if (command == "report" && words.size() == 1) return call(context, "GET", "/admin/v1/report", "", render_report);
  if (command == "redemptions" && words.size() == 2) {
    return download_csv(context, admin_path({"admin", "v1", "batches", words[1], "redemptions"}));
  }
  if (command == "unused" && words.size() == 2) {
    std::string target = admin_path({"admin", "v1", "batches", words[1], "unused"});
    if (options.count("expiring-within")) {
      target += "?expiring_within_s=" + std::to_string(options["expiring-within"].as<std::int64_t>());
    }
    return download_csv(context, target);
  }
  if (command == "snapshot" && words.size() == 1) {
    return call(context, "POST", "/admin/v1/snapshot", "",
                [](const json::value& value) { std::cout << json::serialize(value) << "\n"; });
  }
  std::cerr << "couponctl: unknown command\n\n" << usage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "admin", po::value<std::string>()->default_value("http://127.0.0.1:8081"),
      "the admin port's URL, http:// or https://")(
      "token-file", po::value<std::string>(),
      "file holding the admin token (coupond's DATA_DIR/admin-token)")(
      "cacert", po::value<std::string>(),
      "https: trust the certificates of this PEM file (a private CA, or the server's self-signed "
      "certificate) instead of the system's")(
      "insecure", "https: do not check the server's certificate; for testing only")(
      "json", "print the server's JSON answers as they are, for scripts")(
      "count", po::value<std::int64_t>(), "generate: how many codes")(
      "code-format", po::value<std::string>(),
      "batch create: the codes' format, standard or compact (sets code.format)")(
      "customers", po::value<std::string>(), "generate: a file of customer[,segment] lines")(
      "expiring-within", po::value<std::int64_t>(),
      "unused: only if the batch's codes expire within this many seconds")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "batch update: field=value, once per field changed")(
      "partition", po::value<std::vector<std::string>>()->composing(),
      "cluster haproxy-config: NAME=HOST:PORT[,HOST:PORT...], once per partition")(
      "bind", po::value<std::string>()->default_value("0.0.0.0:8080"),
      "cluster haproxy-config: the router's address")(
      "command", po::value<std::vector<std::string>>(), "the command and its arguments");
  po::positional_options_description positional;
  positional.add("command", -1);
  po::variables_map arguments;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
              arguments);
    po::notify(arguments);
  } catch (const po::error& error) {
    std::cerr << "couponctl: " << error.what() << "\n\n" << usage << "\n" << options;
    return 2;
  }
  if (arguments.count("help") || !arguments.count("command")) {
    std::cout << usage << "\n" << options;
    return arguments.count("help") ? 0 : 2;
  }
  const auto& words = arguments["command"].as<std::vector<std::string>>();
  if (words.size() == 2 && words[0] == "cluster" && words[1] == "haproxy-config") {
    return print_haproxy_config(arguments);
  }
  Context context;
  if (!coupond::ctl::parse_admin_url(arguments["admin"].as<std::string>(), &context.endpoint)) {
    return fail("--admin must look like http://127.0.0.1:8081 or https://127.0.0.1:8081");
  }
  if ((arguments.count("cacert") || arguments.count("insecure")) && !context.endpoint.tls) {
    return fail("--cacert and --insecure are for an https:// --admin");
  }
  if (arguments.count("cacert")) context.endpoint.ca_file = arguments["cacert"].as<std::string>();
  context.endpoint.verify_certificate = arguments.count("insecure") == 0;
  if (!arguments.count("token-file")) return fail("--token-file is required");
  std::string token;
  if (!read_file(arguments["token-file"].as<std::string>(), &token)) {
    return fail("cannot read " + arguments["token-file"].as<std::string>());
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  context.endpoint.token = token;
  context.json_output = arguments.count("json") > 0;
  context.show_progress = ::isatty(STDERR_FILENO) != 0;
  return run(context, words, arguments);
}
