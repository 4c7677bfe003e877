// Orders with several codes over HTTP: a platform, a store and a shipping coupon taken together,
// the stacking rules refused with the code they name, the order's amount shared out, the repeat
// replayed, a stack rolled back whole, and the request's own mistakes answered 400.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>

#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;

class ServerStacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.started());
    platform = batch("platform", R"("discount": {"type": "amount_off", "amount": 2000}, "stacking": {"group": "platform"})");
    store = batch("store", R"("discount": {"type": "amount_off", "amount": 500}, "stacking": {"group": "store"})");
    store_2 = batch("store-2", R"("discount": {"type": "amount_off", "amount": 300}, "stacking": {"group": "store"})");
    shipping = batch("shipping", R"("discount": {"type": "amount_off", "amount": 800}, "stacking": {"group": "shipping"})");
  }
  std::vector<std::string> batch(const std::string& id, const std::string& fields) {
    EXPECT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches",
                           R"({"id": ")" + id + R"(", "valid_from": "2026-01-01T00:00:00Z",
                               "valid_until": "2099-01-01T00:00:00Z", )" + fields + "}",
                           server.admin_token()).status, 201);
    std::vector<std::string> codes;
    std::istringstream lines(http_request(server.admin_port(), "POST", "/admin/v1/batches/" + id + "/generate",
                                          R"({"count": 3})", server.admin_token()).body);
    for (std::string line; std::getline(lines, line);) codes.push_back(line);
    return codes;
  }
  std::pair<int, boost::json::object> post(const std::string& path, const std::string& body) {
    const HttpResult result = http_request(server.data_port(), "POST", path, body);
    return {result.status, boost::json::parse(result.body).as_object()};
  }
  static std::string codes_of(std::initializer_list<std::string> codes) {
    boost::json::array array;
    for (const std::string& code : codes) array.emplace_back(code);
    return boost::json::serialize(array);
  }

  testing::ServerProcess server;
  std::vector<std::string> platform, store, store_2, shipping;
};

TEST_F(ServerStacksTest, ThreeGroupsAreTakenTogetherRepeatedAndRolledBackWhole) {
  const std::string body = R"({"codes": )" + codes_of({platform[0], store[0], shipping[0]}) +
                           R"(, "order_id": "d11-1", "order": {"amount": 3000}})";
  const auto [status, taken] = post("/v1/redeem", body);
  ASSERT_EQ(status, 200) << boost::json::serialize(taken);
  EXPECT_TRUE(taken.at("redeemed").as_bool());
  EXPECT_EQ(taken.at("order_id").as_string(), "d11-1");
  EXPECT_EQ(taken.at("discount_total").as_int64(), 3000);  // 2000 + 500 + 500 of shipping's 800
  const auto& redemptions = taken.at("redemptions").as_array();
  ASSERT_EQ(redemptions.size(), 3u);
  EXPECT_EQ(redemptions.at(1).at("batch").as_string(), "store");
  EXPECT_EQ(redemptions.at(2).at("discount").at("amount").as_int64(), 500);
  EXPECT_FALSE(taken.at("replayed").as_bool());
  const auto [again_status, again] = post("/v1/redeem", body);
  EXPECT_EQ(again_status, 200);
  EXPECT_TRUE(again.at("replayed").as_bool());
  // Each code alone is now spent.
  EXPECT_EQ(post("/v1/redeem", R"({"code": ")" + store[0] + R"(", "order_id": "x"})").first, 409);
  const auto [rolled_status, rolled] = post("/v1/rollback", R"({"codes": )" +
      codes_of({platform[0], store[0], shipping[0]}) + R"(, "order_id": "d11-1"})");
  ASSERT_EQ(rolled_status, 200) << boost::json::serialize(rolled);
  EXPECT_EQ(rolled.at("results").as_array().size(), 3u);
  EXPECT_EQ(post("/v1/redeem", R"({"code": ")" + store[0] + R"(", "order_id": "x"})").first, 200);
}

TEST_F(ServerStacksTest, StackingRulesAreRefusedNamingTheCodeAndTakeNothing) {
  const auto [validate_status, checked] = post("/v1/validate", R"({"codes": )" +
      codes_of({platform[1], store[1], store_2[1]}) + R"(, "order": {"amount": 9000}})");
  EXPECT_EQ(validate_status, 200);
  EXPECT_FALSE(checked.at("valid").as_bool());
  EXPECT_EQ(checked.at("reason").as_string(), "not_stackable");
  EXPECT_EQ(checked.at("results").at(2).at("reason").as_string(), "not_stackable");
  EXPECT_TRUE(checked.at("results").at(0).at("valid").as_bool());
  const auto [status, refused] = post("/v1/redeem", R"({"codes": )" +
      codes_of({platform[1], store[1], store_2[1]}) + R"(, "order_id": "o", "order": {"amount": 9000}})");
  EXPECT_EQ(status, 422);
  EXPECT_FALSE(refused.at("redeemed").as_bool());
  EXPECT_EQ(refused.at("reason").as_string(), "not_stackable");
  EXPECT_EQ(refused.at("code").as_string(), store_2[1]);
  EXPECT_EQ(post("/v1/redeem", R"({"code": ")" + platform[1] + R"(", "order_id": "y"})").first, 200);
}

TEST_F(ServerStacksTest, TheRequestsOwnMistakesAreBadRequests) {
  const std::string twelve = codes_of({platform[0], platform[1], platform[2], store[0], store[1], store[2],
                                       shipping[0], shipping[1], shipping[2], store_2[0], store_2[1]});
  for (const std::string& body :
       {R"({"codes": )" + twelve + R"(, "order_id": "o"})", std::string(R"({"codes": [], "order_id": "o"})"),
        R"({"code": ")" + store[0] + R"(", "codes": [")" + store[1] + R"("], "order_id": "o"})",
        std::string(R"({"codes": [1], "order_id": "o"})"),
        R"({"codes": [")" + store[0] + R"(", ")" + store[0] + R"("], "order_id": "o"})"}) {
    const auto [status, answer] = post("/v1/redeem", body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_EQ(answer.at("error").at("code").as_string(), "bad_request") << body;
  }
}

}  // namespace
}  // namespace coupond
