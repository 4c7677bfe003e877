// coupon-load: its latency histogram gives percentiles within its stated precision, and the
// binary runs a short bounded flash sale against a real coupond, counts every outcome and finds
// no code redeemed twice; it refuses targets off this machine.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <signal.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "http_client.h"
#include "latency_histogram.h"
#include "server_process.h"

namespace coupond {
namespace {

TEST(LatencyHistogramTest, PercentilesAreWithinSixPercent) {
  load::LatencyHistogram histogram;
  std::vector<std::uint64_t> values;
  std::mt19937_64 random(5);
  for (int i = 0; i < 100'000; ++i) {
    const std::uint64_t value = 10 + random() % 50'000;
    values.push_back(value);
    histogram.record(value);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(values[static_cast<std::size_t>(q * values.size()) - 1]);
    const double estimate = static_cast<double>(histogram.percentile(q));
    EXPECT_NEAR(estimate, exact, exact * 0.065) << q;
  }
  EXPECT_EQ(histogram.max(), values.back());
  EXPECT_EQ(histogram.count(), 100'000u);
  load::LatencyHistogram small;
  for (std::uint64_t v : {1, 2, 3}) small.record(v);
  EXPECT_EQ(small.percentile(0.5), 2u);
  EXPECT_EQ(load::LatencyHistogram().percentile(0.99), 0u);
}

// Creates the batch "sale" on server with count single-use codes and writes them to a file in its
// data directory; answers the file's path (empty on failure).
std::filesystem::path start_sale(const testing::ServerProcess& server, int count) {
  const std::string batch = R"({"id": "sale", "discount": {"type": "amount_off", "amount": 100},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})";
  if (testing::http_request(server.admin_port(), "POST", "/admin/v1/batches", batch,
                            server.admin_token()).status != 201) {
    return {};
  }
  const auto codes = testing::http_request(
      server.admin_port(), "POST", "/admin/v1/batches/sale/generate",
      R"({"count": )" + std::to_string(count) + "}", server.admin_token());
  if (codes.status != 200) return {};
  const auto codes_file = server.data_dir() / "codes.csv";
  std::ofstream(codes_file) << codes.body;
  return codes_file;
}

TEST(CouponLoadTest, AShortFlashSaleRedeemsEachCodeAtMostOnce) {
  testing::ServerProcess server;
  ASSERT_TRUE(server.started());
  // Few codes and many connections: most redemptions race for codes already spent.
  const auto codes_file = start_sale(server, 200);
  ASSERT_FALSE(codes_file.empty());
  const auto json_file = server.data_dir() / "load.json";
  std::string output;
  const int status = testing::run_program(
      COUPON_LOAD_BINARY,
      {"--target", "http://127.0.0.1:" + std::to_string(server.data_port()), "--codes",
       codes_file.string(), "--connections", "16", "--duration", "2", "--requests", "20000",
       "--redeem-share", "0.8", "--forged-share", "0.1", "--json", json_file.string()},
      &output);
  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("redeemed twice: 0"), std::string::npos) << output;
  std::stringstream text;
  text << std::ifstream(json_file).rdbuf();
  const auto report = boost::json::parse(text.str()).as_object();
  EXPECT_GT(report.at("requests").as_int64(), 0);
  EXPECT_LE(report.at("requests").as_int64(), 20000);
  EXPECT_EQ(report.at("double_redemptions").as_int64(), 0);
  EXPECT_LE(report.at("codes_redeemed").as_int64(), 200);
  EXPECT_TRUE(report.at("outcomes").as_object().contains("redeem 200 redeemed"));
  // The server's own count agrees with the loader's.
  const auto stats = boost::json::parse(testing::http_request(server.admin_port(), "GET",
                                                              "/admin/v1/batches/sale/stats", {},
                                                              server.admin_token())
                                            .body)
                         .as_object();
  EXPECT_EQ(stats.at("redeemed").as_int64(), report.at("codes_redeemed").as_int64());
}

boost::json::object read_report(const std::filesystem::path& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return boost::json::parse(text.str()).as_object();
}

TEST(CouponLoadTest, OpenLoopSendsWhatItsScheduleSaysAndCountsWhatItCouldNot) {
  testing::ServerProcess server;
  ASSERT_TRUE(server.started());
  const auto codes_file = start_sale(server, 500);
  ASSERT_FALSE(codes_file.empty());
  const auto json_file = server.data_dir() / "load.json";
  std::string output;
  // 8 connections at 1,000 requests/s for 2 s: each connection's schedule holds exactly 250.
  ASSERT_EQ(testing::run_program(
                COUPON_LOAD_BINARY,
                {"--target", "http://127.0.0.1:" + std::to_string(server.data_port()), "--codes",
                 codes_file.string(), "--connections", "8", "--duration", "2", "--rate", "1000",
                 "--quiet", "--json", json_file.string()},
                &output),
            0)
      << output;
  const auto report = read_report(json_file);
  EXPECT_EQ(report.at("mode").as_string(), "open");
  EXPECT_EQ(report.at("requests").as_int64() + report.at("unsent").as_int64(), 2000) << output;
  EXPECT_EQ(report.at("double_redemptions").as_int64(), 0);
  EXPECT_NE(output.find("from each request's due time"), std::string::npos) << output;
}

// A free loopback port, for a server the test starts.
unsigned short free_port() {
  boost::asio::io_context context;
  boost::asio::ip::tcp::acceptor acceptor(
      context, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(CouponLoadTest, RedisGetsTheSameCodesAndTheSameCheckAndSet) {
  const std::filesystem::path redis_server = "/usr/bin/redis-server";
  if (!std::filesystem::exists(redis_server)) GTEST_SKIP() << "redis-server is not installed";
  testing::TemporaryDirectory directory;
  const unsigned short port = free_port();
  std::string output;
  ASSERT_EQ(testing::run_program(redis_server.string(),
                                 {"--port", std::to_string(port), "--bind", "127.0.0.1", "--save",
                                  "", "--appendonly", "no", "--dir", directory.path().string(),
                                  "--daemonize", "yes", "--pidfile",
                                  (directory.path() / "redis.pid").string()},
                                 &output),
            0)
      << output;
  const auto codes_file = directory.path() / "codes.csv";
  {
    std::ofstream codes(codes_file);
    for (int i = 0; i < 200; ++i) codes << "CODE-" << 1000 + i << "\n";
  }
  const auto json_file = directory.path() / "load.json";
  int status = -1;
  // The server may take a moment to listen: a refused first connection is tried again.
  for (int attempt = 0; attempt < 50 && status != 0; ++attempt) {
    output.clear();
    status = testing::run_program(
        COUPON_LOAD_BINARY,
        {"--target", "redis://127.0.0.1:" + std::to_string(port), "--redis-store-codes", "--codes",
         codes_file.string(), "--connections", "16", "--duration", "5", "--requests", "5000",
         "--redeem-share", "1", "--quiet", "--json", json_file.string()},
        &output);
    if (status != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::ifstream pid_file(directory.path() / "redis.pid");
  pid_t pid = 0;
  pid_file >> pid;
  if (pid > 0) ::kill(pid, SIGTERM);
  ASSERT_EQ(status, 0) << output;
  const auto report = read_report(json_file);
  EXPECT_EQ(report.at("requests").as_int64(), 5000);
  EXPECT_EQ(report.at("double_redemptions").as_int64(), 0);
  // 5,000 redemptions over 200 single-use codes: each code is redeemed once, the rest refused.
  const auto& outcomes = report.at("outcomes").as_object();
  EXPECT_EQ(outcomes.at("redeem redeemed").as_int64(), 200);
  EXPECT_EQ(outcomes.at("redeem already_redeemed").as_int64(), 4800);
}

TEST(CouponLoadTest, RefusesTargetsOffThisMachine) {
  std::string output;
  EXPECT_EQ(testing::run_program(COUPON_LOAD_BINARY,
                                 {"--target", "http://10.1.2.3:8080", "--codes", "/dev/null"},
                                 &output),
            2);
  EXPECT_NE(output.find("loopback"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond
