// Counters for GET /metrics (Prometheus text format): requests by port, route and status, a
// latency histogram per port, and open connections. Lock-free: fixed arrays of atomics indexed
// by route and status, so recording costs a few relaxed increments on the request path.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "coupond/cluster_status.h"

namespace coupond::api {

enum class Port : unsigned char { data = 0, admin = 1 };

class Metrics {
 public:
  // path is the request's path; it is reduced to its route ("/v1/coupons/{code}") so that codes
  // and ids never become label values.
  void record(Port port, std::string_view path, int status, std::chrono::nanoseconds elapsed) {
    record_route(port, route_of(path), status, elapsed);
  }
  // The same in two steps, for a server that answers a request before it may count it (an answer
  // waiting for the journal is counted when it leaves, so the histogram includes the wait).
  static std::uint8_t route_of(std::string_view path);
  void record_route(Port port, std::uint8_t route, int status, std::chrono::nanoseconds elapsed);
  void connection_opened(Port port) { connections_[index(port)].fetch_add(1, relaxed); }
  void connection_closed(Port port) { connections_[index(port)].fetch_sub(1, relaxed); }

  // The exposition text, with the engine's coupon count as a gauge.
  std::string render(std::uint64_t coupons) const;

  static constexpr std::size_t routes_count = 14;
  static constexpr std::size_t statuses_count = 16;
  static constexpr std::size_t buckets_count = 12;

 private:
  static constexpr auto relaxed = std::memory_order_relaxed;
  static std::size_t index(Port port) { return static_cast<std::size_t>(port); }

  std::array<std::array<std::array<std::atomic<std::uint64_t>, statuses_count>, routes_count>, 2>
      requests_{};
  std::array<std::array<std::atomic<std::uint64_t>, buckets_count>, 2> latency_buckets_{};
  std::array<std::atomic<std::uint64_t>, 2> latency_sum_ns_{};
  std::array<std::atomic<std::uint64_t>, 2> latency_count_{};
  std::array<std::atomic<std::int64_t>, 2> connections_{};
};

// The replication gauges: standbys connected, each one's lag and acknowledged sequence, this
// node's journal sequence and, on a standby, whether it is connected to its primary.
std::string render_replication_metrics(const ClusterStatus& status);

}  // namespace coupond::api
