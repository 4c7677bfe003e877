// couponctl's figures and exports: a batch's stats, the report of every batch, the redemptions and
// unused codes as CSV, and a snapshot taken now.
#include <iostream>

#include "commands.h"

namespace coupond::ctl {
namespace {

namespace json = boost::json;

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

}  // namespace

int show_stats(const Context& context, const std::string& id) {
  return call(context, "GET", admin_path({"admin", "v1", "batches", id, "stats"}), "", render_stats);
}

int show_report(const Context& context) {
  return call(context, "GET", "/admin/v1/report", "", render_report);
}

int download_redemptions(const Context& context, const std::string& id) {
  return download_csv(context, admin_path({"admin", "v1", "batches", id, "redemptions"}));
}

int download_unused(const Context& context, const std::string& id, const po::variables_map& options) {
  std::string target = admin_path({"admin", "v1", "batches", id, "unused"});
  if (options.count("expiring-within")) {
    target += "?expiring_within_s=" + std::to_string(options["expiring-within"].as<std::int64_t>());
  }
  return download_csv(context, target);
}

int take_snapshot(const Context& context) {
  return call(context, "POST", "/admin/v1/snapshot", "",
              [](const json::value& value) { std::cout << json::serialize(value) << "\n"; });
}

}  // namespace coupond::ctl
