// ImportStream parses CSV the same whatever the chunks it arrives in: every split point of a
// small file gives the same answer as the whole file, lines are numbered as the operator counts
// them, and nothing is loaded until finish.
#include "api/import_stream.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "test_support.h"

namespace coupond::api {
namespace {

const std::string csv =
    "code,customer,segment\r\nSUMMER-2026\nbad code!\n\nVIP0001,cust-7,gold\r\nsummer2026\nA,B,C,D\nLAST";

std::string answer_for(const std::vector<std::string_view>& chunks) {
  testing::EngineFixture fixture;
  fixture.create(testing::amount_off_batch("partner"));
  ImportStream stream;
  for (std::string_view chunk : chunks) stream.consume(chunk);
  EXPECT_EQ(fixture.engine->coupon_count(), 0u);  // nothing loaded before finish
  const ApiResponse response = stream.finish(*fixture.engine, "partner");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(fixture.engine->coupon_count(), 3u);
  return response.body;
}

TEST(ImportStreamTest, EverySplitOfTheBodyGivesTheSameAnswer) {
  const std::string whole = answer_for({csv});
  const auto object = boost::json::parse(whole).as_object();
  EXPECT_EQ(object.at("imported").as_int64(), 3);
  EXPECT_EQ(object.at("duplicates").as_int64(), 1);
  const auto& rejected = object.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].at("line").as_int64(), 3);
  EXPECT_EQ(rejected[1].at("line").as_int64(), 7);
  for (std::size_t split = 1; split < csv.size(); ++split) {
    const std::string_view text = csv;
    EXPECT_EQ(answer_for({text.substr(0, split), text.substr(split)}), whole) << split;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < csv.size(); ++i) bytes.push_back(std::string_view(csv).substr(i, 1));
  EXPECT_EQ(answer_for(bytes), whole);
}

TEST(ImportStreamTest, AnUnknownBatchLoadsNothing) {
  testing::EngineFixture fixture;
  ImportStream stream;
  stream.consume("CODE1\nCODE2\n");
  EXPECT_EQ(stream.finish(*fixture.engine, "missing").status, 404);
}

}  // namespace
}  // namespace coupond::api
