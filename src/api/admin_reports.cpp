#include "api/admin_reports.h"

#include <charconv>
#include <memory>

#include "api/responses.h"
#include "csv/csv.h"
#include "rules/time_text.h"

namespace coupond::api {
namespace {

double ratio(double part, double whole) { return whole == 0 ? 0.0 : part / whole; }

// The value of name in a query string "a=1&b=2", undecoded; false when it is absent.
bool query_value(std::string_view query, std::string_view name, std::string_view* out) {
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      *out = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
      return true;
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return false;
}

// A CSV body produced a shard at a time: write_shard appends shard i's lines.
template <typename WriteShard>
ApiResponse csv_by_shard(Engine& engine, std::string header, WriteShard write_shard) {
  ApiResponse response;
  response.content_type = "text/csv";
  auto next = std::make_shared<std::uint32_t>(0);
  auto header_text = std::make_shared<std::string>(std::move(header));
  response.stream = [&engine, next, header_text, write_shard](std::string* chunk) {
    if (!header_text->empty()) {
      chunk->append(*header_text);
      header_text->clear();
    }
    // A few shards per chunk: each is small beside a chunk's usual size.
    for (int i = 0; i < 16 && *next < engine.shard_count(); ++i) write_shard((*next)++, chunk);
    return *next < engine.shard_count();
  };
  return response;
}

}  // namespace

ApiResponse campaign_report(Engine& engine) {
  boost::json::array batches;
  for (const Batch* batch : engine.batches()) {
    BatchReport report;
    if (!engine.batch_report(batch->id(), &report).is_ok()) continue;
    const BatchStats& counts = report.counts;
    batches.push_back({{"batch", batch->id()},
                       {"name", batch->definition().name},
                       {"issued", counts.issued},
                       {"redeemed", counts.redeemed},
                       {"redemption_rate", ratio(static_cast<double>(counts.redeemed),
                                                 static_cast<double>(counts.issued))},
                       {"discount_total", report.discount_total},
                       {"order_amount_total", report.order_amount_total},
                       {"revenue_per_discount", ratio(static_cast<double>(report.order_amount_total),
                                                      static_cast<double>(report.discount_total))}});
  }
  return json_response(200, {{"batches", std::move(batches)}});
}

ApiResponse redemptions_csv(Engine& engine, const Batch& batch) {
  return csv_by_shard(
      engine, "code,order_id,at,customer,channel,store,amount,discount,state\n",
      [&engine, id = batch.id()](std::uint32_t shard, std::string* out) {
        std::vector<RedemptionRow> rows;
        if (!engine.batch_redemptions(id, shard, &rows).is_ok()) return;
        for (const RedemptionRow& row : rows) {
          csv::append_field(out, row.code.view());
          out->push_back(',');
          csv::append_field(out, row.order_id);
          out->push_back(',');
          out->append(format_rfc3339_utc(row.at));
          out->push_back(',');
          csv::append_field(out, row.customer);
          out->push_back(',');
          csv::append_field(out, row.channel);
          out->push_back(',');
          csv::append_field(out, row.store);
          out->push_back(',');
          if (row.amount) out->append(std::to_string(*row.amount));
          out->push_back(',');
          out->append(std::to_string(row.discount));
          out->push_back(',');
          out->append(row.state);
          out->push_back('\n');
        }
      });
}

ApiResponse unused_csv(Engine& engine, const Batch& batch, std::string_view query) {
  std::string_view within_text;
  if (query_value(query, "expiring_within_s", &within_text)) {
    std::int64_t within = 0;
    const auto [end, error] = std::from_chars(within_text.data(), within_text.data() + within_text.size(), within);
    if (error != std::errc() || end != within_text.data() + within_text.size() || within < 0 ||
        within > 10LL * 365 * 24 * 3600) {
      return error_response(400, "bad_request",
                            "expiring_within_s must be a whole number of seconds from 0 to 315360000");
    }
    // Every code of a batch expires at its valid_until: all of them are listed, or none.
    const Timestamp now = engine.now();
    const Timestamp until = batch.definition().valid_until;
    if (until <= now || until > now + std::chrono::seconds(within)) {
      ApiResponse empty;
      empty.content_type = "text/csv";
      empty.body = "customer,code,valid_until\n";
      return empty;
    }
  }
  return csv_by_shard(
      engine, "customer,code,valid_until\n",
      [&engine, id = batch.id(), until = format_rfc3339_utc(batch.definition().valid_until)](
          std::uint32_t shard, std::string* out) {
        std::vector<UnusedBoundCode> codes;
        if (!engine.unused_bound_codes(id, shard, &codes).is_ok()) return;
        for (const UnusedBoundCode& code : codes) {
          csv::append_field(out, code.customer);
          out->push_back(',');
          csv::append_field(out, code.code.view());
          out->push_back(',');
          out->append(until);
          out->push_back('\n');
        }
      });
}

void add_segment_rates(Engine& engine, const Batch& batch, const BatchReport& report,
                       boost::json::object& stats) {
  std::map<std::string, std::uint64_t> issued;
  if (!engine.issued_by_segment(batch.id(), &issued).is_ok()) return;
  // Coupons bound to no customer are the segment "".
  std::uint64_t bound = 0;
  for (const auto& [segment, count] : issued) bound += segment.empty() ? 0 : count;
  if (report.counts.issued > bound) issued[""] = report.counts.issued - bound;
  boost::json::object issued_json;
  boost::json::object rates;
  for (const auto& [segment, count] : issued) {
    issued_json[segment] = count;
    const auto redeemed = report.by_segment.find(segment);
    const double used = redeemed == report.by_segment.end() ? 0.0 : static_cast<double>(redeemed->second);
    rates[segment] = ratio(used, static_cast<double>(count));
  }
  stats["issued_by_segment"] = std::move(issued_json);
  stats["rate_by_segment"] = std::move(rates);
}

}  // namespace coupond::api
