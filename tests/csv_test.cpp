// RFC 4180 both ways: what append_field writes, Reader reads back as the same fields, whatever
// the chunks it arrives in; quoted commas, quotes and line breaks stay inside their field; bad
// quoting and oversized records are reported with the line they began on, in bounded memory.
#include "csv/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coupond::csv {
namespace {

struct Record {
  std::vector<std::string> fields;
  std::uint64_t line = 0;
  std::string error;
  bool operator==(const Record&) const = default;
};

std::vector<Record> read_in_chunks(std::string_view text, std::size_t chunk_size,
                                   std::size_t fields_max = 3, std::size_t field_bytes_max = 64) {
  std::vector<Record> records;
  Reader reader(
      [&](std::span<const std::string_view> fields, std::uint64_t line, std::string_view error) {
        records.push_back({{fields.begin(), fields.end()}, line, std::string(error)});
      },
      fields_max, field_bytes_max);
  for (std::size_t at = 0; at < text.size(); at += chunk_size) reader.feed(text.substr(at, chunk_size));
  reader.finish();
  return records;
}

std::vector<Record> read(std::string_view text) { return read_in_chunks(text, text.size() + 1); }

TEST(CsvTest, FieldsAreQuotedOnlyWhenTheyMustBe) {
  std::string out;
  append_field(&out, "cust-42");
  out += ',';
  append_field(&out, "Doe, Jane");
  out += ',';
  append_field(&out, "say \"hi\"");
  out += ',';
  append_field(&out, "two\nlines");
  EXPECT_EQ(out, "cust-42,\"Doe, Jane\",\"say \"\"hi\"\"\",\"two\nlines\"");
}

TEST(CsvTest, WhatIsWrittenIsReadBackWhole) {
  const std::vector<std::string> fields = {"Doe, Jane", "say \"hi\"", "two\r\nlines", "", "plain"};
  std::string text;
  for (const std::string& field : fields) {
    text.clear();
    append_field(&text, field);
    text += ",D11-CODE\r\n";
    const auto records = read(text);
    ASSERT_EQ(records.size(), 1u) << text;
    EXPECT_EQ(records[0].fields, (std::vector<std::string>{field, "D11-CODE"})) << text;
    EXPECT_EQ(records[0].error, "");
  }
}

TEST(CsvTest, EveryChunkingGivesTheSameRecordsAndLines) {
  const std::string text =
      "\xEF\xBB\xBF" "code,customer\r\n\nA1,\"Doe, Jane\"\n\"B\"\"2\",\"multi\nline\",gold\r\nC3\rX\nlast";
  const std::vector<Record> expected = {
      {{"code", "customer"}, 1, ""},
      {{"A1", "Doe, Jane"}, 3, ""},
      {{"B\"2", "multi\nline", "gold"}, 4, ""},
      {{"C3\rX"}, 6, ""},
      {{"last"}, 7, ""},
  };
  EXPECT_EQ(read(text), expected);
  for (std::size_t size = 1; size < text.size(); ++size) {
    EXPECT_EQ(read_in_chunks(text, size), expected) << size;
  }
}

TEST(CsvTest, BadQuotingIsReportedOnItsLine) {
  const auto records = read("ok\nab\"c\n\"closed\"x\n\"never closed\nmore");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].error, "");
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[1].error, "a quote inside a field that is not quoted");
  EXPECT_EQ(records[2].line, 3u);
  EXPECT_EQ(records[2].error, "text after a closing quote");
  EXPECT_EQ(records[3].line, 4u);
  EXPECT_EQ(records[3].error, "a quoted field is not closed");
}

TEST(CsvTest, OversizedRecordsAreCutAndReported) {
  const std::string long_field(10'000, 'x');
  const auto records = read("a,b,c,d,e\n" + long_field + ",ok\nfine\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].error, "more than 3 fields");
  EXPECT_LE(records[0].fields.size(), 3u);
  EXPECT_EQ(records[1].error, "a field is longer than 64 bytes");
  EXPECT_EQ(records[1].fields.at(0).size(), 64u);
  EXPECT_EQ(records[2], (Record{{"fine"}, 3, ""}));
}

}  // namespace
}  // namespace coupond::csv
