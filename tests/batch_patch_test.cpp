// PATCH /admin/v1/batches/{id} and strict bodies, end to end on the real binary: a live batch's
// validity extended makes its expired codes valid again and stays so across restarts (from the
// journal, then from a snapshot); what cannot change, an unknown batch, a revoked one and a
// misspelt field are refused with the API's 400, 404 and 409; and a checkout body's unknown field,
// at any depth and on every route, is a 400 naming it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <sstream>

#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::error_message_of;
using testing::http_request;
using testing::json_of;
using testing::reason_of;
using testing::HttpResult;
using testing::ServerOptions;
using testing::ServerProcess;

// A drink voucher whose validity ended in 2021: its codes answer expired until it is extended.
const std::string expired_voucher = R"({
  "id": "drink", "name": "Free drink",
  "discount": {"type": "free_item", "sku": "TEA-500", "quantity": 1},
  "valid_from": "2021-01-01T00:00:00Z", "valid_until": "2021-02-01T00:00:00Z",
  "scope": {"channels": ["app"]}, "code": {"prefix": "TEA"}})";

HttpResult validate(const ServerProcess& server, const std::string& code) {
  return http_request(server.data_port(), "POST", "/v1/validate",
                      R"({"code":")" + code + R"(","order":{"channel":"app"}})");
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

TEST(BatchPatch, ExtendingAVoucherSurvivesRestartsFromTheJournalAndFromASnapshot) {
  testing::TemporaryDirectory data;
  ServerOptions options;
  options.data_dir = data.path();
  std::string code;
  {
    ServerProcess server(options);
    ASSERT_TRUE(server.started());
    ASSERT_EQ(server.admin("POST", "/admin/v1/batches", expired_voucher).status, 201);
    code = first_line(server.admin("POST", "/admin/v1/batches/drink/generate", R"({"count": 1})").body);
    EXPECT_EQ(reason_of(validate(server, code)), "expired");

    const HttpResult patched = server.admin("PATCH", "/admin/v1/batches/drink",
                                     R"({"valid_until": "2099-01-01T00:00:00+08:00",
                                         "name": "Free drink, extended"})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    const auto batch = json_of(patched);
    EXPECT_EQ(batch.at("valid_until").as_string(), "2098-12-31T16:00:00Z");
    EXPECT_EQ(batch.at("name").as_string(), "Free drink, extended");
    EXPECT_EQ(batch.at("discount").at("sku").as_string(), "TEA-500");
    EXPECT_EQ(validate(server, code).status, 200);
    EXPECT_EQ(server.stop(), 0);
  }
  {
    // coupond writes a snapshot as it stops: make the journal alone carry the change this time.
    ServerProcess server(options);
    ASSERT_TRUE(server.started());
    EXPECT_EQ(json_of(server.admin("GET", "/admin/v1/batches/drink")).at("valid_until").as_string(),
              "2098-12-31T16:00:00Z");
    EXPECT_EQ(validate(server, code).status, 200);
    ASSERT_EQ(server.admin("PATCH", "/admin/v1/batches/drink", R"({"name": "renamed"})").status, 200);
    server.kill_now();
  }
  {
    ServerProcess server(options);
    ASSERT_TRUE(server.started());
    EXPECT_EQ(json_of(server.admin("GET", "/admin/v1/batches/drink")).at("name").as_string(),
              "renamed");
    ASSERT_EQ(server.admin("POST", "/admin/v1/snapshot").status, 200);
    server.kill_now();
  }
  ServerProcess server(options);
  ASSERT_TRUE(server.started());
  const auto batch = json_of(server.admin("GET", "/admin/v1/batches/drink"));
  EXPECT_EQ(batch.at("name").as_string(), "renamed");
  EXPECT_EQ(batch.at("valid_until").as_string(), "2098-12-31T16:00:00Z");
  EXPECT_EQ(validate(server, code).status, 200);
}

TEST(BatchPatch, WhatCannotChangeAndWhatIsUnknownAreRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches", expired_voucher).status, 201);
  const std::pair<std::string, std::string> refused[] = {
      {R"({"discount": {"quantity": 2}})", "discount cannot change"},
      {R"({"code": {"prefix": "COF"}})", "code cannot change"},
      {R"({"id": "coffee"})", "id cannot change"},
      {R"({"max_uses_per_custmer": 1})", R"(unknown field "max_uses_per_custmer")"},
      {R"({"scope": {"chanels": ["app"]}})", R"(unknown field "scope.chanels")"},
      {R"({"budget": {"discount_mx": 100}})", R"(unknown field "budget.discount_mx")"},
      {R"({"partition": "p1"})", "partition cannot change"},
      {R"({"valid_from": "2021-03-01T00:00:00Z"})", "valid_until must be later than valid_from"},
      {"[1]", "the body must be a JSON object"},
  };
  for (const auto& [body, message] : refused) {
    const HttpResult result = server.admin("PATCH", "/admin/v1/batches/drink", body);
    EXPECT_EQ(result.status, 400) << body;
    EXPECT_EQ(error_message_of(result), message) << body;
  }
  // The same discount and code as now are no change.
  EXPECT_EQ(server.admin("PATCH", "/admin/v1/batches/drink",
                  R"({"discount": {"type": "free_item", "sku": "TEA-500", "quantity": 1}})")
                .status,
            200);
  EXPECT_EQ(server.admin("PATCH", "/admin/v1/batches/coffee", "{}").status, 404);
  ASSERT_EQ(server.admin("POST", "/admin/v1/batches/drink/revoke").status, 200);
  const HttpResult revoked = server.admin("PATCH", "/admin/v1/batches/drink", R"({"name": "x"})");
  EXPECT_EQ(revoked.status, 409);
  EXPECT_EQ(json_of(revoked).at("error").at("code").as_string(), "conflict");
}

TEST(BatchPatch, ABatchWithAFieldTheServerDoesNotKnowIsNotCreated) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  boost::json::object definition = boost::json::parse(expired_voucher).as_object();
  definition["max_uses_per_custmer"] = 1;
  const HttpResult typo = server.admin("POST", "/admin/v1/batches", boost::json::serialize(definition));
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(error_message_of(typo), R"(unknown field "max_uses_per_custmer")");
  EXPECT_EQ(server.admin("GET", "/admin/v1/batches/drink").status, 404);
}

TEST(BatchPatch, EveryCheckoutRouteRefusesAnUnknownFieldNamingIt) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  const std::pair<std::string, std::string> bodies[] = {
      {R"({"code":"TEA-X","order_id":"o1","custmer":"c"})", R"(unknown field "custmer")"},
      {R"({"code":"TEA-X","order_id":"o1","order":{"chanel":"app"}})",
       R"(unknown field "order.chanel")"},
      {R"({"code":"TEA-X","order_id":"o1","order":{"items":[{"price":1,"sku":"A","qty":2}]}})",
       R"(unknown field "order.items[0].qty")"},
      {R"({"codes":["TEA-X"],"order_id":"o1","ordr":{}})", R"(unknown field "ordr")"},
  };
  for (const std::string route : {"/v1/validate", "/v1/redeem", "/v1/reserve", "/v1/rollback"}) {
    for (const auto& [body, message] : bodies) {
      const HttpResult result = http_request(server.data_port(), "POST", route, body);
      EXPECT_EQ(result.status, 400) << route << " " << body;
      EXPECT_EQ(error_message_of(result), message) << route << " " << body;
    }
  }
}

}  // namespace
}  // namespace coupond
