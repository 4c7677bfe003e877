// couponctl's code commands: generate codes (by count, or one per customer of a file) and import
// codes made elsewhere, with progress on long transfers.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "csv/csv.h"

namespace coupond::ctl {

namespace json = boost::json;

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

}  // namespace coupond::ctl
