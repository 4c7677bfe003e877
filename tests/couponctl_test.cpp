// couponctl against a real coupond: every command an operator uses, tables and --json, a
// non-zero exit carrying the server's message when a call fails, and CSV (customer ids with
// commas, quoted) passed through unharmed.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::run_program;
using testing::ServerProcess;

class CouponctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.started());
    token_file = server.data_dir() / "admin-token";
  }
  int couponctl(std::vector<std::string> args, std::string* output) {
    std::vector<std::string> all = {"--admin", "http://127.0.0.1:" + std::to_string(server.admin_port()),
                                    "--token-file", token_file.string()};
    all.insert(all.end(), args.begin(), args.end());
    output->clear();
    return run_program(COUPONCTL_BINARY, all, output);
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto path = files.path() / name;
    std::ofstream(path) << text;
    return path;
  }
  // Creates a batch of $5 off codes that start with prefix; false (with why in output) if not.
  bool create_batch(const std::string& id, const std::string& prefix, std::string* output) {
    const auto definition = write(id + ".json", R"({"id": ")" + id + R"(",
      "discount": {"type": "amount_off", "amount": 500},
      "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
      "code": {"prefix": ")" + prefix + R"("}})");
    return couponctl({"batch", "create", definition.string()}, output) == 0;
  }

  ServerProcess server;
  testing::TemporaryDirectory files;
  std::filesystem::path token_file;
};

TEST_F(CouponctlTest, BatchCreatePassesTheCodeFormat) {
  const auto definition = write("drinks.json", R"({"id": "drinks",
    "discount": {"type": "amount_off", "amount": 300},
    "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
    "code": {"prefix": "LAT", "group_size": 0}})");
  std::string output;
  ASSERT_EQ(
      couponctl({"batch", "create", definition.string(), "--code-format", "compact"}, &output), 0)
      << output;
  ASSERT_EQ(couponctl({"batch", "show", "drinks"}, &output), 0) << output;
  EXPECT_NE(output.find(R"("code":{"prefix":"LAT","format":"compact")"), std::string::npos)
      << output;
  ASSERT_EQ(couponctl({"generate", "drinks", "--count", "1"}, &output), 0) << output;
  EXPECT_EQ(output.substr(0, output.find('\n')).size(), 4u + 16u) << output;  // "LAT-" + 16
  const auto other = write("other.json", R"({"id": "other",
    "discount": {"type": "amount_off", "amount": 300},
    "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z"})");
  EXPECT_NE(couponctl({"batch", "create", other.string(), "--code-format", "tiny"}, &output), 0);
  EXPECT_NE(output.find("code.format must be standard or compact"), std::string::npos) << output;
}

TEST_F(CouponctlTest, OperatorsWorkflowFromBatchToStats) {
  const auto definition = write("batch.json", R"({
    "id": "spring", "name": "Spring", "discount": {"type": "amount_off", "amount": 500},
    "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
    "code": {"prefix": "SPR"}})");
  std::string output;
  ASSERT_EQ(couponctl({"batch", "create", definition.string()}, &output), 0) << output;
  EXPECT_NE(output.find("spring"), std::string::npos);
  ASSERT_EQ(couponctl({"generate", "spring", "--count", "2500"}, &output), 0) << output;
  EXPECT_NE(output.find("2500 codes generated"), std::string::npos);
  std::size_t codes = 0;  // lines that start with the prefix (it may recur inside a code)
  for (std::size_t at = 0; at < output.size(); at = output.find('\n', at) + 1) {
    codes += output.compare(at, 4, "SPR-") == 0;
    if (output.find('\n', at) == std::string::npos) break;
  }
  EXPECT_EQ(codes, 2500u);
  const auto csv = write("partner.csv", "PARTNER-1\nPARTNER-2,cust-1,vip\nbad!\n");
  ASSERT_EQ(couponctl({"import", "spring", csv.string()}, &output), 0) << output;
  EXPECT_NE(output.find("imported 2, duplicates 0, rejected 1"), std::string::npos) << output;
  EXPECT_NE(output.find("line 3"), std::string::npos);
  ASSERT_EQ(couponctl({"batch", "list"}, &output), 0);
  EXPECT_NE(output.find("ISSUED"), std::string::npos);
  EXPECT_NE(output.find("2502"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"--json", "stats", "spring"}, &output), 0);
  EXPECT_NE(output.find("\"issued\":2502"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"stats", "spring"}, &output), 0);
  EXPECT_NE(output.find("redemption_rate"), std::string::npos);
  ASSERT_EQ(couponctl({"revoke", "spring"}, &output), 0);
  EXPECT_NE(output.find("revoked 2502"), std::string::npos) << output;
}

TEST_F(CouponctlTest, QuotedCustomerIdsKeepTheirCodes) {
  std::string output;
  ASSERT_TRUE(create_batch("gifts", "GFT", &output)) << output;
  const auto customers = write("customers.csv", "\"Doe, Jane\",gold\r\ncust-2\n");
  ASSERT_EQ(couponctl({"generate", "gifts", "--customers", customers.string()}, &output), 0) << output;
  // Each line is customer,code as RFC 4180 writes it: the comma inside the id is quoted.
  std::string jane_code, second_code;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("\"Doe, Jane\",GFT-")) jane_code = line.substr(line.find("GFT-"));
    if (line.starts_with("cust-2,GFT-")) second_code = line.substr(line.find("GFT-"));
  }
  ASSERT_FALSE(jane_code.empty()) << output;
  ASSERT_FALSE(second_code.empty()) << output;
  auto customer_of = [&](const std::string& code) {
    const auto answer = testing::http_request(server.data_port(), "GET", "/v1/coupons/" + code);
    return boost::json::parse(answer.body).at("customer");
  };
  EXPECT_EQ(customer_of(jane_code), "Doe, Jane");
  EXPECT_EQ(customer_of(second_code), "cust-2");
  // An import reads the same quoting.
  const auto csv = write("partner.csv", "code,customer\nPARTNER7,\"Roe, Richard\"\n");
  ASSERT_EQ(couponctl({"import", "gifts", csv.string()}, &output), 0) << output;
  EXPECT_NE(output.find("imported 1, duplicates 0, rejected 0"), std::string::npos) << output;
  EXPECT_EQ(customer_of("PARTNER7"), "Roe, Richard");
}

// Whatever an operator types as a code or an id travels as one path segment: a code typed with
// spaces is the code, and a '?', '#', '/' or '%' in one names no coupon or batch instead of
// cutting the path short or reaching another resource.
TEST_F(CouponctlTest, CodesAndIdsReachTheServerAsOneSegment) {
  std::string output;
  ASSERT_TRUE(create_batch("spring", "SPR", &output)) << output;
  ASSERT_EQ(couponctl({"generate", "spring", "--count", "2"}, &output), 0) << output;
  std::istringstream lines(output);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  ASSERT_TRUE(first.starts_with("SPR-") && second.starts_with("SPR-")) << output;

  // As a person reads it out: lower case, spaces for dashes.
  std::string typed = first;
  for (char& c : typed) c = c == '-' ? ' ' : static_cast<char>(std::tolower(c));
  ASSERT_EQ(couponctl({"revoke-code", typed}, &output), 0) << output;
  EXPECT_NE(output.find("revoked 1"), std::string::npos) << output;
  const auto first_now =
      testing::http_request(server.data_port(), "GET", "/v1/coupons/" + first);
  EXPECT_EQ(boost::json::parse(first_now.body).at("state"), "revoked") << first_now.body;

  // Not codes: refused as such, the code before the '?' or the '/' untouched.
  for (const std::string& not_a_code :
       std::vector<std::string>{second + "?x", second + " ?/x", second + "#", "50%"}) {
    EXPECT_NE(couponctl({"revoke-code", not_a_code}, &output), 0) << not_a_code;
    EXPECT_NE(output.find("invalid_code, HTTP 400"), std::string::npos) << output;
  }
  const auto second_now =
      testing::http_request(server.data_port(), "GET", "/v1/coupons/" + second);
  EXPECT_EQ(boost::json::parse(second_now.body).at("state"), "active") << second_now.body;

  // Not batch ids: no batch, rather than spring's answer to another call.
  for (const std::string not_an_id : {"spring/stats", "spring?x", "spring #1", "spring%"}) {
    EXPECT_NE(couponctl({"batch", "show", not_an_id}, &output), 0) << not_an_id;
    EXPECT_NE(output.find("no batch spring"), std::string::npos) << output;
    EXPECT_NE(output.find("not_found, HTTP 404"), std::string::npos) << output;
    EXPECT_NE(couponctl({"stats", not_an_id}, &output), 0) << not_an_id;
    EXPECT_NE(output.find("not_found, HTTP 404"), std::string::npos) << output;
    EXPECT_NE(couponctl({"revoke", not_an_id}, &output), 0) << not_an_id;
    EXPECT_NE(output.find("not_found, HTTP 404"), std::string::npos) << output;
  }
  ASSERT_EQ(couponctl({"--json", "stats", "spring"}, &output), 0) << output;
  EXPECT_NE(output.find("\"revoked\":1,"), std::string::npos) << output;
}

TEST_F(CouponctlTest, FailuresExitNonZeroWithTheServersMessage) {
  std::string output;
  EXPECT_NE(couponctl({"batch", "show", "missing"}, &output), 0);
  EXPECT_NE(output.find("no batch missing"), std::string::npos) << output;
  const auto bad = write("bad.json", R"({"id": "x", "discount": {"type": "amount_off", "amount": 1}})");
  EXPECT_NE(couponctl({"batch", "create", bad.string()}, &output), 0);
  EXPECT_NE(output.find("valid_from is required"), std::string::npos) << output;
  EXPECT_NE(couponctl({"frobnicate"}, &output), 0);
  const auto wrong = write("token", "not-the-token\n");
  output.clear();
  EXPECT_NE(run_program(COUPONCTL_BINARY,
                        {"--admin", testing::numbered("127.0.0.1:", server.admin_port()),
                         "--token-file", wrong.string(), "batch", "list"},
                        &output),
            0);
  EXPECT_NE(output.find("401"), std::string::npos) << output;
}

TEST_F(CouponctlTest, ReportRedemptionsAndUnusedCodes) {
  std::string output;
  ASSERT_TRUE(create_batch("gifts", "G", &output)) << output;
  const auto customers = write("customers.csv", "ann,gold\nbob,silver\n");
  ASSERT_EQ(couponctl({"generate", "gifts", "--customers", customers.string()}, &output), 0) << output;
  const std::string ann_code = output.substr(4, output.find('\n') - 4);
  ASSERT_EQ(testing::http_request(server.data_port(), "POST", "/v1/redeem",
                                  R"({"code": ")" + ann_code + R"(", "order_id": "o-1", "customer": "ann",
                                      "order": {"amount": 2000}})").status, 200);
  ASSERT_EQ(couponctl({"report"}, &output), 0) << output;
  EXPECT_NE(output.find("REVENUE/DISCOUNT"), std::string::npos) << output;
  EXPECT_NE(output.find("gifts"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"redemptions", "gifts"}, &output), 0) << output;
  EXPECT_EQ(output.rfind("code,order_id,at,customer,channel,store,amount,discount,state\n", 0), 0u) << output;
  EXPECT_NE(output.find(ann_code + ",o-1,"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"unused", "gifts"}, &output), 0) << output;
  EXPECT_NE(output.find("bob,"), std::string::npos) << output;
  EXPECT_EQ(output.find("ann,"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"unused", "gifts", "--expiring-within", "60"}, &output), 0) << output;
  EXPECT_EQ(output, "customer,code,valid_until\n");
  EXPECT_NE(couponctl({"redemptions", "nope"}, &output), 0);
}

TEST_F(CouponctlTest, BatchUpdateSetsFieldsOrSendsAMergePatch) {
  std::string output;
  ASSERT_TRUE(create_batch("drink", "TEA", &output)) << output;
  ASSERT_EQ(couponctl({"--json", "batch", "update", "drink", "--set", "valid_until=2099-01-08T00:00:00Z",
                       "--set", "scope.channels=[\"app\"]", "--set", "name=Free drink"},
                      &output),
            0)
      << output;
  const auto batch = boost::json::parse(output).as_object();
  EXPECT_EQ(batch.at("valid_until").as_string(), "2099-01-08T00:00:00Z");
  EXPECT_EQ(batch.at("name").as_string(), "Free drink");
  EXPECT_EQ(batch.at("scope").at("channels").as_array().size(), 1u);

  const auto patch = write("patch.json", R"({"scope": {"channels": null}, "name": "Drinks"})");
  ASSERT_EQ(couponctl({"--json", "batch", "update", "drink", patch.string()}, &output), 0) << output;
  const auto patched = boost::json::parse(output).as_object();
  EXPECT_EQ(patched.at("name").as_string(), "Drinks");
  EXPECT_TRUE(patched.at("scope").at("channels").as_array().empty());

  EXPECT_NE(couponctl({"batch", "update", "drink", "--set", "max_uses_per_custmer=2"}, &output), 0);
  EXPECT_NE(output.find(R"(unknown field "max_uses_per_custmer")"), std::string::npos) << output;
  EXPECT_NE(couponctl({"batch", "update", "drink", "--set", "discount.amount=900"}, &output), 0);
  EXPECT_NE(output.find("discount cannot change"), std::string::npos) << output;
}

TEST_F(CouponctlTest, ClusterStatusAndSwitchoverOnASingleNode) {
  std::string output;
  ASSERT_EQ(couponctl({"cluster", "status"}, &output), 0) << output;
  EXPECT_NE(output.find("role"), std::string::npos) << output;
  EXPECT_NE(output.find("single"), std::string::npos) << output;
  ASSERT_EQ(couponctl({"--json", "cluster", "status"}, &output), 0) << output;
  EXPECT_EQ(boost::json::parse(output).at("role").as_string(), "single");
  // A node without --etcd has no partition to hand over: the server's 409 message comes through.
  EXPECT_NE(couponctl({"cluster", "switchover"}, &output), 0);
  EXPECT_NE(output.find("not in a cluster"), std::string::npos) << output;
}

// add-partition works offline: the name is checked against the others, and it prints the nodes'
// commands and the router's configuration with the new partition.
TEST(CouponctlAddPartition, PrintsTheNodesCommandsAndTheRouterWithTheNewPartition) {
  std::string output;
  ASSERT_EQ(run_program(COUPONCTL_BINARY,
                        {"cluster", "add-partition", "p3", "--nodes", "10.0.0.31:8080,10.0.0.32:8080",
                         "--partition", "P1=10.0.0.11:8080", "--etcd", "http://10.0.0.5:2379"},
                        &output),
            0)
      << output;
  EXPECT_NE(output.find("coupond --data-dir /var/lib/coupond --partition P3 --node n1 --etcd "
                        "http://10.0.0.5:2379 --listen 10.0.0.31:8080 --replication-listen "
                        "10.0.0.31:9091"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("--node n2"), std::string::npos) << output;
  EXPECT_NE(output.find("Existing codes never move"), std::string::npos) << output;
  EXPECT_NE(output.find("backend partition_P3"), std::string::npos) << output;
  EXPECT_NE(output.find("backend partition_P1"), std::string::npos) << output;

  EXPECT_NE(run_program(COUPONCTL_BINARY,
                        {"cluster", "add-partition", "P12", "--nodes", "10.0.0.31:8080",
                         "--partition", "P1=10.0.0.11:8080"},
                        &output),
            0);
  EXPECT_NE(output.find("partition P1 is the beginning of partition P12"), std::string::npos)
      << output;
  EXPECT_NE(run_program(COUPONCTL_BINARY, {"cluster", "add-partition", "PO", "--nodes", "10.0.0.31:8080"},
                        &output),
            0);
  EXPECT_NE(run_program(COUPONCTL_BINARY, {"cluster", "add-partition", "P3"}, &output), 0);
  EXPECT_NE(output.find("--nodes"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond
