// Channel names come from clients: a batch's stats count the first channels_per_batch_max by name
// and every use past them under one overflow name, never refusing one, so by_channel stays bounded
// however many names are made up, across shards, rollbacks and restarts.
#include <gtest/gtest.h>

#include "test_support.h"

namespace coupond {
namespace {

using testing::amount_off_batch;
using testing::EngineFixture;
using testing::request_for;

Outcome redeem_in(Engine& engine, const std::string& code, const std::string& order_id,
                  const std::string& channel) {
  CouponRequest request = request_for(code, order_id);
  request.order.channel = channel;
  return engine.redeem(request);
}

std::map<std::string, std::int64_t> by_channel(Engine& engine) {
  BatchReport report;
  EXPECT_TRUE(engine.batch_report("wide", &report).is_ok());
  return report.by_channel;
}

TEST(ChannelNamesTest, ChannelsPastTheLimitAreCountedUnderOneName) {
  EngineFixture fixture(/*shard_bits=*/4);
  BatchDefinition definition = amount_off_batch("wide");
  definition.max_uses_per_code = 1'000;
  fixture.create(definition);
  const auto codes = fixture.generate("wide", 8);
  const std::size_t extra = 50;
  for (std::size_t i = 0; i < channels_per_batch_max + extra; ++i) {
    const std::string& code = codes[i % codes.size()];
    ASSERT_TRUE(
        redeem_in(*fixture.engine, code, testing::numbered("o-", i), testing::numbered("ch-", i)).ok())
        << i;
  }
  auto channels = by_channel(*fixture.engine);
  EXPECT_EQ(channels.size(), channels_per_batch_max + 1);
  EXPECT_EQ(channels[std::string(channel_overflow_name)], static_cast<std::int64_t>(extra));
  EXPECT_EQ(channels["ch-0"], 1);
  EXPECT_EQ(channels.count(testing::numbered("ch-", channels_per_batch_max)), 0u);

  // A known channel still counts by name, in any shard; a use counted under the overflow name
  // leaves it when rolled back.
  ASSERT_TRUE(redeem_in(*fixture.engine, codes[3], "again", "ch-0").ok());
  const std::size_t last = channels_per_batch_max + extra - 1;
  ASSERT_TRUE(
      fixture.engine->rollback(codes[last % codes.size()], testing::numbered("o-", last)).found);
  channels = by_channel(*fixture.engine);
  EXPECT_EQ(channels["ch-0"], 2);
  EXPECT_EQ(channels[std::string(channel_overflow_name)], static_cast<std::int64_t>(extra - 1));

  SnapshotInfo snapshot;
  ASSERT_TRUE(fixture.engine->snapshot(&snapshot).is_ok());
  ASSERT_TRUE(fixture.reopen().is_ok());
  ASSERT_TRUE(redeem_in(*fixture.engine, codes[5], "new", "brand-new").ok());
  ASSERT_TRUE(redeem_in(*fixture.engine, codes[6], "old", "ch-7").ok());
  channels = by_channel(*fixture.engine);
  EXPECT_EQ(channels.size(), channels_per_batch_max + 1);
  EXPECT_EQ(channels[std::string(channel_overflow_name)], static_cast<std::int64_t>(extra));
  EXPECT_EQ(channels["ch-7"], 2);
}

}  // namespace
}  // namespace coupond
