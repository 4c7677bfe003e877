// coupond end to end: the real binary on loopback ephemeral ports, driven over HTTP as checkout
// systems and operators would, including bad input of every kind while other clients keep being
// served. Each test starts its own server and stops it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::error_code_of;
using testing::http_request;
using testing::json_of;
using testing::lines_of;
using testing::HttpResult;
using testing::raw_exchange;
using testing::ServerProcess;

const std::string batch_body = R"({
  "id": "d11-100-20", "name": "Double 11: 20 off 100",
  "discount": {"type": "threshold", "min_amount": 10000, "amount": 2000},
  "valid_from": "2026-01-01T00:00:00+08:00", "valid_until": "2099-01-01T00:00:00+08:00",
  "max_uses_per_code": 1, "scope": {"channels": ["app", "store"]}, "code": {"prefix": "D11"}})";

// Creates the demo batch on server and answers one of its codes (empty on failure).
std::string first_code_of_demo_batch(const ServerProcess& server) {
  if (http_request(server.admin_port(), "POST", "/admin/v1/batches", batch_body,
                   server.admin_token()).status != 201) {
    return {};
  }
  const auto codes = lines_of(http_request(server.admin_port(), "POST",
                                           "/admin/v1/batches/d11-100-20/generate",
                                           R"({"count": 1})", server.admin_token())
                                  .body);
  return codes.empty() ? std::string() : codes[0];
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.started()); }

  HttpResult data(const std::string& target, const std::string& body) {
    return http_request(server.data_port(), "POST", target, body);
  }
  std::vector<std::string> make_codes(int count) {
    EXPECT_EQ(server.admin("POST", "/admin/v1/batches", batch_body).status, 201);
    const HttpResult generated = server.admin("POST", "/admin/v1/batches/d11-100-20/generate",
                                       R"({"count": )" + std::to_string(count) + "}");
    EXPECT_EQ(generated.status, 200);
    EXPECT_EQ(generated.content_type, "text/csv");
    return lines_of(generated.body);
  }
  static std::string checkout(const std::string& code, const std::string& order_id = {}) {
    boost::json::object body{{"code", code},
                             {"order", {{"amount", 12900}, {"channel", "app"}}}};
    if (!order_id.empty()) body["order_id"] = order_id;
    return boost::json::serialize(body);
  }

  ServerProcess server;
};

TEST_F(ServerTest, HealthzAnswersOnBothPortsWithoutAToken) {
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/healthz").status, 200);
}

TEST_F(ServerTest, AdminCallsNeedTheToken) {
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/admin/v1/batches").status, 401);
  const HttpResult wrong =
      http_request(server.admin_port(), "GET", "/admin/v1/batches", {}, "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(error_code_of(wrong), "unauthorized");
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches").status, 200);
}

TEST_F(ServerTest, BatchesAreCreatedCheckedListedAndShown) {
  const HttpResult created = server.admin("POST", "/admin/v1/batches", batch_body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json_of(created).at("valid_from").as_string(), "2025-12-31T16:00:00Z");
  EXPECT_EQ(server.admin("POST", "/admin/v1/batches", batch_body).status, 409);
  const HttpResult bad = server.admin("POST", "/admin/v1/batches",
                               R"({"id": "x", "discount": {"type": "percent_off", "percent": 120},
                                   "valid_from": "2026-01-01T00:00:00Z",
                                   "valid_until": "2027-01-01T00:00:00Z"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(json_of(bad).at("error").at("message").as_string().find("discount.percent"),
            boost::json::string::npos);
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/d11-100-20").status, 200);
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/nope").status, 404);
  const auto listed = json_of(server.admin("GET", "/admin/v1/batches"));
  EXPECT_EQ(listed.at("batches").as_array().size(), 1u);
}

TEST_F(ServerTest, GeneratedCodesValidateRedeemReplayAndRollBack) {
  const auto codes = make_codes(1000);
  ASSERT_EQ(codes.size(), 1000u);
  const std::string& code = codes[0];

  const auto valid = json_of(data("/v1/validate", checkout(code)));
  EXPECT_TRUE(valid.at("valid").as_bool());
  EXPECT_EQ(valid.at("discount").at("amount").as_int64(), 2000);
  EXPECT_EQ(valid.at("batch").as_string(), "d11-100-20");

  const HttpResult redeemed = data("/v1/redeem", checkout(code, "o-1"));
  ASSERT_EQ(redeemed.status, 200) << redeemed.body;
  const auto first = json_of(redeemed);
  EXPECT_FALSE(first.at("replayed").as_bool());
  const auto replay = json_of(data("/v1/redeem", checkout(code, "o-1")));
  EXPECT_TRUE(replay.at("replayed").as_bool());
  EXPECT_EQ(replay.at("redemption"), first.at("redemption"));

  const HttpResult again = data("/v1/redeem", checkout(code, "o-2"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json_of(again).at("reason").as_string(), "already_redeemed");

  const auto coupon = json_of(http_request(server.data_port(), "GET", "/v1/coupons/" + code));
  EXPECT_EQ(coupon.at("state").as_string(), "redeemed");
  EXPECT_EQ(coupon.at("redemptions").as_array().size(), 1u);

  const HttpResult rolled = data("/v1/rollback", R"({"code": ")" + code + R"(", "order_id": "o-1"})");
  ASSERT_EQ(rolled.status, 200);
  EXPECT_EQ(json_of(rolled).at("uses_left").as_int64(), 1);
  EXPECT_EQ(data("/v1/rollback", R"({"code": ")" + code + R"(", "order_id": "o-9"})").status, 404);
  EXPECT_EQ(data("/v1/redeem", checkout(code, "o-2")).status, 200);
}

TEST_F(ServerTest, CouponLookupAcceptsACodeAsTypedInTheUrl) {
  const auto codes = make_codes(1);
  std::string typed;  // lower case, spaces (percent-encoded) instead of dashes
  for (char c : codes[0]) typed += c == '-' ? std::string("%20") : std::string(1, static_cast<char>(std::tolower(c)));
  const HttpResult found = http_request(server.data_port(), "GET", "/v1/coupons/" + typed);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(json_of(found).at("code").as_string(), codes[0]);
  EXPECT_EQ(json_of(found).at("state").as_string(), "active");
}

TEST_F(ServerTest, ATargetThatIsNoUrlPathIsABadRequest) {
  // A malformed escape once went to the api as part of the code (400 invalid_code, counted as a
  // guess); it is now refused before any routing, on either port, streamed import included.
  for (const auto& [port, method, target] :
       {std::tuple{server.data_port(), "GET", "/v1/coupons/AB%ZZ"},
        std::tuple{server.data_port(), "GET", "/v1/coupons/AB%2"},
        std::tuple{server.admin_port(), "POST", "/admin/v1/coupons/AB%G1/revoke"},
        std::tuple{server.admin_port(), "POST", "/admin/v1/batches/d11%zz/import"}}) {
    const HttpResult refused =
        http_request(port, method, target, "CODE1\n", server.admin_token());
    EXPECT_EQ(refused.status, 400) << target;
    EXPECT_EQ(error_code_of(refused), "bad_request") << target;
    EXPECT_NE(refused.body.find("request target must be a URL path"), std::string::npos)
        << refused.body;
  }
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
}

TEST_F(ServerTest, RefusalsCarryTheApiStatusAndReason) {
  const auto codes = make_codes(3);
  // Out of scope: 422 with the reason.
  const HttpResult scope = data("/v1/redeem", R"({"code": ")" + codes[0] +
                                                  R"(", "order_id": "o", "order": {"amount": 12900, "channel": "web"}})");
  EXPECT_EQ(scope.status, 422);
  EXPECT_EQ(json_of(scope).at("reason").as_string(), "out_of_scope");
  // A forged code is invalid_code; validate answers 200 with valid false.
  std::string forged = codes[1];
  forged[5] = forged[5] == 'Z' ? 'Y' : 'Z';
  const auto invalid = json_of(data("/v1/validate", checkout(forged)));
  EXPECT_FALSE(invalid.at("valid").as_bool());
  EXPECT_EQ(invalid.at("reason").as_string(), "invalid_code");
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/nonsense!").status, 400);
  // Revoked batch.
  EXPECT_EQ(json_of(server.admin("POST", "/admin/v1/batches/d11-100-20/revoke")).at("revoked").as_int64(), 3);
  EXPECT_EQ(json_of(data("/v1/validate", checkout(codes[2]))).at("reason").as_string(), "revoked");
}

TEST_F(ServerTest, ImportKeepsGoodLinesReportsBadOnesByNumber) {
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", batch_body).status, 201);
  const HttpResult imported = server.admin("POST", "/admin/v1/batches/d11-100-20/import",
                                    "code,customer,segment\n"
                                    "SUMMER-2026\n"
                                    "bad code!\n"
                                    "VIP0001,cust-7,gold\r\n"
                                    "\n"
                                    "summer2026\n"
                                    "A,B,C,D\n");
  ASSERT_EQ(imported.status, 200) << imported.body;
  const auto result = json_of(imported);
  EXPECT_EQ(result.at("imported").as_int64(), 2);
  EXPECT_EQ(result.at("duplicates").as_int64(), 1);
  const auto& rejected = result.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].at("line").as_int64(), 3);
  EXPECT_EQ(rejected[1].at("line").as_int64(), 7);
  EXPECT_TRUE(json_of(data("/v1/validate", checkout("summer 2026"))).at("valid").as_bool());
  EXPECT_EQ(json_of(data("/v1/validate", checkout("VIP0001"))).at("reason").as_string(),
            "customer_required");
}

TEST_F(ServerTest, ALargeImportIsParsedAsItArrives) {
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", batch_body).status, 201);
  std::string csv;
  for (int i = 0; i < 200'000; ++i) csv += "BULK" + std::to_string(i) + ",cust-" + std::to_string(i % 7) + "\n";
  csv += "not valid!\n";
  const HttpResult imported = server.admin("POST", "/admin/v1/batches/d11-100-20/import", csv);
  ASSERT_EQ(imported.status, 200) << imported.body;
  const auto result = json_of(imported);
  EXPECT_EQ(result.at("imported").as_int64(), 200'000);
  EXPECT_EQ(result.at("rejected").as_array().at(0).at("line").as_int64(), 200'001);
  EXPECT_EQ(json_of(data("/v1/validate", checkout("bulk199999"))).at("reason").as_string(),
            "customer_required");
  // Without the token the body is not streamed in: the answer is 401.
  EXPECT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches/d11-100-20/import", csv).status, 401);
}

TEST_F(ServerTest, StatsFollowRedemptionsAndRollbacks) {
  const auto codes = make_codes(10);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(data("/v1/redeem", checkout(codes[i], testing::numbered("o", i))).status, 200);
  }
  ASSERT_EQ(data("/v1/rollback", R"({"code": ")" + codes[0] + R"(", "order_id": "o0"})").status, 200);
  const HttpResult stats = server.admin("GET", "/admin/v1/batches/d11-100-20/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  const auto object = json_of(stats);
  EXPECT_EQ(object.at("issued").as_int64(), 10);
  EXPECT_EQ(object.at("redeemed").as_int64(), 3);
  EXPECT_EQ(object.at("rolled_back").as_int64(), 1);
  EXPECT_DOUBLE_EQ(object.at("redemption_rate").as_double(), 0.3);
  EXPECT_EQ(object.at("discount_total").as_int64(), 3 * 2000);
  EXPECT_EQ(object.at("order_amount_total").as_int64(), 3 * 12900);
  EXPECT_EQ(object.at("by_channel").at("app").as_int64(), 3);
  EXPECT_EQ(object.at("by_segment").at("").as_int64(), 3);
  ASSERT_EQ(object.at("by_hour").as_array().size(), 1u);
  EXPECT_EQ(object.at("by_hour").as_array()[0].at("redeemed").as_int64(), 3);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatusBehindTheToken) {
  const auto codes = make_codes(2);
  ASSERT_EQ(data("/v1/redeem", checkout(codes[0], "o1")).status, 200);
  ASSERT_EQ(data("/v1/redeem", checkout(codes[0], "o2")).status, 409);
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/metrics").status, 401);
  const HttpResult metrics = server.admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string& text = metrics.body;
  EXPECT_NE(text.find(R"(coupond_requests_total{port="data",route="/v1/redeem",status="200"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(coupond_requests_total{port="data",route="/v1/redeem",status="409"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find("coupond_coupons 2"), std::string::npos);
  EXPECT_NE(text.find(R"(coupond_request_seconds_count{port="data"} 2)"), std::string::npos);
  // At least the connection asking; earlier ones may still be closing on the server's side.
  const std::string gauge = R"(coupond_open_connections{port="admin"} )";
  const std::size_t at = text.find(gauge);
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::stoi(text.substr(at + gauge.size())), 1);
  // Codes never become label values.
  EXPECT_EQ(text.find(codes[0]), std::string::npos);
}

TEST_F(ServerTest, BadRequestsGetClearErrorsAndTheServerKeepsServing) {
  EXPECT_EQ(data("/v1/validate", "{not json").status, 400);
  EXPECT_EQ(data("/v1/validate", "[1, 2]").status, 400);
  const HttpResult wrong_type = data("/v1/validate", R"({"code": 42})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body.find("code must be a string"), std::string::npos);
  const HttpResult float_money =
      data("/v1/validate", R"({"code": "X", "order": {"amount": 12.5}})");
  EXPECT_EQ(float_money.status, 400);
  EXPECT_NE(float_money.body.find("order.amount"), std::string::npos);
  EXPECT_EQ(data("/v1/validate", R"({"code": "X", "order": {"amount": -5}})").status, 400);
  EXPECT_EQ(data("/v1/validate", R"({"code": "X", "order": {"amount": 1e300}})").status, 400);
  EXPECT_EQ(data("/v1/redeem", R"({"code": "X"})").status, 400);  // no order_id
  EXPECT_EQ(data("/v1/nothing", "{}").status, 404);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/redeem").status, 405);
  EXPECT_EQ(data("/v1/validate", R"({"code": ")" + std::string(100'000, 'A') + R"("})").status, 413);
  const std::string huge_header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                  std::string(20'000, 'h') + "\r\n\r\n";
  EXPECT_NE(raw_exchange(server.data_port(), huge_header, std::chrono::seconds(5)).find(" 431 "),
            std::string::npos);
  EXPECT_NE(raw_exchange(server.data_port(), "BLAH\r\n\r\n", std::chrono::seconds(5)).find(" 400 "),
            std::string::npos);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string request_a =
      "POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{\"code\":\"A\"}\n";
  const std::string request_b = "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string request_c = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string answer =
      raw_exchange(server.data_port(), request_a + request_b + request_c, std::chrono::seconds(5));
  const std::size_t first = answer.find("HTTP/1.1 200");
  const std::size_t second = answer.find("HTTP/1.1 404");
  const std::size_t third = answer.find("HTTP/1.1 200", second);
  ASSERT_NE(first, std::string::npos) << answer;
  ASSERT_NE(second, std::string::npos) << answer;
  ASSERT_NE(third, std::string::npos) << answer;
  EXPECT_LT(first, second);
}

// Pipelined answers are gathered and leave together, once the journal holds every change among
// them: a refusal or a validation queued behind a redemption must still come after it, in order.
TEST_F(ServerTest, PipelinedRedemptionsAndValidationsAreAnsweredInOrder) {
  const auto codes = make_codes(2);
  ASSERT_EQ(codes.size(), 2u);
  auto post = [](const std::string& path, const std::string& body, bool close = false) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(body.size()) + (close ? "\r\nConnection: close" : "") + "\r\n\r\n" +
           body;
  };
  const std::string pipelined = post("/v1/redeem", checkout(codes[0], "p-1")) +
                                post("/v1/validate", checkout(codes[0])) +
                                post("/v1/redeem", checkout(codes[0], "p-2")) +
                                post("/v1/redeem", checkout(codes[1], "p-3")) +
                                post("/v1/validate", checkout(codes[1]), /*close=*/true);
  const std::string answers =
      raw_exchange(server.data_port(), pipelined, std::chrono::seconds(5));
  std::vector<std::string> statuses;
  std::vector<std::string> bodies;
  for (std::size_t at = answers.find("HTTP/1.1 "); at != std::string::npos;
       at = answers.find("HTTP/1.1 ", at + 1)) {
    statuses.push_back(answers.substr(at + 9, 3));
    const std::size_t body = answers.find("\r\n\r\n", at) + 4;
    bodies.push_back(answers.substr(body, answers.find('}', body) - body));
  }
  ASSERT_EQ(statuses, (std::vector<std::string>{"200", "200", "409", "200", "200"})) << answers;
  EXPECT_NE(bodies[0].find("\"redeemed\":true"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[1].find("\"valid\":false"), std::string::npos) << bodies[1];
  EXPECT_NE(bodies[2].find("already_redeemed"), std::string::npos) << bodies[2];
  EXPECT_NE(bodies[3].find("\"redeemed\":true"), std::string::npos) << bodies[3];
  EXPECT_NE(bodies[4].find("\"valid\":false"), std::string::npos) << bodies[4];
}

TEST_F(ServerTest, ConcurrentRedeemsOfOneCodeHaveExactlyOneWinner) {
  const auto codes = make_codes(20);
  std::atomic<int> wins{0};
  std::atomic<int> others{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (const std::string& code : codes) {
        const int status = data("/v1/redeem", checkout(code, testing::numbered("t", t))).status;
        (status == 200 ? wins : others).fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 20);
  EXPECT_EQ(others.load(), 20 * 7);
}

TEST(ServerLimitsTest, ASlowClientIsCutOffWhileOthersAreServed) {
  ServerProcess server({"--request-timeout", "1"});
  ASSERT_TRUE(server.started());
  // Half a request, then silence: the server closes the connection after its request timeout.
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = raw_exchange(server.data_port(), "POST /v1/validate HTTP/1.1\r\nHo",
                                          std::chrono::seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(9));
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  (void)answer;
}

// The request timeout also ends a kept-alive connection that sends nothing more; the server, not
// the client, closes it (the client here would wait ten seconds of silence before giving up).
TEST(ServerLimitsTest, AnIdleKeptAliveConnectionIsClosedAfterTheRequestTimeout) {
  ServerProcess server({"--request-timeout", "1"});
  ASSERT_TRUE(server.started());
  const auto start = std::chrono::steady_clock::now();
  const std::string answer = raw_exchange(
      server.data_port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(10));
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(9));
}

TEST(ServerLimitsTest, ConnectionsPastTheLimitGet503) {
  ServerProcess server({"--max-connections", "1"});
  ASSERT_TRUE(server.started());
  // Hold one connection open with a partial request, then try another.
  std::thread holder([&] {
    raw_exchange(server.data_port(), "GET /healthz HTTP/1.1\r\n", std::chrono::seconds(3));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 503);
  holder.join();
}

TEST(ServerKeysTest, DataPlaneNeedsAKeyWhenKeysAreConfiguredAndRecordsItsName) {
  testing::TemporaryDirectory directory;
  const auto keys = directory.path() / "api-keys";
  std::ofstream(keys) << "# checkout systems\ncheckout-eu 0123456789abcdef0123\n";
  ServerProcess server({"--api-keys", keys.string()});
  ASSERT_TRUE(server.started());
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  const std::string code = first_code_of_demo_batch(server);
  ASSERT_FALSE(code.empty());
  const std::string body = R"({"code": ")" + code + R"(", "order_id": "o1", "order": {"amount": 12900, "channel": "app"}})";
  EXPECT_EQ(http_request(server.data_port(), "POST", "/v1/redeem", body).status, 401);
  EXPECT_EQ(http_request(server.data_port(), "POST", "/v1/redeem", body, "wrong-key-wrong-key").status, 401);
  EXPECT_EQ(http_request(server.data_port(), "POST", "/v1/redeem", body, "0123456789abcdef0123").status, 200);
  const auto coupon = json_of(http_request(server.data_port(), "GET", "/v1/coupons/" + code, {},
                                           "0123456789abcdef0123"));
  EXPECT_EQ(coupon.at("redemptions").as_array().at(0).at("key").as_string(), "checkout-eu");
}

TEST(ServerLimitsTest, ACustomerTryingTooManyBadCodesIsRateLimited) {
  ServerProcess server({"--max-bad-codes-per-customer", "3"});
  ASSERT_TRUE(server.started());
  const std::string code = first_code_of_demo_batch(server);
  ASSERT_FALSE(code.empty());
  auto attempt = [&](const std::string& path, const std::string& try_code, const std::string& customer) {
    const std::string body = R"({"code": ")" + try_code + R"(", "customer": ")" + customer +
                             R"(", "order_id": "o-)" + customer + R"(", "order": {"amount": 12900, "channel": "app"}})";
    return http_request(server.data_port(), "POST", path, body);
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(json_of(attempt("/v1/validate", testing::numbered("GUESS", i), "mallory")).at("reason").as_string(),
              "invalid_code");
  }
  // The allowance is spent: even a real code is refused to this customer for now.
  const auto validated = json_of(attempt("/v1/validate", code, "mallory"));
  EXPECT_FALSE(validated.at("valid").as_bool());
  EXPECT_EQ(validated.at("reason").as_string(), "rate_limited");
  const HttpResult redeemed = attempt("/v1/redeem", code, "mallory");
  EXPECT_EQ(redeemed.status, 429);
  EXPECT_EQ(json_of(redeemed).at("reason").as_string(), "rate_limited");
  // Other customers are not affected.
  EXPECT_EQ(attempt("/v1/redeem", code, "alice").status, 200);
}

TEST(ServerLifecycleTest, SigtermStopsTheServerWithExitZero) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(server.stop(), 0);
}

TEST(ServerLifecycleTest, HelpExplainsEveryFlagAndBadFlagsAreRefused) {
  std::string output;
  EXPECT_EQ(testing::run_coupond({"--help"}, &output), 0);
  for (const char* flag : {"--data-dir", "--listen", "--admin-listen", "--admin-token-file",
                           "--threads", "--durability", "--max-body-bytes", "--request-timeout",
                           "--open-data-plane", "--max-bad-codes-per-client"}) {
    EXPECT_NE(output.find(flag), std::string::npos) << flag;
  }
  output.clear();
  EXPECT_NE(testing::run_coupond({"--no-such-flag"}, &output), 0);
  output.clear();
  EXPECT_NE(testing::run_coupond({}, &output), 0);  // --data-dir is required
  EXPECT_NE(output.find("data-dir"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond
