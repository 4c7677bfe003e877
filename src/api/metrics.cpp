#include "api/metrics.h"

#include <cstdio>

namespace coupond::api {
namespace {

constexpr std::array<std::string_view, Metrics::routes_count> route_names = {
    "/healthz",
    "/v1/validate",
    "/v1/redeem",
    "/v1/reserve",
    "/v1/rollback",
    "/v1/coupons/{code}",
    "/admin/v1/batches",
    "/admin/v1/batches/{id}",
    "/admin/v1/batches/{id}/generate",
    "/admin/v1/batches/{id}/import",
    "/admin/v1/batches/{id}/stats",
    "/admin/v1/batches/{id}/revoke",
    "/admin/v1/coupons/{code}/revoke",
    "other",
};

constexpr std::array<int, Metrics::statuses_count> statuses = {
    200, 201, 400, 401, 404, 405, 409, 413, 421, 422, 429, 431, 500, 503, 504, 0};  // 0: any other

// Upper bounds of the latency buckets, in seconds; the last is +Inf.
constexpr std::array<double, Metrics::buckets_count> bucket_bounds = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0, 1e300};

std::size_t route_index(std::string_view path) {
  for (std::size_t i = 0; i + 1 < route_names.size(); ++i) {
    if (route_names[i] == path) return i;
  }
  auto ends = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (path.starts_with("/v1/coupons/")) return 5;
  if (path.starts_with("/admin/v1/coupons/") && ends("/revoke")) return 12;
  if (path.starts_with("/admin/v1/batches/")) {
    if (ends("/generate")) return 8;
    if (ends("/import")) return 9;
    if (ends("/stats")) return 10;
    if (ends("/revoke")) return 11;
    return 7;
  }
  return route_names.size() - 1;
}

std::size_t status_index(int status) {
  for (std::size_t i = 0; i + 1 < statuses.size(); ++i) {
    if (statuses[i] == status) return i;
  }
  return statuses.size() - 1;
}

}  // namespace

std::uint8_t Metrics::route_of(std::string_view path) {
  return static_cast<std::uint8_t>(route_index(path));
}

void Metrics::record_route(Port port, std::uint8_t route, int status,
                           std::chrono::nanoseconds elapsed) {
  const std::size_t p = index(port);
  requests_[p][route][status_index(status)].fetch_add(1, relaxed);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t bucket = 0;
  while (seconds > bucket_bounds[bucket]) ++bucket;
  latency_buckets_[p][bucket].fetch_add(1, relaxed);
  latency_sum_ns_[p].fetch_add(static_cast<std::uint64_t>(elapsed.count()), relaxed);
  latency_count_[p].fetch_add(1, relaxed);
}

std::string Metrics::render(std::uint64_t coupons) const {
  static constexpr std::array<std::string_view, 2> port_names = {"data", "admin"};
  std::string text;
  char line[256];
  text += "# HELP coupond_requests_total Requests answered, by port, route and status.\n";
  text += "# TYPE coupond_requests_total counter\n";
  for (std::size_t p = 0; p < 2; ++p) {
    for (std::size_t r = 0; r < routes_count; ++r) {
      for (std::size_t s = 0; s < statuses_count; ++s) {
        const std::uint64_t count = requests_[p][r][s].load(relaxed);
        if (count == 0) continue;
        const std::string status = statuses[s] == 0 ? "other" : std::to_string(statuses[s]);
        std::snprintf(line, sizeof(line),
                      "coupond_requests_total{port=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                      port_names[p].data(), route_names[r].data(), status.c_str(),
                      static_cast<unsigned long long>(count));
        text += line;
      }
    }
  }
  text += "# HELP coupond_request_seconds Time from a request's arrival to its answer.\n";
  text += "# TYPE coupond_request_seconds histogram\n";
  for (std::size_t p = 0; p < 2; ++p) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < buckets_count; ++b) {
      cumulative += latency_buckets_[p][b].load(relaxed);
      char bound[32];
      if (b + 1 == buckets_count) {
        std::snprintf(bound, sizeof(bound), "+Inf");
      } else {
        std::snprintf(bound, sizeof(bound), "%g", bucket_bounds[b]);
      }
      std::snprintf(line, sizeof(line), "coupond_request_seconds_bucket{port=\"%s\",le=\"%s\"} %llu\n",
                    port_names[p].data(), bound, static_cast<unsigned long long>(cumulative));
      text += line;
    }
    std::snprintf(line, sizeof(line),
                  "coupond_request_seconds_sum{port=\"%s\"} %.9f\n"
                  "coupond_request_seconds_count{port=\"%s\"} %llu\n",
                  port_names[p].data(), latency_sum_ns_[p].load(relaxed) / 1e9,
                  port_names[p].data(), static_cast<unsigned long long>(latency_count_[p].load(relaxed)));
    text += line;
  }
  text += "# HELP coupond_open_connections Connections open now.\n";
  text += "# TYPE coupond_open_connections gauge\n";
  for (std::size_t p = 0; p < 2; ++p) {
    std::snprintf(line, sizeof(line), "coupond_open_connections{port=\"%s\"} %lld\n",
                  port_names[p].data(), static_cast<long long>(connections_[p].load(relaxed)));
    text += line;
  }
  text += "# HELP coupond_coupons Coupons loaded in the table.\n";
  text += "# TYPE coupond_coupons gauge\n";
  text += "coupond_coupons " + std::to_string(coupons) + "\n";
  return text;
}

std::string render_replication_metrics(const ClusterStatus& status) {
  std::string text;
  text += "# HELP coupond_journal_sequence The last record this node holds durable.\n";
  text += "# TYPE coupond_journal_sequence gauge\n";
  text += "coupond_journal_sequence " + std::to_string(status.journal_sequence) + "\n";
  text += "# HELP coupond_replication_standbys Standbys connected to this node.\n";
  text += "# TYPE coupond_replication_standbys gauge\n";
  text += "coupond_replication_standbys " + std::to_string(status.standbys.size()) + "\n";
  if (!status.standbys.empty()) {
    // Node names are letters, digits, '.', '_' and '-' (the handshake refuses others): no label
    // value needs escaping.
    const auto per_standby = [&](const char* name, const char* help, auto figure) {
      text += std::string("# HELP ") + name + " " + help + "\n";
      text += std::string("# TYPE ") + name + " gauge\n";
      for (const StandbyStatus& standby : status.standbys) {
        text += std::string(name) + "{node=\"" + standby.node + "\"} " +
                std::to_string(figure(standby)) + "\n";
      }
    };
    per_standby("coupond_replication_lag_records",
                "Records this node holds that the standby has not acknowledged.",
                [](const StandbyStatus& standby) { return standby.lag_records; });
    per_standby("coupond_replication_acknowledged_sequence",
                "The last record the standby holds on its disk.",
                [](const StandbyStatus& standby) { return standby.acknowledged_sequence; });
  }
  text += "# HELP coupond_replication_sync_suspended 1 while --sync-standby-strict=false answers "
          "without a standby.\n";
  text += "# TYPE coupond_replication_sync_suspended gauge\n";
  text += std::string("coupond_replication_sync_suspended ") + (status.sync_suspended ? "1" : "0") +
          "\n";
  if (!status.following.empty()) {
    text += "# HELP coupond_replication_connected 1 while this standby is connected to its "
            "primary.\n";
    text += "# TYPE coupond_replication_connected gauge\n";
    text += std::string("coupond_replication_connected ") + (status.connected ? "1" : "0") + "\n";
  }
  return text;
}

}  // namespace coupond::api
