// coupond against one abusive client, end to end with the real binary: guesses limited per client
// whatever customer they name and through the coupon lookup too, other clients served meanwhile;
// the protected mode without API keys; a use given back only by the key that took it; and a
// reserve's default hold within --max-hold-ttl.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "http_client.h"
#include "rules/time_text.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::json_of;
using testing::reason_of;
using testing::HttpResult;
using testing::ServerOptions;
using testing::ServerProcess;

constexpr const char* checkout_eu_key = "0123456789abcdef0123";
constexpr const char* checkout_us_key = "fedcba9876543210fedc";

// A batch "abuse" with count generated codes and one imported code, PARTNER1 (so that a guess
// like PARTNER2 is a well-formed code that is not there: unknown_code).
std::vector<std::string> make_codes(const ServerProcess& server, int count) {
  EXPECT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "abuse", "discount": {"type": "amount_off", "amount": 500},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})").status, 201);
  EXPECT_EQ(server.admin("POST", "/admin/v1/batches/abuse/import", "PARTNER1\n").status, 200);
  std::vector<std::string> codes;
  std::istringstream lines(
      server.admin("POST", "/admin/v1/batches/abuse/generate", R"({"count": )" + std::to_string(count) + "}").body);
  for (std::string line; std::getline(lines, line);) codes.push_back(line);
  EXPECT_EQ(codes.size(), static_cast<std::size_t>(count));
  return codes;
}

HttpResult post(const ServerProcess& server, const std::string& target, boost::json::object body,
                const std::string& key = {}) {
  return http_request(server.data_port(), "POST", target, boost::json::serialize(body), key);
}

boost::json::object checkout(const std::string& code, const std::string& customer,
                             const std::string& order_id = {}) {
  boost::json::object body{{"code", code}, {"order", {{"amount", 12900}}}};
  if (!customer.empty()) body["customer"] = customer;
  if (!order_id.empty()) body["order_id"] = order_id;
  return body;
}

std::filesystem::path write_api_keys(const testing::TemporaryDirectory& directory) {
  const auto path = directory.path() / "api-keys";
  std::ofstream(path) << "checkout-eu " << checkout_eu_key << "\ncheckout-us " << checkout_us_key
                      << "\n";
  return path;
}

TEST(ServerAbuseTest, GuessesWithANewCustomerEachTimeOrNoneAreLimitedPerClient) {
  ServerProcess server({"--max-bad-codes-per-client", "4"});
  ASSERT_TRUE(server.started());
  const std::string code = make_codes(server, 1).at(0);
  for (int i = 0; i < 4; ++i) {
    // Every other guess names no customer at all.
    const std::string customer = i % 2 == 0 ? testing::numbered("shopper-", i) : "";
    const HttpResult guessed = post(server, "/v1/validate", checkout(testing::numbered("PARTNER", i + 2), customer));
    EXPECT_EQ(reason_of(guessed), "unknown_code") << i;
  }
  // The client's allowance is spent: a real code with a customer never seen is refused too.
  EXPECT_EQ(reason_of(post(server, "/v1/validate", checkout(code, "fresh-1"))), "rate_limited");
  const HttpResult redeemed = post(server, "/v1/redeem", checkout(code, "fresh-2", "o-1"));
  EXPECT_EQ(redeemed.status, 429);
  EXPECT_EQ(reason_of(redeemed), "rate_limited");
  EXPECT_EQ(post(server, "/v1/reserve", checkout(code, "", "o-2")).status, 429);
}

TEST(ServerAbuseTest, GuessesThroughTheCouponLookupAreLimited) {
  ServerProcess server({"--max-bad-codes-per-client", "3"});
  ASSERT_TRUE(server.started());
  const std::string code = make_codes(server, 1).at(0);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/" + code).status, 200);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/PARTNER2").status, 404);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/PARTNER3").status, 404);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/not!a!code").status, 400);
  const HttpResult limited = http_request(server.data_port(), "GET", "/v1/coupons/" + code);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(reason_of(limited), "rate_limited");
  // The lookups spent the same allowance as checkouts.
  EXPECT_EQ(reason_of(post(server, "/v1/validate", checkout(code, "alice"))), "rate_limited");
}

TEST(ServerAbuseTest, AClientWithAnotherApiKeyIsNotLimited) {
  testing::TemporaryDirectory directory;
  ServerProcess server({"--api-keys", write_api_keys(directory).string(),
                        "--max-bad-codes-per-client", "3"});
  ASSERT_TRUE(server.started());
  const std::string code = make_codes(server, 1).at(0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reason_of(post(server, "/v1/validate",
                             checkout(testing::numbered("PARTNER", i + 2), testing::numbered("shopper-", i)),
                             checkout_eu_key)),
              "unknown_code");
  }
  EXPECT_EQ(reason_of(post(server, "/v1/validate", checkout(code, "alice"), checkout_eu_key)),
            "rate_limited");
  // Same address, another key: another client.
  EXPECT_EQ(post(server, "/v1/redeem", checkout(code, "alice", "o-1"), checkout_us_key).status, 200);
}

ServerOptions seen_from_elsewhere(std::vector<std::string> flags) {
  ServerOptions options;
  options.extra_flags = std::move(flags);
  options.environment = {"COUPOND_FAULT_POINT=http.peer_not_loopback"};
  return options;
}

TEST(ServerAbuseTest, WithoutApiKeysOnlyLoopbackClientsAreServed) {
  ServerProcess server(seen_from_elsewhere({}));
  ASSERT_TRUE(server.started());
  const HttpResult health = http_request(server.data_port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 403);
  EXPECT_EQ(reason_of(health), "forbidden");
  const HttpResult validated = post(server, "/v1/validate", checkout("PARTNER1", ""));
  EXPECT_EQ(validated.status, 403);
  EXPECT_EQ(reason_of(validated), "forbidden");
  EXPECT_EQ(http_request(server.data_port(), "GET", "/v1/coupons/PARTNER1").status, 403);
  // The admin port is not the data plane: it has its token.
  EXPECT_EQ(http_request(server.admin_port(), "GET", "/admin/v1/batches", {}, server.admin_token()).status,
            200);
}

TEST(ServerAbuseTest, OpenDataPlaneOrApiKeysServeEveryAddress) {
  {
    ServerProcess server(seen_from_elsewhere({"--open-data-plane"}));
    ASSERT_TRUE(server.started());
    EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(post(server, "/v1/validate", checkout("PARTNER1", "")).status, 200);
  }
  testing::TemporaryDirectory directory;
  ServerProcess server(seen_from_elsewhere({"--api-keys", write_api_keys(directory).string()}));
  ASSERT_TRUE(server.started());
  EXPECT_EQ(post(server, "/v1/validate", checkout("PARTNER1", ""), checkout_eu_key).status, 200);
}

TEST(ServerAbuseTest, AUseTakenWithAnotherApiKeyIsNotGivenBack) {
  testing::TemporaryDirectory directory;
  ServerProcess server({"--api-keys", write_api_keys(directory).string()});
  ASSERT_TRUE(server.started());
  const std::string code = make_codes(server, 1).at(0);
  ASSERT_EQ(post(server, "/v1/redeem", checkout(code, "", "o-1"), checkout_eu_key).status, 200);
  const boost::json::object rollback{{"code", code}, {"order_id", "o-1"}};
  const HttpResult refused = post(server, "/v1/rollback", rollback, checkout_us_key);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(reason_of(refused), "forbidden");
  const auto coupon = json_of(http_request(server.data_port(), "GET", "/v1/coupons/" + code, {}, checkout_us_key));
  EXPECT_EQ(coupon.at("uses_left").as_int64(), 0);  // still spent
  const HttpResult given_back = post(server, "/v1/rollback", rollback, checkout_eu_key);
  EXPECT_EQ(given_back.status, 200) << given_back.body;
  EXPECT_EQ(json_of(given_back).at("uses_left").as_int64(), 1);
}

TEST(ServerAbuseTest, AReserveWithoutTtlHoldsNoLongerThanTheMaximum) {
  ServerProcess server({"--max-hold-ttl", "60"});
  ASSERT_TRUE(server.started());
  const std::string code = make_codes(server, 1).at(0);
  const auto asked = std::chrono::system_clock::now();
  const HttpResult reserved = post(server, "/v1/reserve", checkout(code, "", "o-1"));
  const auto answered = std::chrono::system_clock::now();
  ASSERT_EQ(reserved.status, 200) << reserved.body;
  Timestamp expires_at;
  ASSERT_TRUE(parse_rfc3339(std::string(json_of(reserved).at("expires_at").as_string()), &expires_at));
  // Within a second of the answer plus 60 s (the printed time may be rounded), not 900 s on.
  EXPECT_LE(expires_at, answered + std::chrono::seconds(61));
  EXPECT_GE(expires_at, asked + std::chrono::seconds(59));
}

}  // namespace
}  // namespace coupond
