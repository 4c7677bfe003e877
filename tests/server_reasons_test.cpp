// Every reason of the API over HTTP, with the status the contract gives it: each discount type's
// amount, the window's edges, customer binding and limits, holds, and unknown codes. One server,
// several batches, each made to produce one answer.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <sstream>

#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;

class ServerReasonsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.started()); }

  // Creates a batch from the given JSON fields (id, discount, window defaults filled in) and
  // returns n of its codes.
  std::vector<std::string> batch(const std::string& id, const std::string& fields, int n = 1,
                                 const std::string& from = "2026-01-01T00:00:00Z",
                                 const std::string& until = "2099-01-01T00:00:00Z") {
    const std::string body = R"({"id": ")" + id + R"(", "valid_from": ")" + from +
                             R"(", "valid_until": ")" + until + R"(", )" + fields + "}";
    const HttpResult created = server.admin("POST", "/admin/v1/batches", body);
    EXPECT_EQ(created.status, 201) << created.body;
    std::vector<std::string> codes;
    std::istringstream lines(
        server.admin("POST", "/admin/v1/batches/" + id + "/generate", R"({"count": )" + std::to_string(n) + "}").body);
    for (std::string line; std::getline(lines, line);) codes.push_back(line);
    return codes;
  }
  boost::json::object post(const std::string& target, boost::json::object body, int* status) {
    const HttpResult result = http_request(server.data_port(), "POST", target, boost::json::serialize(body));
    *status = result.status;
    return boost::json::parse(result.body).as_object();
  }
  // Redeems code for order with the given order fields; returns {status, reason or "ok"}.
  std::pair<int, std::string> redeem(const std::string& code, const std::string& order,
                                     boost::json::object order_fields, const std::string& customer = {}) {
    boost::json::object body{{"code", code}, {"order_id", order}, {"order", std::move(order_fields)}};
    if (!customer.empty()) body["customer"] = customer;
    int status = 0;
    const auto answer = post("/v1/redeem", body, &status);
    return {status, answer.contains("reason") ? std::string(answer.at("reason").as_string()) : "ok"};
  }
  std::int64_t amount_off(const std::string& code, boost::json::object order_fields) {
    int status = 0;
    const auto answer = post("/v1/validate", {{"code", code}, {"order", std::move(order_fields)}}, &status);
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(answer.at("valid").as_bool()) << boost::json::serialize(answer);
    return answer.at("discount").at("amount").as_int64();
  }

  testing::ServerProcess server;
};

TEST_F(ServerReasonsTest, EachDiscountTypeComputesItsAmount) {
  const auto fixed = batch("fixed", R"("discount": {"type": "amount_off", "amount": 500})");
  EXPECT_EQ(amount_off(fixed[0], {{"amount", 12900}}), 500);
  EXPECT_EQ(amount_off(fixed[0], {{"amount", 300}}), 300);
  const auto percent = batch("percent", R"("discount": {"type": "percent_off", "percent": 15, "max_amount": 1000})");
  EXPECT_EQ(amount_off(percent[0], {{"amount", 999}}), 149);
  EXPECT_EQ(amount_off(percent[0], {{"amount", 100000}}), 1000);
  const auto drinks = batch("drinks", R"("discount": {"type": "percent_off", "percent": 20},
                                         "scope": {"categories": ["drinks"]})");
  EXPECT_EQ(amount_off(drinks[0], {{"amount", 4799},
                                   {"items", {{{"sku", "LATTE"}, {"category", "drinks"}, {"price", 1500}, {"quantity", 2}},
                                              {{"sku", "BREAD"}, {"category", "bakery"}, {"price", 1799}, {"quantity", 1}}}}}),
            600);
  const auto gift = batch("gift", R"("discount": {"type": "free_item", "sku": "LATTE-L", "quantity": 1})");
  int status = 0;
  const auto answer = post("/v1/validate", {{"code", gift[0]}}, &status);
  EXPECT_EQ(answer.at("discount").at("type").as_string(), "free_item");
  EXPECT_EQ(answer.at("discount").at("sku").as_string(), "LATTE-L");
}

TEST_F(ServerReasonsTest, EveryReasonComesWithItsStatus) {
  const boost::json::object order{{"amount", 12900}, {"channel", "app"}};
  const auto early = batch("early", R"("discount": {"type": "amount_off", "amount": 1})", 1,
                           "2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
  EXPECT_EQ(redeem(early[0], "o", order), std::make_pair(422, std::string("not_yet_valid")));
  const auto late = batch("late", R"("discount": {"type": "amount_off", "amount": 1})", 1,
                          "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z");
  EXPECT_EQ(redeem(late[0], "o", order), std::make_pair(422, std::string("expired")));
  const auto threshold = batch("threshold", R"("discount": {"type": "threshold", "min_amount": 10000, "amount": 2000})");
  EXPECT_EQ(redeem(threshold[0], "o", {{"amount", 9999}}), std::make_pair(422, std::string("min_amount_not_met")));
  const auto limited = batch("limited", R"("discount": {"type": "amount_off", "amount": 1}, "max_uses_per_customer": 1)", 2);
  EXPECT_EQ(redeem(limited[0], "o1", order), std::make_pair(422, std::string("customer_required")));
  EXPECT_EQ(redeem(limited[0], "o1", order, "alice"), std::make_pair(200, std::string("ok")));
  EXPECT_EQ(redeem(limited[1], "o2", order, "alice"), std::make_pair(422, std::string("customer_limit_reached")));
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "bound", "discount": {"type": "amount_off", "amount": 1},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})").status, 201);
  const std::string bound_line = server.admin("POST", "/admin/v1/batches/bound/generate",
                                       R"({"customers": [{"customer": "cust-42", "segment": "gold"}]})").body;
  ASSERT_EQ(bound_line.rfind("cust-42,", 0), 0u) << bound_line;
  const std::string bound = bound_line.substr(8, bound_line.size() - 9);
  EXPECT_EQ(redeem(bound, "o", order, "cust-7"), std::make_pair(422, std::string("customer_mismatch")));
  // A hold makes the last use reserved for others; the holder confirms it with redeem.
  const auto held = batch("held", R"("discount": {"type": "amount_off", "amount": 1})");
  int status = 0;
  const auto hold = post("/v1/reserve", {{"code", held[0]}, {"order_id", "h1"}, {"order", order}, {"ttl_s", 60}},
                         &status);
  ASSERT_EQ(status, 200);
  EXPECT_TRUE(hold.at("reserved").as_bool());
  EXPECT_TRUE(hold.contains("expires_at"));
  EXPECT_EQ(redeem(held[0], "h2", order), std::make_pair(409, std::string("reserved")));
  EXPECT_EQ(redeem(held[0], "h1", order), std::make_pair(200, std::string("ok")));
  EXPECT_EQ(redeem(held[0], "h2", order), std::make_pair(409, std::string("already_redeemed")));
  // Malformed, and well formed but not loaded.
  const auto lookup = http_request(server.data_port(), "GET", "/v1/coupons/NOT-A-CODE-AT-ALL");
  EXPECT_EQ(lookup.status, 400);
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches/fixed-import/import", "X").status, 404);
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "imported", "discount": {"type": "amount_off", "amount": 1},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})").status, 201);
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches/imported/import", "WELCOME10\n").status, 200);
  EXPECT_EQ(redeem("WELCOME11", "o", order), std::make_pair(422, std::string("unknown_code")));
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/WELCOME11").status, 404);
  EXPECT_EQ(redeem("WELCOME10", "o", order), std::make_pair(200, std::string("ok")));
  // Revoked.
  ASSERT_EQ(server.admin("POST", "/admin/v1/coupons/" + threshold[0] + "/revoke").status, 200);
  EXPECT_EQ(redeem(threshold[0], "o", {{"amount", 20000}}), std::make_pair(422, std::string("revoked")));
}

TEST_F(ServerReasonsTest, AnOrderIdUsedForAnotherCustomerOrAmountIsAConflict) {
  const auto codes = batch("orders", R"("discount": {"type": "amount_off", "amount": 100})");
  const boost::json::object order{{"amount", 12900}};
  EXPECT_EQ(redeem(codes[0], "o-1", order, "alice"), std::make_pair(200, std::string("ok")));
  EXPECT_EQ(redeem(codes[0], "o-1", order, "bob"), std::make_pair(409, std::string("order_conflict")));
  EXPECT_EQ(redeem(codes[0], "o-1", {{"amount", 13000}}, "alice"),
            std::make_pair(409, std::string("order_conflict")));
  int status = 0;
  const auto replay = post("/v1/redeem", {{"code", codes[0]}, {"order_id", "o-1"}, {"order", order},
                                          {"customer", "alice"}}, &status);
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(replay.at("replayed").as_bool());
  const auto conflict = post("/v1/reserve", {{"code", codes[0]}, {"order_id", "o-1"}, {"order", order},
                                             {"customer", "bob"}}, &status);
  EXPECT_EQ(status, 409);
  EXPECT_EQ(conflict.at("reason").as_string(), "order_conflict");
  EXPECT_FALSE(conflict.at("message").as_string().empty());
}

TEST_F(ServerReasonsTest, CampaignLimitsAnswerTheirReasonsAndShowInTheBatch) {
  const boost::json::object order{{"amount", 12900}};
  const auto capped = batch("capped", R"("discount": {"type": "amount_off", "amount": 100},
                                         "max_uses_total": 1)", 2);
  EXPECT_EQ(redeem(capped[0], "o1", order), std::make_pair(200, std::string("ok")));
  EXPECT_EQ(redeem(capped[1], "o2", order), std::make_pair(409, std::string("sold_out")));
  const auto budgeted = batch("budgeted", R"("discount": {"type": "amount_off", "amount": 600},
                                             "budget": {"discount_max": 1000})", 2);
  EXPECT_EQ(redeem(budgeted[0], "o1", order), std::make_pair(200, std::string("ok")));
  EXPECT_EQ(redeem(budgeted[1], "o2", order), std::make_pair(409, std::string("budget_exhausted")));
  // Every day but today and tomorrow (UTC): refused now, whenever now is.
  using namespace std::chrono;
  const unsigned today = weekday(floor<days>(system_clock::now())).iso_encoding();
  boost::json::array weekdays;
  for (unsigned day = 1; day <= 7; ++day) {
    if (day != today && day != today % 7 + 1) weekdays.emplace_back(day);
  }
  const auto scheduled = batch("scheduled", R"("discount": {"type": "amount_off", "amount": 100},
      "schedule": {"time_zone": "Z", "weekdays": )" + boost::json::serialize(weekdays) +
      R"(, "hours": [{"from": "00:00", "until": "24:00"}]}, "stacking": {"group": "store"})");
  EXPECT_EQ(redeem(scheduled[0], "o1", order), std::make_pair(422, std::string("outside_schedule")));
  const HttpResult shown = server.admin("GET", "/admin/v1/batches/scheduled");
  ASSERT_EQ(shown.status, 200);
  const boost::json::object definition = boost::json::parse(shown.body).as_object();
  EXPECT_EQ(definition.at("schedule").at("time_zone").as_string(), "+00:00");
  EXPECT_EQ(definition.at("schedule").at("weekdays"), boost::json::value(weekdays));
  EXPECT_EQ(definition.at("schedule").at("hours").at(0).at("until").as_string(), "24:00");
  EXPECT_EQ(definition.at("stacking").at("group").as_string(), "store");
  const boost::json::object budget_shown = boost::json::parse(server.admin("GET", "/admin/v1/batches/budgeted").body).as_object();
  EXPECT_EQ(budget_shown.at("budget").at("discount_max").as_int64(), 1000);
  EXPECT_EQ(budget_shown.at("stats").at("discount_in_force").as_int64(), 600);
  // A bad limit is a 400 naming it.
  for (const char* bad : {R"("max_uses_total": 0)", R"("budget": {"discount_max": -5})",
                          R"("schedule": {"time_zone": "+08:00", "hours": [{"from": "14:00", "until": "11:00"}]})",
                          R"("schedule": {"time_zone": "CST", "weekdays": [1]})"}) {
    const std::string field = std::string(bad).substr(1, std::string(bad).find('"', 1) - 1);
    const HttpResult refused = server.admin("POST", "/admin/v1/batches", R"({"id": "bad", "discount": {"type": "amount_off", "amount": 1},
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z", )" + std::string(bad) + "}");
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find(field), std::string::npos) << refused.body;
  }
}

}  // namespace
}  // namespace coupond
