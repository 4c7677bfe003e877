// What customer ids and segments may hold: valid UTF-8 without control characters, within their
// bound, and the sentence that names the field when they do not.
#include "rules/text_check.h"

#include <gtest/gtest.h>

namespace coupond::rules {
namespace {

TEST(TextCheckTest, PrintableUtf8IsClean) {
  for (const char* text : {"", "cust-42", "Doe, Jane", "李雷", "Zoë", "🎁 gift", "a\"b"}) {
    EXPECT_TRUE(is_clean_text(text)) << text;
  }
}

TEST(TextCheckTest, ControlCharactersAndBrokenUtf8AreNot) {
  using namespace std::string_view_literals;
  for (std::string_view text :
       {"tab\there"sv, "new\nline"sv, "cr\r"sv, "nul\0x"sv, "del\x7F"sv, "c1 \xC2\x85"sv,
        "lone \x80"sv, "cut \xE6\x9D"sv, "overlong \xC0\xAF"sv, "surrogate \xED\xA0\x80"sv,
        "too high \xF4\x90\x80\x80"sv, "bad lead \xFF"sv, "escape \x1B[31m"sv}) {
    EXPECT_FALSE(is_clean_text(text)) << text;
  }
}

TEST(TextCheckTest, TheSentenceNamesTheField) {
  EXPECT_EQ(check_field_text("customer", "cust-42", 128), "");
  EXPECT_EQ(check_field_text("customers[3].segment", std::string(65, 'g'), 64),
            "customers[3].segment must be at most 64 bytes");
  EXPECT_EQ(check_field_text("customer", "a\nb", 128),
            "customer must be UTF-8 text without control characters");
}

}  // namespace
}  // namespace coupond::rules
