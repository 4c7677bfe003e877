// A data directory belongs to one process. A second engine or a second coupond on a directory in
// use must be refused at once, naming the directory and the holder's pid, having changed nothing;
// the first goes on serving what it acknowledged, and a restart after it stops finds all of it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <fstream>
#include <future>
#include <map>
#include <sstream>

#include "http_client.h"
#include "server_process.h"
#include "store/data_dir_lock.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::http_request;
using testing::HttpResult;
using testing::request_for;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::TemporaryDirectory;

// Every file under directory with its size and modification time: what "changed nothing" compares.
std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> listing(
    const std::filesystem::path& directory) {
  std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    files[entry.path().string()] = {entry.file_size(), entry.last_write_time()};
  }
  return files;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(DataDirLockTest, ASecondHolderIsRefusedUntilTheFirstLetsGo) {
  TemporaryDirectory directory;
  std::unique_ptr<store::DataDirLock> first, second;
  ASSERT_TRUE(store::DataDirLock::acquire(directory.path(), &first).is_ok());
  EXPECT_EQ(read_text(directory.path() / "LOCK"), std::to_string(::getpid()) + "\n");
  const Status refused = store::DataDirLock::acquire(directory.path(), &second);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(refused.message().find(testing::numbered("pid ", ::getpid())), std::string::npos)
      << refused.message();
  first.reset();
  EXPECT_TRUE(store::DataDirLock::acquire(directory.path(), &second).is_ok());
}

TEST(DataDirLockTest, ASecondEngineOnADirectoryInUseIsRefusedAndChangesNothing) {
  EngineFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 20);
  std::uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    const Outcome redeemed = fixture.engine->redeem(request_for(codes[i], testing::numbered("o-", i)));
    ASSERT_TRUE(redeemed.ok());
    last = redeemed.journal_sequence;
  }
  std::promise<bool> durable;
  fixture.engine->when_durable(last, [&](bool done) { durable.set_value(done); });
  ASSERT_TRUE(durable.get_future().get());
  const auto before = listing(fixture.directory.path());

  std::unique_ptr<Engine> second;
  const Status refused = Engine::open(fixture.options, &second);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_EQ(second, nullptr);
  EXPECT_NE(refused.message().find(fixture.directory.path().string()), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find(testing::numbered("pid ", ::getpid())), std::string::npos)
      << refused.message();
  EXPECT_EQ(listing(fixture.directory.path()), before);

  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(fixture.engine->redeem(request_for(codes[i], "o-new")).reason,
              Reason::already_redeemed);
  }
  EXPECT_TRUE(fixture.engine->redeem(request_for(codes[5], "o-5")).ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(fixture.engine->redeem(request_for(codes[i], "o-new")).reason,
              Reason::already_redeemed);
  }
}

const std::string batch_body = R"({
  "id": "lock", "name": "one process per directory", "discount": {"type": "amount_off",
  "amount": 500}, "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
  "max_uses_per_code": 1})";

std::string redeem_body(const std::string& code, const std::string& order_id) {
  return R"({"code": ")" + code + R"(", "order_id": ")" + order_id +
         R"(", "order": {"amount": 9900}})";
}

// The order ids the server holds as redeemed for code.
std::vector<std::string> redeemed_orders(const ServerProcess& server, const std::string& code) {
  const HttpResult coupon = http_request(server.data_port(), "GET", "/v1/coupons/" + code);
  EXPECT_EQ(coupon.status, 200) << coupon.body;
  std::vector<std::string> orders;
  if (coupon.status != 200) return orders;
  const boost::json::value parsed = boost::json::parse(coupon.body);
  for (const auto& use : parsed.at("redemptions").as_array()) {
    if (use.at("state") == "redeemed") orders.emplace_back(use.at("order_id").as_string());
  }
  return orders;
}

TEST(DataDirLockProcessTest, ASecondCoupondIsRefusedAndTheFirstKeepsItsRedemptions) {
  TemporaryDirectory directory;
  std::vector<std::string> codes;
  {
    ServerProcess first(ServerOptions{{}, directory.path(), {}, false});
    ASSERT_TRUE(first.started());
    ASSERT_EQ(http_request(first.admin_port(), "POST", "/admin/v1/batches", batch_body,
                           first.admin_token()).status, 201);
    const HttpResult generated = http_request(first.admin_port(), "POST",
                                              "/admin/v1/batches/lock/generate",
                                              R"({"count": 20})", first.admin_token());
    ASSERT_EQ(generated.status, 200);
    std::istringstream lines(generated.body);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) codes.push_back(line);
    }
    ASSERT_EQ(codes.size(), 20u);
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(http_request(first.data_port(), "POST", "/v1/redeem",
                             redeem_body(codes[i], testing::numbered("o-", i))).status, 200);
    }
    const auto before = listing(directory.path());

    {
      ServerProcess second(ServerOptions{{}, directory.path(), {}, true});
      EXPECT_FALSE(second.started());
      EXPECT_GT(second.wait_for_end(std::chrono::seconds(10)), 0);
      EXPECT_NE(second.error_output().find(directory.path().string()), std::string::npos)
          << second.error_output();
      EXPECT_NE(second.error_output().find(testing::numbered("pid ", first.pid())),
                std::string::npos)
          << second.error_output();
    }
    EXPECT_EQ(listing(directory.path()), before);

    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(redeemed_orders(first, codes[i]),
                std::vector<std::string>{testing::numbered("o-", i)});
    }
    EXPECT_EQ(http_request(first.data_port(), "POST", "/v1/redeem", redeem_body(codes[5], "o-5"))
                  .status,
              200);
    EXPECT_EQ(first.stop(), 0);
  }
  ServerProcess restarted(ServerOptions{{}, directory.path(), {}, false});
  ASSERT_TRUE(restarted.started());
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(redeemed_orders(restarted, codes[i]),
              std::vector<std::string>{testing::numbered("o-", i)});
  }
}

}  // namespace
}  // namespace coupond
