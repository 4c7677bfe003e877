// coupon-load: its latency histogram gives percentiles within its stated precision, and the
// binary runs a short bounded flash sale against a real coupond, counts every outcome and finds
// no code redeemed twice; it refuses targets off this machine.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <random>
#include <sstream>

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

TEST(CouponLoadTest, AShortFlashSaleRedeemsEachCodeAtMostOnce) {
  testing::ServerProcess server;
  ASSERT_TRUE(server.started());
  const std::string batch = R"({"id": "sale", "discount": {"type": "amount_off", "amount": 100},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})";
  ASSERT_EQ(testing::http_request(server.admin_port(), "POST", "/admin/v1/batches", batch,
                                  server.admin_token()).status, 201);
  // Few codes and many connections: most redemptions race for codes already spent.
  const auto codes = testing::http_request(server.admin_port(), "POST",
                                           "/admin/v1/batches/sale/generate", R"({"count": 200})",
                                           server.admin_token());
  const auto codes_file = server.data_dir() / "codes.csv";
  std::ofstream(codes_file) << codes.body;
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
