// RFC 3339 in, UTC "Z" out: offsets are applied, fractions kept to the microsecond, and
// impossible dates refused.
#include "rules/time_text.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace coupond {
namespace {

Timestamp parsed(std::string_view text) {
  Timestamp t{};
  EXPECT_TRUE(parse_rfc3339(text, &t)) << text;
  return t;
}

TEST(TimeTextTest, OffsetsAreAppliedAndOutputIsUtc) {
  EXPECT_EQ(parsed("2026-11-11T00:00:00Z"), testing::campaign_start());
  EXPECT_EQ(format_rfc3339_utc(parsed("2026-11-11T00:00:00+08:00")), "2026-11-10T16:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(parsed("2026-11-11T00:00:00-05:30")), "2026-11-11T05:30:00Z");
  EXPECT_EQ(format_rfc3339_utc(parsed("2026-11-11t08:00:00z")), "2026-11-11T08:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(parsed("2024-02-29T23:59:59.5Z")), "2024-02-29T23:59:59.500000Z");
  EXPECT_EQ(format_rfc3339_utc(parsed("2026-01-01T00:00:00.123456789Z")),
            "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(format_rfc3339_utc(Timestamp{}), "1970-01-01T00:00:00Z");
}

TEST(TimeTextTest, RoundTripsThroughFormat) {
  for (std::string_view text : {"2026-11-11T00:00:00Z", "1999-12-31T23:59:59.000001Z",
                                "9999-12-31T23:59:59Z"}) {
    EXPECT_EQ(format_rfc3339_utc(parsed(text)), text);
  }
}

TEST(TimeTextTest, RefusesWhatIsNotATime) {
  Timestamp t{};
  for (std::string_view text :
       {"", "2026-11-11", "2026-11-11T00:00:00", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-11T24:00:00Z", "2026-11-11T23:60:00Z", "2026-13-01T00:00:00Z",
        "2026-11-11T00:00:00+8:00", "2026-11-11T00:00:00.Z", "2026-11-11T00:00:00Zjunk",
        "1969-12-31T23:59:59Z", "2026/11/11T00:00:00Z", "next tuesday"}) {
    EXPECT_FALSE(parse_rfc3339(text, &t)) << text;
  }
}

// The range is the instant's, not the local date's: a time the API accepts it must be able to
// read back in the UTC form it answers with.
TEST(TimeTextTest, RefusesOffsetsThatCarryTheInstantOutOfRange) {
  Timestamp t{};
  EXPECT_FALSE(parse_rfc3339("1970-01-01T00:00:00+08:00", &t));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59-08:00", &t));
  for (std::string_view text : {"1970-01-01T00:00:00-08:00", "1970-01-01T08:00:00+08:00",
                                "9999-12-31T23:59:59.999999+08:00", "9999-12-31T23:59:59Z"}) {
    Timestamp again{};
    ASSERT_TRUE(parse_rfc3339(text, &t)) << text;
    EXPECT_TRUE(parse_rfc3339(format_rfc3339_utc(t), &again)) << text;
    EXPECT_EQ(again, t) << text;
  }
}

}  // namespace
}  // namespace coupond
