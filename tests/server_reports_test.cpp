// The reports that judge a campaign, over HTTP: every batch side by side, a batch's issued codes
// and redemption rate by customer segment, its redemptions as CSV for the CRM, and the
// customer-bound codes about to expire unused.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <sstream>

#include "http_client.h"
#include "rules/time_text.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;

class ServerReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.started());
    // A birthday gift for three customers, expiring in a day, and a plain batch.
    using namespace std::chrono;
    const std::string until = format_rfc3339_utc(time_point_cast<microseconds>(system_clock::now() + hours(24)));
    ASSERT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "gift", "name": "birthday gift",
        "discount": {"type": "amount_off", "amount": 1000},
        "valid_from": "2020-01-01T00:00:00Z", "valid_until": ")" + until + R"("})").status, 201);
    std::istringstream lines(server.admin("POST", "/admin/v1/batches/gift/generate",
        R"({"customers": [{"customer": "ann", "segment": "gold"}, {"customer": "Doe, Jane", "segment": "gold"},
                          {"customer": "bob", "segment": "silver"}]})").body);
    for (std::string line; std::getline(lines, line);) gift.push_back(line.substr(line.rfind(',') + 1));
    ASSERT_EQ(gift.size(), 3u);
    ASSERT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "plain", "name": "plain",
        "discount": {"type": "amount_off", "amount": 500},
        "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})").status, 201);
    plain = server.admin("POST", "/admin/v1/batches/plain/generate", R"({"count": 2})").body.substr(0, 30);
    plain = plain.substr(0, plain.find('\n'));
  }
  int redeem(const std::string& code, const std::string& order, const std::string& customer) {
    return http_request(server.data_port(), "POST", "/v1/redeem",
                        R"({"code": ")" + code + R"(", "order_id": ")" + order + R"(", "customer": ")" +
                            customer + R"(", "order": {"amount": 8000, "channel": "app"}})").status;
  }

  testing::ServerProcess server;
  std::vector<std::string> gift;
  std::string plain;
};

TEST_F(ServerReportsTest, EveryCampaignSideBySideAndEachSegmentsRate) {
  ASSERT_EQ(redeem(gift[0], "o-ann", "ann"), 200);
  ASSERT_EQ(redeem(plain, "o-plain", "carl"), 200);
  const auto report = boost::json::parse(server.admin("GET", "/admin/v1/report").body).as_object();
  const auto& batches = report.at("batches").as_array();
  ASSERT_EQ(batches.size(), 2u);
  const auto& first = batches.at(0).as_object();
  EXPECT_EQ(first.at("batch").as_string(), "gift");
  EXPECT_EQ(first.at("issued").as_int64(), 3);
  EXPECT_EQ(first.at("redeemed").as_int64(), 1);
  EXPECT_EQ(first.at("discount_total").as_int64(), 1000);
  EXPECT_EQ(first.at("order_amount_total").as_int64(), 8000);
  EXPECT_DOUBLE_EQ(first.at("revenue_per_discount").as_double(), 8.0);
  const auto stats = boost::json::parse(server.admin("GET", "/admin/v1/batches/gift/stats").body).as_object();
  EXPECT_EQ(stats.at("issued_by_segment").at("gold").as_int64(), 2);
  EXPECT_EQ(stats.at("issued_by_segment").at("silver").as_int64(), 1);
  EXPECT_DOUBLE_EQ(stats.at("rate_by_segment").at("gold").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(stats.at("rate_by_segment").at("silver").as_double(), 0.0);
  const auto plain_stats = boost::json::parse(server.admin("GET", "/admin/v1/batches/plain/stats").body).as_object();
  EXPECT_EQ(plain_stats.at("issued_by_segment").at("").as_int64(), 2);
}

TEST_F(ServerReportsTest, RedemptionsComeAsCsvWithTheirCodesAndBoundCustomers) {
  ASSERT_EQ(redeem(gift[1], "o-jane", "Doe, Jane"), 200);
  ASSERT_EQ(redeem(gift[2], "o-bob", "bob"), 200);
  ASSERT_EQ(http_request(server.data_port(), "POST", "/v1/rollback",
                         R"({"code": ")" + gift[2] + R"(", "order_id": "o-bob"})").status, 200);
  const HttpResult csv = server.admin("GET", "/admin/v1/batches/gift/redemptions");
  ASSERT_EQ(csv.status, 200);
  std::istringstream lines(csv.body);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header, "code,order_id,at,customer,channel,store,amount,discount,state");
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 2u) << csv.body;
  std::sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
    return a.find("o-bob") != std::string::npos && b.find("o-bob") == std::string::npos;
  });
  EXPECT_EQ(rows[0].rfind(gift[2] + ",o-bob,", 0), 0u) << rows[0];
  EXPECT_NE(rows[0].find(",bob,app,,8000,1000,rolled_back"), std::string::npos) << rows[0];
  EXPECT_NE(rows[1].find(",\"Doe, Jane\",app,,8000,1000,redeemed"), std::string::npos) << rows[1];
}

TEST_F(ServerReportsTest, TheCodesAboutToExpireUnusedAreTheRemindersList) {
  ASSERT_EQ(redeem(gift[0], "o-ann", "ann"), 200);
  const HttpResult soon = server.admin("GET", "/admin/v1/batches/gift/unused?expiring_within_s=172800");
  ASSERT_EQ(soon.status, 200);
  EXPECT_EQ(soon.body.rfind("customer,code,valid_until\n", 0), 0u);
  EXPECT_EQ(soon.body.find("ann,"), std::string::npos) << "ann used hers";
  EXPECT_NE(soon.body.find("\"Doe, Jane\"," + gift[1] + ","), std::string::npos) << soon.body;
  EXPECT_NE(soon.body.find("bob," + gift[2] + ","), std::string::npos) << soon.body;
  // The gift expires in a day: not within the hour.
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/gift/unused?expiring_within_s=3600").body,
            "customer,code,valid_until\n");
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/gift/unused?expiring_within_s=soon").status, 400);
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/nope/unused").status, 404);
}

}  // namespace
}  // namespace coupond
