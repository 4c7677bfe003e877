// A use the shard's use log cannot store (its text arena is full) is refused cleanly: the engine
// answers storage_full and changes nothing (uses, stats, the customer's allowance, the journal),
// the API turns it into a 503, and room made by a compaction is used again. The arena's limit is
// lowered so that it fills without writing 4 GiB.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/data_plane.h"
#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

struct FullFixture : EngineFixture {
  FullFixture() : EngineFixture(/*shard_bits=*/0) {
    options.use_log_text_bytes_max = 100;
    EXPECT_TRUE(reopen().is_ok());
  }
};

TEST(StorageFullTest, AUseThatCannotBeStoredIsRefusedAndChangesNothing) {
  FullFixture fixture;
  BatchDefinition definition = amount_off_batch("limited");
  definition.max_uses_per_customer = 2;
  definition.max_uses_per_code = 5;
  fixture.create(definition);
  const std::string code = fixture.generate("limited", 1).front();
  const std::string long_order(60, 'a');
  ASSERT_TRUE(fixture.engine->redeem(request_for(code, long_order, "alice")).ok());

  const Outcome refused = fixture.engine->redeem(request_for(code, std::string(60, 'b'), "alice"));
  EXPECT_EQ(refused.reason, Reason::storage_full);
  EXPECT_EQ(refused.uses_left, 4u);
  EXPECT_EQ(fixture.engine->find_batch("limited")->stats().redeemed, 1u);
  EXPECT_EQ(fixture.engine->use_record_count(), 1u);
  // The allowance taken for the refused use came back: alice has one left.
  EXPECT_TRUE(fixture.engine->redeem(request_for(code, "short", "alice")).ok());
  EXPECT_EQ(fixture.engine->redeem(request_for(code, "short2", "alice")).reason,
            Reason::customer_limit_reached);

  // A rollback and a snapshot compact the log and make room again.
  ASSERT_TRUE(fixture.engine->rollback(code, long_order).found);
  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  EXPECT_TRUE(fixture.engine->redeem(request_for(code, std::string(60, 'b'), "alice")).ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  EXPECT_EQ(fixture.engine->find_batch("limited")->stats().redeemed, 2u);
}

TEST(StorageFullTest, TheApiAnswers503WithTheReason) {
  FullFixture fixture;
  fixture.create(amount_off_batch("b1"));
  const auto codes = fixture.generate("b1", 2);
  api::DataPlane data_plane(*fixture.engine, {}, nullptr);
  const auto redeem = [&](const std::string& code, const std::string& order_id) {
    const std::string body = boost::json::serialize(
        boost::json::object{{"code", code}, {"order_id", order_id}, {"order", {{"amount", 100}}}});
    return data_plane.handle({"POST", "/v1/redeem", body, "", "127.0.0.1", ""});
  };
  ASSERT_EQ(redeem(codes[0], std::string(90, 'a')).status, 200);
  const api::ApiResponse refused = redeem(codes[1], std::string(20, 'b'));
  EXPECT_EQ(refused.status, 503);
  const boost::json::object answer = boost::json::parse(refused.body).as_object();
  EXPECT_EQ(answer.at("reason").as_string(), "storage_full");
  EXPECT_FALSE(answer.at("redeemed").as_bool());
  EXPECT_NE(std::string(answer.at("message").as_string()).find("cannot store"), std::string::npos);
}

}  // namespace
}  // namespace coupond
