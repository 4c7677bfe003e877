// Slow clients, end to end with the real binary: thousands of slowloris connections (each
// trickling a request head a byte at a time, never finishing it) on both ports do not stop an
// ordinary client's requests from being answered, and the server closes every one of them once
// its request timeout has passed. How much throughput they cost is measured by
// bench/slowloris.sh, not asserted here.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::ServerProcess;

constexpr std::size_t slow_connections_wanted = 4000;
constexpr int ordinary_requests = 1000;
constexpr int request_timeout_s = 5;
// Sent a byte at a time, never to its end: the blank line that would close the head never comes.
constexpr std::string_view partial_head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

// The soft descriptor limit raised to the hard one; returns it.
rlim_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

// True once the server has closed the connection (end of stream, or a reset).
bool closed_by_server(int fd) {
  char byte;
  const ssize_t got = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

// Slowloris connections: a byte of the head each second on every connection the server has not
// closed yet, from a thread of their own, until all are closed or the test gives up.
class Slowloris {
 public:
  Slowloris(const std::vector<unsigned short>& ports, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      const int fd = testing::connect_loopback(ports[i % ports.size()]);
      if (fd < 0) break;
      connections_.push_back({fd, 0, false});
    }
    trickler_ = std::thread([this] { trickle(); });
  }
  ~Slowloris() {
    stop_.store(true);
    trickler_.join();
    for (const Connection& connection : connections_) ::close(connection.fd);
  }
  std::size_t opened() const { return connections_.size(); }
  std::size_t closed() const { return closed_.load(); }
  // Waits (at most until deadline) for the server to have closed them all; returns how many it did.
  std::size_t wait_for_all_closed(std::chrono::steady_clock::time_point deadline) {
    while (closed() < opened() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return closed();
  }

 private:
  struct Connection {
    int fd;
    std::size_t sent;
    bool closed;
  };
  void trickle() {
    while (!stop_.load() && closed_.load() < connections_.size()) {
      for (Connection& connection : connections_) {
        if (connection.closed) continue;
        const char byte = partial_head[connection.sent % partial_head.size()];
        if (closed_by_server(connection.fd) ||
            ::send(connection.fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
          connection.closed = true;
          closed_.fetch_add(1);
          continue;
        }
        ++connection.sent;
      }
      for (int i = 0; i < 10 && !stop_.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  std::vector<Connection> connections_;  // touched by the trickler only, once it runs
  std::atomic<std::size_t> closed_{0};
  std::atomic<bool> stop_{false};
  std::thread trickler_;
};

// An ordinary client's requests, one after another, each on a fresh connection; returns how many
// were answered 200.
int ordinary_client(unsigned short port, int requests, std::chrono::milliseconds* took) {
  const auto start = std::chrono::steady_clock::now();
  int answered = 0;
  for (int i = 0; i < requests; ++i) {
    if (http_request(port, "GET", "/healthz").status == 200) ++answered;
  }
  *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                start);
  return answered;
}

TEST(SlowClientsTest, ThousandsOfSlowlorisConnectionsAreCutOffWhileAnOrdinaryClientIsServed) {
  // Each slow connection costs a descriptor here and one in the server, whose connection limit
  // per port is about half its descriptors.
  const rlim_t descriptors = raise_descriptor_limit();
  const std::size_t fit = descriptors > 512 ? (descriptors - 256) / 2 : 0;
  const std::size_t slow_count = std::min(slow_connections_wanted, fit);
  if (slow_count < 200) GTEST_SKIP() << "too few descriptors: " << descriptors;
  ServerProcess server({"--request-timeout", std::to_string(request_timeout_s)});
  ASSERT_TRUE(server.started());

  std::chrono::milliseconds alone{};
  ASSERT_EQ(ordinary_client(server.data_port(), ordinary_requests, &alone), ordinary_requests);

  Slowloris slowloris({server.data_port(), server.admin_port()}, slow_count);
  ASSERT_EQ(slowloris.opened(), slow_count);
  std::chrono::milliseconds beside_slowloris{};
  EXPECT_EQ(ordinary_client(server.data_port(), ordinary_requests, &beside_slowloris),
            ordinary_requests);
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/healthz").status, 200);
  // For the reader; the bench measures this properly.
  std::cout << ordinary_requests << " requests alone in " << alone.count() << " ms, beside "
            << slow_count << " slowloris connections (" << slowloris.closed()
            << " closed by then) in " << beside_slowloris.count() << " ms\n";

  // Each is closed once a whole head has not arrived within the request timeout, however steadily
  // its bytes come; the bound is generous, the count is what is checked.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(request_timeout_s * 6);
  EXPECT_EQ(slowloris.wait_for_all_closed(deadline), slow_count);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace coupond
