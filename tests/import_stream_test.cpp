// ImportStream parses CSV (RFC 4180) the same whatever the chunks it arrives in: every split point
// of a small file gives the same answer as the whole file, lines are numbered as the operator
// counts them, and nothing is loaded until finish. Quoted fields keep their commas, a header is
// skipped only when the first line is exactly one, and customer ids must be text.
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

// Runs body through an ImportStream in chunks of chunk_size bytes; answers the parsed answer.
boost::json::object import_in_chunks(testing::EngineFixture& fixture, std::string_view body,
                                     std::size_t chunk_size) {
  ImportStream stream;
  for (std::size_t at = 0; at < body.size(); at += chunk_size) stream.consume(body.substr(at, chunk_size));
  const ApiResponse response = stream.finish(*fixture.engine, "partner");
  EXPECT_EQ(response.status, 200) << response.body;
  return boost::json::parse(response.body).as_object();
}

std::string customer_of(testing::EngineFixture& fixture, std::string_view code) {
  CouponDescription description;
  EXPECT_TRUE(fixture.engine->describe_coupon(code, &description).is_ok()) << code;
  return description.customer;
}

TEST(ImportStreamTest, QuotedFieldsKeepTheirCommasAndQuotesInEveryChunking) {
  const std::string body =
      "VIP0001,\"Doe, Jane\",gold\r\n\"VIP0002\",\"say \"\"hi\"\"\"\nVIP0003,\"unclosed\n";
  // Chunks of 1, 2, 3, 5 ... bytes put split points inside every quoted field (CsvTest tries every
  // chunking of the reader alone).
  for (std::size_t size : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                           std::size_t{8}, std::size_t{13}, body.size()}) {
    testing::EngineFixture fixture;
    fixture.create(testing::amount_off_batch("partner"));
    const auto answer = import_in_chunks(fixture, body, size);
    EXPECT_EQ(answer.at("imported").as_int64(), 2) << size;
    EXPECT_EQ(customer_of(fixture, "VIP0001"), "Doe, Jane") << size;
    EXPECT_EQ(customer_of(fixture, "VIP0002"), "say \"hi\"") << size;
    const auto& rejected = answer.at("rejected").as_array();
    ASSERT_EQ(rejected.size(), 1u) << size;
    EXPECT_EQ(rejected[0].at("line").as_int64(), 3);
    EXPECT_EQ(rejected[0].at("reason").as_string(), "a quoted field is not closed");
  }
}

TEST(ImportStreamTest, OnlyAnExactHeaderIsSkipped) {
  for (const char* header : {"code", "CODE,Customer", "Code,customer,SEGMENT"}) {
    testing::EngineFixture fixture;
    fixture.create(testing::amount_off_batch("partner"));
    const auto answer = import_in_chunks(fixture, std::string(header) + "\nVIP0001\n", 64);
    EXPECT_EQ(answer.at("imported").as_int64(), 1) << header;
    EXPECT_EQ(answer.at("rejected_count").as_int64(), 0) << header;
  }
  // Real codes that merely start with "code" are codes.
  testing::EngineFixture fixture;
  fixture.create(testing::amount_off_batch("partner"));
  const auto answer = import_in_chunks(fixture, "code2026\ncodes\nVIP0001\n", 64);
  EXPECT_EQ(answer.at("imported").as_int64(), 3);
  CouponDescription description;
  EXPECT_TRUE(fixture.engine->describe_coupon("CODE2026", &description).is_ok());
}

TEST(ImportStreamTest, ACustomerOrSegmentThatIsNotTextRejectsItsLine) {
  testing::EngineFixture fixture;
  fixture.create(testing::amount_off_batch("partner"));
  const auto answer = import_in_chunks(
      fixture, "VIP0001,\"bad\x01id\"\nVIP0002,cust,\"gold\r\nline\"\nVIP0003,\xFF\xFE\nVIP0004,ok\n", 64);
  EXPECT_EQ(answer.at("imported").as_int64(), 1);
  const auto& rejected = answer.at("rejected").as_array();
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].at("line").as_int64(), 1);
  EXPECT_EQ(rejected[0].at("reason").as_string(), "customer must be UTF-8 text without control characters");
  EXPECT_EQ(rejected[1].at("line").as_int64(), 2);
  EXPECT_EQ(rejected[1].at("reason").as_string(), "segment must be UTF-8 text without control characters");
  EXPECT_EQ(rejected[2].at("line").as_int64(), 4);
  EXPECT_EQ(rejected[2].at("reason").as_string(), "customer must be UTF-8 text without control characters");
}

TEST(ImportStreamTest, AnUnknownBatchLoadsNothing) {
  testing::EngineFixture fixture;
  ImportStream stream;
  stream.consume("CODE1\nCODE2\n");
  EXPECT_EQ(stream.finish(*fixture.engine, "missing").status, 404);
}

}  // namespace
}  // namespace coupond::api
