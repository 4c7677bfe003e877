// coupon-load's parts on their own: scenario files are read (the shipped ones among them) and bad
// ones named; Zipf picks favour the hot codes as the exponent says; the HTTP and Redis protocols
// read whole answers only, and the outcomes they report are the ones the bench counts.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "key_picker.h"
#include "protocol.h"
#include "scenario.h"

namespace coupond::load {
namespace {

TEST(ScenarioTest, TheShippedScenariosReadAndSayWhatTheyAreFor) {
  const std::filesystem::path directory = std::filesystem::path(COUPOND_SOURCE_DIR) / "bench/scenarios";
  for (const char* name : {"flash-sale-midnight", "steady-checkout", "brute-force-attack"}) {
    Scenario scenario;
    std::string error;
    ASSERT_TRUE(load_scenario_file((directory / (std::string(name) + ".json")).string(), &scenario,
                                   &error))
        << error;
    EXPECT_EQ(scenario.name, name);
    EXPECT_FALSE(scenario.description.empty());
  }
  Scenario midnight;
  std::string error;
  ASSERT_TRUE(load_scenario_file((directory / "flash-sale-midnight.json").string(), &midnight, &error));
  EXPECT_EQ(midnight.connections, 1000u);
  EXPECT_EQ(midnight.keys, KeyDistribution::zipf);
  EXPECT_EQ(midnight.key_codes, 100u);
  Scenario steady;
  ASSERT_TRUE(load_scenario_file((directory / "steady-checkout.json").string(), &steady, &error));
  EXPECT_GT(steady.rate, 0);
}

TEST(ScenarioTest, BadFieldsAreNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"connections": 0})", "connections"},
      {R"({"connections": "many"})", "connections"},
      {R"({"duration_s": 0})", "duration"},
      {R"({"rate": -5})", "rate"},
      {R"({"ramp_s": 20, "duration_s": 10})", "ramp"},
      {R"({"mix": {"redeem": 1, "steal": 1}})", "mix.steal"},
      {R"({"mix": {"validate": 0, "redeem": 0}})", "mix"},
      {R"({"keys": {"distribution": "pareto"}})", "keys.distribution"},
      {R"({"keys": {"distribution": "zipf", "exponent": 0}})", "keys.exponent"},
      {R"([1, 2])", "JSON object"},
  };
  for (const auto& [text, named] : cases) {
    Scenario scenario;
    std::string error;
    EXPECT_FALSE(parse_scenario(text, &scenario, &error)) << text;
    EXPECT_NE(error.find(named), std::string::npos) << text << ": " << error;
    EXPECT_EQ(scenario.connections, Scenario().connections) << "a refused scenario changes nothing";
  }
}

TEST(KeyPickerTest, ZipfFavoursTheHotCodesAsTheExponentSays) {
  const KeyPicker picker(KeyDistribution::zipf, 1.0, 100);
  std::mt19937_64 random(7);
  std::vector<int> counts(100);
  constexpr int picks = 200'000;
  for (int i = 0; i < picks; ++i) {
    const std::uint64_t index = picker.pick(random);
    ASSERT_LT(index, 100u);
    ++counts[index];
  }
  // With exponent 1 the k-th code is picked about 1/k as often as the first.
  EXPECT_NEAR(static_cast<double>(counts[1]) / counts[0], 0.5, 0.05);
  EXPECT_NEAR(static_cast<double>(counts[9]) / counts[0], 0.1, 0.02);
  // The first code's share is 1/H(100), about 19%.
  EXPECT_NEAR(static_cast<double>(counts[0]) / picks, 0.193, 0.01);
}

TEST(KeyPickerTest, UniformCoversEveryCode) {
  const KeyPicker picker(KeyDistribution::uniform, 1.0, 50);
  std::mt19937_64 random(3);
  std::vector<int> counts(50);
  for (int i = 0; i < 50'000; ++i) ++counts[picker.pick(random)];
  for (int count : counts) EXPECT_NEAR(count, 1000, 200);
}

TEST(ProtocolTest, HttpReadsWholeAnswersOnlyAndNamesTheirOutcome) {
  const auto http = make_http_protocol("127.0.0.1", "");
  const Request redeem{RequestKind::redeem, "D11-AAAA", "o-1"};
  std::string request;
  http->encode(redeem, &request);
  EXPECT_TRUE(request.starts_with("POST /v1/redeem HTTP/1.1\r\n")) << request;
  EXPECT_NE(request.find("\"order_id\":\"o-1\""), std::string::npos);
  const std::string body = R"({"redeemed":true,"code":"D11-AAAA","replayed":false})";
  const std::string answer = "HTTP/1.1 200 OK\r\nServer: coupond\r\ncontent-length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body;
  Answer out;
  for (std::size_t cut = 0; cut < answer.size(); ++cut) {
    EXPECT_EQ(http->decode(std::string_view(answer).substr(0, cut), redeem, &out), 0) << cut;
  }
  EXPECT_EQ(http->decode(answer + "HTTP/1.1 200", redeem, &out),
            static_cast<std::ptrdiff_t>(answer.size()));
  EXPECT_EQ(out.outcome, "redeem 200 redeemed");
  EXPECT_TRUE(out.redeemed);

  const std::string refusal_body = R"({"redeemed":false,"code":"D11-AAAA","reason":"already_redeemed"})";
  const std::string refusal = "HTTP/1.1 409 Conflict\r\nContent-Length: " +
                              std::to_string(refusal_body.size()) + "\r\n\r\n" + refusal_body;
  ASSERT_GT(http->decode(refusal, redeem, &out), 0);
  EXPECT_EQ(out.outcome, "redeem 409 already_redeemed");
  EXPECT_FALSE(out.redeemed);
  EXPECT_EQ(http->decode("SSH-2.0-OpenSSH\r\n\r\n", redeem, &out), -1);
}

TEST(ProtocolTest, RedisSpeaksRespToTheRedeemScript) {
  const auto redis = make_redis_protocol("0123456789abcdef0123456789abcdef01234567");
  const Request rollback{RequestKind::rollback, "D11-AAAA", "o-1"};
  std::string request;
  redis->encode(rollback, &request);
  EXPECT_EQ(request,
            "*6\r\n$7\r\nEVALSHA\r\n$40\r\n0123456789abcdef0123456789abcdef01234567\r\n$1\r\n1\r\n"
            "$10\r\nc:D11-AAAA\r\n$8\r\nrollback\r\n$3\r\no-1\r\n");
  Answer out;
  EXPECT_EQ(redis->decode("$11\r\nrolled_b", rollback, &out), 0);
  EXPECT_EQ(redis->decode("$11\r\nrolled_back\r\n", rollback, &out), 18);
  EXPECT_EQ(out.outcome, "rollback rolled_back");
  EXPECT_TRUE(out.rolled_back);
  EXPECT_EQ(redis->decode("-NOSCRIPT No matching script\r\n", rollback, &out), 30);
  EXPECT_EQ(out.outcome, "rollback error NOSCRIPT");
  EXPECT_EQ(redis->decode("HTTP/1.1 200 OK\r\n", rollback, &out), -1);
}

}  // namespace
}  // namespace coupond::load
