// Customer ids and segments over HTTP: text that is not clean is a 400 naming the field, on the
// data plane and in a generate; a customer id with a comma comes back quoted in the generated CSV.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::HttpResult;

class ServerTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.started());
    ASSERT_EQ(server.admin("POST", "/admin/v1/batches", R"({"id": "gifts", "discount": {"type": "amount_off", "amount": 500},
        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})").status, 201);
  }

  testing::ServerProcess server;
};

TEST_F(ServerTextTest, ACustomerThatIsNotTextIsABadRequestNamingIt) {
  for (const char* customer : {"tab\\there", "bell\\u0007", "c1\\u0085"}) {
    const HttpResult answer = http_request(server.data_port(), "POST", "/v1/validate",
                                           std::string(R"({"code": "X", "customer": ")") + customer + "\"}");
    EXPECT_EQ(answer.status, 400) << customer;
    EXPECT_EQ(testing::error_message_of(answer), "customer must be UTF-8 text without control characters");
  }
}

TEST_F(ServerTextTest, AGenerateNamesTheBadCustomerOrSegment) {
  const HttpResult bad_segment = server.admin("POST", "/admin/v1/batches/gifts/generate",
                                       R"({"customers": [{"customer": "a"}, {"customer": "b", "segment": "x\ny"}]})");
  EXPECT_EQ(bad_segment.status, 400);
  EXPECT_EQ(testing::error_message_of(bad_segment), "customers[1].segment must be UTF-8 text without control characters");
  const HttpResult long_customer = server.admin("POST", "/admin/v1/batches/gifts/generate",
                                         R"({"customers": [{"customer": ")" + std::string(129, 'c') + "\"}]}");
  EXPECT_EQ(long_customer.status, 400);
  EXPECT_EQ(testing::error_message_of(long_customer), "customers[0].customer must be at most 128 bytes");
}

TEST_F(ServerTextTest, GeneratedCsvQuotesACustomerIdWithAComma) {
  const HttpResult generated = server.admin("POST", "/admin/v1/batches/gifts/generate",
                                     R"({"customers": [{"customer": "Doe, Jane"}, {"customer": "say \"hi\""}, {"customer": "plain"}]})");
  ASSERT_EQ(generated.status, 200) << generated.body;
  const std::string& csv = generated.body;
  EXPECT_TRUE(csv.starts_with("\"Doe, Jane\",")) << csv;
  EXPECT_NE(csv.find("\n\"say \"\"hi\"\"\","), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nplain,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace coupond
