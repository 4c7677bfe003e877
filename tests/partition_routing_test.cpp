// Routing by code, end to end: two coupond nodes started with --partition P1 and --partition P2,
// and a real HAProxy running the configuration couponctl writes for them, all on loopback ports
// the kernel picks. Every code redeemed through the router is found on its own partition's node;
// a stack goes to its first code's partition; a code sent to the wrong node is 421. Skipped when
// HAProxy is not installed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "haproxy_process.h"
#include "http_client.h"
#include "server_process.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::haproxy_binary;
using testing::HaproxyProcess;
using testing::HttpResult;
using testing::json_of;
using testing::run_program;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::free_loopback_port;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::string lower_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string batch_body(const std::string& id, const std::string& extra) {
  return R"({"id": ")" + id + R"(", "discount": {"type": "amount_off", "amount": 500},
    "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
    "code": {"prefix": "D11"})" +
         extra + "}";
}

class PartitionRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(p1.started());
    ASSERT_TRUE(p2.started());
  }

  static HttpResult admin(const ServerProcess& node, const std::string& method,
                          const std::string& target, const std::string& body = {}) {
    return http_request(node.admin_port(), method, target, body, node.admin_token());
  }
  static std::vector<std::string> generate(const ServerProcess& node, const std::string& batch,
                                           int count) {
    const HttpResult generated = admin(node, "POST", "/admin/v1/batches/" + batch + "/generate",
                                       R"({"count": )" + std::to_string(count) + "}");
    EXPECT_EQ(generated.status, 200) << generated.body;
    return lines_of(generated.body);
  }
  static std::uint64_t redeemed(const ServerProcess& node, const std::string& batch) {
    const auto stats = json_of(admin(node, "GET", "/admin/v1/batches/" + batch + "/stats"));
    return stats.contains("redeemed") ? stats.at("redeemed").to_number<std::uint64_t>() : 0;
  }
  static std::string redeem_body(const boost::json::value& codes, const std::string& order_id) {
    boost::json::object body{{"order_id", order_id}, {"order", {{"amount", 10000}}}};
    body[codes.is_array() ? "codes" : "code"] = codes;
    return boost::json::serialize(body);
  }
  // couponctl's configuration for the two nodes, with the router on router_port.
  int write_config(const std::filesystem::path& path, std::string* output) {
    const int status = run_program(COUPONCTL_BINARY,
                                   {"cluster", "haproxy-config", "--partition",
                                    "P1=127.0.0.1:" + std::to_string(p1.data_port()), "--partition",
                                    "p2=127.0.0.1:" + std::to_string(p2.data_port()), "--bind",
                                    "127.0.0.1:" + std::to_string(router_port)},
                                   output);
    std::ofstream(path) << *output;
    return status;
  }
  // Waits (ten seconds at most) until the router answers code's validate from its node.
  bool router_serves(const std::string& code) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const HttpResult answer =
          http_request(router_port, "POST", "/v1/validate",
                       boost::json::serialize(boost::json::object{{"code", code}}));
      if (answer.status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  ServerProcess p1{std::vector<std::string>{"--partition", "P1"}};
  ServerProcess p2{std::vector<std::string>{"--partition", "p2"}};
  unsigned short router_port = free_loopback_port();
  testing::TemporaryDirectory files;
};

TEST_F(PartitionRouting, EachCodeIsServedByItsPartitionThroughHaproxy) {
  if (!std::filesystem::exists(haproxy_binary)) {
    GTEST_SKIP() << haproxy_binary << " is not installed (apt-get install haproxy): routing "
                 << "through HAProxy is not tested";
  }
  // The same batch id and prefix on both partitions: the partition's name tells their codes apart.
  ASSERT_EQ(admin(p1, "POST", "/admin/v1/batches", batch_body("d11", "")).status, 201);
  ASSERT_EQ(
      admin(p2, "POST", "/admin/v1/batches", batch_body("d11", R"(, "partition": "P2")")).status,
      201);
  for (const std::string group : {"a", "b"}) {
    const std::string extra = R"(, "stacking": {"group": ")" + group + "\"}";
    ASSERT_EQ(admin(p2, "POST", "/admin/v1/batches", batch_body("stack-" + group, extra)).status,
              201);
  }
  const std::vector<std::string> p1_codes = generate(p1, "d11", 20);
  const std::vector<std::string> p2_codes = generate(p2, "d11", 20);
  ASSERT_EQ(p1_codes.size(), 20u);
  ASSERT_EQ(p2_codes.size(), 20u);
  EXPECT_EQ(p1_codes[0].rfind("P1D11-", 0), 0u) << p1_codes[0];
  EXPECT_EQ(p2_codes[0].rfind("P2D11-", 0), 0u) << p2_codes[0];

  const std::filesystem::path config = files.path() / "haproxy.cfg";
  std::string output;
  ASSERT_EQ(write_config(config, &output), 0) << output;
  std::string checked;
  ASSERT_EQ(run_program(haproxy_binary, {"-c", "-q", "-f", config.string()}, &checked), 0)
      << checked << "\n"
      << output;
  HaproxyProcess router(config);
  ASSERT_TRUE(router_serves(p1_codes[0]) && router_serves(p2_codes[0])) << output;

  // Every code, half typed in lower case, validated, redeemed and looked up through the router.
  for (const auto* codes : {&p1_codes, &p2_codes}) {
    for (std::size_t i = 0; i < codes->size(); ++i) {
      const std::string typed = i % 2 == 0 ? (*codes)[i] : lower_case((*codes)[i]);
      const HttpResult valid =
          http_request(router_port, "POST", "/v1/validate",
                       boost::json::serialize(boost::json::object{{"code", typed}}));
      ASSERT_EQ(valid.status, 200) << typed;
      EXPECT_TRUE(json_of(valid).at("valid").as_bool()) << typed << " " << valid.body;
      const HttpResult redeem = http_request(router_port, "POST", "/v1/redeem",
                                             redeem_body(boost::json::value(typed), "o-" + typed));
      EXPECT_EQ(redeem.status, 200) << typed << " " << redeem.body;
      const HttpResult lookup = http_request(router_port, "GET", "/v1/coupons/" + typed);
      EXPECT_EQ(lookup.status, 200) << typed;
      EXPECT_EQ(json_of(lookup).at("state").as_string(), "redeemed") << typed;
    }
  }
  EXPECT_EQ(redeemed(p1, "d11"), 20u);
  EXPECT_EQ(redeemed(p2, "d11"), 20u);

  // Typed with the look-alikes (l for 1, o for 0) and spaces for dashes, the partition's name
  // included: the router folds them as the node does.
  const std::string fresh = generate(p1, "d11", 1).at(0);
  std::string look_alike;
  for (const char c : fresh) {
    look_alike.push_back(c == '1' ? 'l' : c == '0' ? 'o' : c == '-' ? ' ' : c);
  }
  const HttpResult folded =
      http_request(router_port, "POST", "/v1/validate",
                   boost::json::serialize(boost::json::object{{"code", look_alike}}));
  EXPECT_EQ(folded.status, 200) << look_alike;
  EXPECT_TRUE(json_of(folded).at("valid").as_bool()) << look_alike << " " << folded.body;

  // A stack goes to its first code's partition.
  const std::string a = generate(p2, "stack-a", 1).at(0);
  const std::string b = generate(p2, "stack-b", 1).at(0);
  const HttpResult stack =
      http_request(router_port, "POST", "/v1/redeem",
                   redeem_body(boost::json::array{lower_case(a), b}, "stack-1"));
  EXPECT_EQ(stack.status, 200) << stack.body;
  EXPECT_EQ(redeemed(p2, "stack-a"), 1u);
  EXPECT_EQ(redeemed(p2, "stack-b"), 1u);
  // One across partitions is refused by the first code's node, naming the other code.
  const std::string p1_fresh = generate(p1, "d11", 1).at(0);
  const HttpResult mixed = http_request(router_port, "POST", "/v1/redeem",
                                        redeem_body(boost::json::array{p1_fresh, a}, "stack-2"));
  EXPECT_EQ(mixed.status, 400) << mixed.body;
  EXPECT_NE(mixed.body.find("codes[1] is not in partition P1"), std::string::npos) << mixed.body;

  // A code sent straight to the other partition's node.
  const HttpResult direct = http_request(p1.data_port(), "POST", "/v1/redeem",
                                         redeem_body(boost::json::value(p2_codes[0]), "direct"));
  EXPECT_EQ(direct.status, 421);
  EXPECT_EQ(json_of(direct).at("error").at("code").as_string(), "wrong_partition");
  EXPECT_EQ(http_request(p2.data_port(), "GET", "/v1/coupons/" + p1_codes[0]).status, 421);
  // Operators see misrouted requests in the node's metrics under their own status.
  EXPECT_NE(
      admin(p1, "GET", "/metrics")
          .body.find(R"(coupond_requests_total{port="data",route="/v1/redeem",status="421"} 1)"),
      std::string::npos);

  // A code no partition claims is answered by the router itself.
  const HttpResult nobodys =
      http_request(router_port, "POST", "/v1/validate", R"({"code": "Q9D11-XXXX"})");
  EXPECT_EQ(nobodys.status, 421);
  EXPECT_EQ(json_of(nobodys).at("error").at("code").as_string(), "wrong_partition");
  // No code: a node answers as it would alone.
  EXPECT_EQ(http_request(router_port, "POST", "/v1/validate", R"({"customer": "c"})").status, 400);
  EXPECT_EQ(http_request(router_port, "GET", "/healthz").status, 200);
}

TEST(PartitionRoutingConfig, RefusesNamesThatWouldNotRouteOneWay) {
  std::string output;
  EXPECT_NE(run_program(COUPONCTL_BINARY,
                        {"cluster", "haproxy-config", "--partition", "P1=127.0.0.1:8080",
                         "--partition", "P12=127.0.0.1:8090"},
                        &output),
            0);
  EXPECT_NE(output.find("partition P1 is the beginning of partition P12"), std::string::npos)
      << output;
  EXPECT_NE(run_program(COUPONCTL_BINARY,
                        {"cluster", "haproxy-config", "--partition", "PO=127.0.0.1:8080"}, &output),
            0);
  EXPECT_NE(output.find("is no partition name"), std::string::npos) << output;
  EXPECT_NE(run_program(COUPONCTL_BINARY,
                        {"cluster", "haproxy-config", "--partition", "P1=localhost"}, &output),
            0);
  EXPECT_NE(output.find("is no HOST:PORT address"), std::string::npos) << output;
}

TEST_F(PartitionRouting, ANodeStartsOnlyWithTheDataDirectoryOfItsPartition) {
  ASSERT_EQ(admin(p1, "POST", "/admin/v1/batches", batch_body("d11", "")).status, 201);
  const std::filesystem::path data_dir = p1.data_dir();
  ASSERT_EQ(p1.stop(), 0);
  const std::vector<std::string> listen = {"--listen", "127.0.0.1:0", "--admin-listen",
                                           "127.0.0.1:0"};
  std::string output;
  std::vector<std::string> args = {"--data-dir", data_dir.string(), "--partition", "P2"};
  args.insert(args.end(), listen.begin(), listen.end());
  EXPECT_EQ(testing::run_coupond(args, &output), 1);
  EXPECT_NE(output.find(
                "batch d11 belongs to partition P1, and this node was started with --partition P2"),
            std::string::npos)
      << output;
  args = {"--data-dir", data_dir.string()};
  args.insert(args.end(), listen.begin(), listen.end());
  EXPECT_EQ(testing::run_coupond(args, &output), 1);
  EXPECT_NE(output.find("started without --partition"), std::string::npos) << output;
  args = {"--data-dir", data_dir.string(), "--partition", "PO"};
  EXPECT_EQ(testing::run_coupond(args, &output), 1);
  EXPECT_NE(output.find("--partition \"PO\" is no partition name"), std::string::npos) << output;
}

}  // namespace
}  // namespace coupond
