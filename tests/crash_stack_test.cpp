// kill -9 while shoppers redeem stacks (a platform coupon and a shipping coupon on one order): a
// restart finds every stack answered 200, and every stack whole, answered or not — never one of
// its coupons redeemed without the other, since one journal record holds both uses.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "crash_support.h"
#include "http_client.h"
#include "test_support.h"

namespace coupond {
namespace {

using namespace testing;

constexpr int pairs = 300;

std::vector<std::string> create_batch(const ServerProcess& server, const std::string& id,
                                      const std::string& group) {
  EXPECT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches",
                         R"({"id": ")" + id + R"(", "discount": {"type": "amount_off", "amount": 100},
                             "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
                             "stacking": {"group": ")" + group + R"("}})",
                         server.admin_token()).status, 201);
  std::istringstream lines(http_request(server.admin_port(), "POST", "/admin/v1/batches/" + id + "/generate",
                                        R"({"count": )" + std::to_string(pairs) + "}", server.admin_token()).body);
  std::vector<std::string> codes;
  for (std::string line; std::getline(lines, line);) codes.push_back(line);
  return codes;
}

// The order ids that hold a redemption of code.
std::set<std::string> redeemed_by(const ServerProcess& server, const std::string& code) {
  const HttpResult coupon = http_request(server.data_port(), "GET", "/v1/coupons/" + code);
  EXPECT_EQ(coupon.status, 200) << coupon.body;
  std::set<std::string> orders;
  if (coupon.status != 200) return orders;
  const boost::json::value document = boost::json::parse(coupon.body);
  for (const auto& use : document.at("redemptions").as_array()) {
    if (use.at("state") == "redeemed") orders.insert(std::string(use.at("order_id").as_string()));
  }
  return orders;
}

TEST(CrashTest, KillNineWhileStacksAreRedeemedLeavesEveryStackWhole) {
  TemporaryDirectory directory;
  std::vector<std::string> platform, shipping;
  {
    ServerProcess server(ServerOptions{{}, directory.path(), {}, false});
    ASSERT_TRUE(server.started());
    platform = create_batch(server, "platform", "platform");
    shipping = create_batch(server, "shipping", "shipping");
    ASSERT_EQ(server.stop(), 0);
  }
  ASSERT_EQ(platform.size(), static_cast<std::size_t>(pairs));
  std::mutex mutex;
  std::map<int, std::string> acknowledged;  // pair index -> the order answered 200
  const int cycles = crash_cycles(4);
  for (int cycle = 0; cycle < cycles; ++cycle) {
    ServerProcess server(ServerOptions{{}, directory.path(), {}, false});
    ASSERT_TRUE(server.started()) << "cycle " << cycle;
    std::atomic<bool> stop{false};
    std::vector<std::thread> shoppers;
    for (int t = 0; t < 4; ++t) {
      shoppers.emplace_back([&, t] {
        std::mt19937 random(static_cast<unsigned>(cycle * 31 + t));
        for (int n = 0; !stop && n < 10'000; ++n) {
          const int pair = static_cast<int>(random() % pairs);
          const std::string order = numbered("c", cycle) + numbered("-", t) + numbered("-", n);
          const HttpResult result = http_request(server.data_port(), "POST", "/v1/redeem",
              R"({"codes": [")" + platform[pair] + R"(", ")" + shipping[pair] + R"("], "order_id": ")" +
                  order + R"(", "order": {"amount": 5000}})");
          if (result.status == 0) return;
          if (result.status == 200) {
            std::lock_guard lock(mutex);
            acknowledged[pair] = order;
          }
        }
      });
    }
    sleep_for_milliseconds(200 + 100 * cycle);
    server.kill_now();
    stop = true;
    for (auto& thread : shoppers) thread.join();
  }
  ServerProcess last(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(last.started());
  int whole = 0;
  for (int pair = 0; pair < pairs; ++pair) {
    const std::set<std::string> first = redeemed_by(last, platform[pair]);
    const std::set<std::string> second = redeemed_by(last, shipping[pair]);
    EXPECT_EQ(first, second) << "pair " << pair << " is split";
    EXPECT_LE(first.size(), 1u);
    if (auto found = acknowledged.find(pair); found != acknowledged.end()) {
      EXPECT_TRUE(first.contains(found->second)) << "the 200 for " << found->second << " was lost";
    }
    whole += first.empty() ? 0 : 1;
  }
  EXPECT_GT(acknowledged.size(), 10u) << "the loop redeemed too little to prove anything";
  EXPECT_GE(whole, static_cast<int>(acknowledged.size()));
}

}  // namespace
}  // namespace coupond
