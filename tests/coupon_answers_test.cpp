// The data plane's answers written without a DOM (coupon_answers.cpp) are the bytes the
// Boost.JSON objects they replace serialized to, for every reason, every discount type, replays,
// holds, and codes as typed that need escaping; and a JSON reader reads them back as those.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/coupon_json.h"
#include "api/json_writer.h"
#include "api/responses.h"
#include "dom_coupon_json.h"
#include "test_support.h"

namespace coupond::testing {
namespace {

// Typed codes that the answer echoes when the engine could not read them: plain, and every kind
// of character JSON must escape, with UTF-8 and DEL that it must not.
const std::vector<std::string> typed_codes = {
    "D11-7KQ2-M9XA", "quote\" back\\slash /\b\f\n\r\t\x01\x1f\x7f \xc3\xa9", ""};

void expect_same_json(const std::string& written, const std::string& reference) {
  EXPECT_EQ(written, reference);
  boost::system::error_code error;
  const boost::json::value read = boost::json::parse(written, error);
  ASSERT_FALSE(error) << written;
  EXPECT_EQ(read, boost::json::parse(reference));
}

struct AnswersFixture : ::testing::Test {
  EngineFixture fixture;
  std::vector<const Batch*> batches;

  void SetUp() override {
    BatchDefinition threshold = amount_off_batch("threshold-batch");
    threshold.discount.type = DiscountType::threshold;
    threshold.discount.min_amount = 10'000;
    threshold.max_uses_per_customer = 2;
    batches.push_back(fixture.create(threshold));
    BatchDefinition percent = amount_off_batch("percent_batch.1");
    percent.discount.type = DiscountType::percent_off;
    percent.discount.percent = 15;
    batches.push_back(fixture.create(percent));
    batches.push_back(nullptr);
  }
};

Outcome outcome_with(Reason reason, const Batch* batch, std::string_view code) {
  Outcome outcome;
  outcome.reason = reason;
  outcome.batch = batch;
  outcome.code.size = static_cast<std::uint8_t>(code.copy(outcome.code.chars.data(), code_text_max));
  return outcome;
}

TEST_F(AnswersFixture, RefusalsForEveryReasonAreTheDomAnswers) {
  for (int value = 1; value <= static_cast<int>(Reason::storage_full); ++value) {
    const auto reason = static_cast<Reason>(value);
    for (const Batch* batch : batches) {
      for (const std::string_view code : {"", "T-AAAA-BBBB"}) {
        for (const std::string& typed : typed_codes) {
          for (const std::string_view flag : {"valid", "redeemed", "reserved"}) {
            SCOPED_TRACE(std::string(reason_name(reason)) + " " + std::string(flag) + " " + typed);
            const Outcome outcome = outcome_with(reason, batch, code);
            std::string written;
            api::write_refusal_answer(outcome, typed, flag, &written);
            expect_same_json(written, dom::refusal_answer(outcome, typed, flag));
          }
        }
      }
    }
  }
}

TEST_F(AnswersFixture, AcceptedAnswersForEveryDiscountAreTheDomAnswers) {
  const std::string sku = "GIFT \"box\"\\1\n";
  for (int type = 0; type <= static_cast<int>(DiscountType::free_item); ++type) {
    for (const bool replayed : {false, true}) {
      for (const Batch* batch : batches) {
        for (const std::string& typed : typed_codes) {
          Outcome outcome = outcome_with(Reason::ok, batch, typed.size() % 2 ? "T-CODE" : "");
          outcome.discount.type = static_cast<DiscountType>(type);
          outcome.discount.amount = type == 3 ? 0 : 123'456'789'012;
          outcome.discount.sku = type == 3 ? std::string_view(sku) : std::string_view();
          outcome.discount.quantity = type == 3 ? 3 : 0;
          outcome.uses_left = 4'000'000'000u;
          outcome.replayed = replayed;
          outcome.redemption_id = 0xfedcba9876543210u;
          outcome.hold_expires_at = campaign_start() + std::chrono::microseconds(replayed ? 1'500'001 : 0);
          SCOPED_TRACE(typed);
          std::string written;
          api::write_validate_answer(outcome, typed, &written);
          expect_same_json(written, dom::validate_answer(outcome, typed));
          for (const bool reserve : {false, true}) {
            written.clear();
            api::write_taken_answer(outcome, typed, reserve, &written);
            expect_same_json(written, dom::taken_answer(outcome, typed, reserve));
          }
        }
      }
    }
  }
}

TEST(CouponAnswers, RollbackAndErrorAnswersAreTheDomAnswers) {
  for (const bool replayed : {false, true}) {
    RollbackOutcome outcome;
    outcome.reason = Reason::ok;
    outcome.found = true;
    outcome.replayed = replayed;
    outcome.uses_left = replayed ? 7 : 0;
    outcome.code.size = static_cast<std::uint8_t>(
        std::string_view("T-AAAA-BBBB").copy(outcome.code.chars.data(), code_text_max));
    std::string written;
    api::write_rollback_answer(outcome, &written);
    expect_same_json(written, dom::rollback_answer(outcome));
  }
  for (const std::string& message : typed_codes) {
    std::string written;
    api::write_error_answer("bad_request", message, &written);
    expect_same_json(written, dom::error_answer("bad_request", message));
  }
}

// The body json_answer gives has room for the longest answer to a redemption or a reserve (a
// canonical code and a batch id at their limits, the largest amounts), so that writing it does
// not grow the string again.
TEST_F(AnswersFixture, TheLongestAcceptedAnswerFitsTheRoomMade) {
  BatchDefinition longest = amount_off_batch(std::string(batch_id_length_max, 'b'));
  const Batch* batch = fixture.create(longest);
  ASSERT_NE(batch, nullptr);
  Outcome outcome = outcome_with(Reason::ok, batch, std::string(code_text_max, 'C'));
  outcome.discount.type = DiscountType::percent_off;
  outcome.discount.amount = -9'223'372'036'854'775'807 - 1;
  outcome.uses_left = 4'294'967'295u;
  outcome.redemption_id = ~std::uint64_t{0};
  outcome.hold_expires_at = campaign_start() + std::chrono::microseconds(999'999);
  for (const bool reserve : {false, true}) {
    api::ApiResponse response = api::json_answer(200);
    const std::size_t room = response.body.capacity();
    api::write_taken_answer(outcome, "", reserve, &response.body);
    EXPECT_EQ(response.body.capacity(), room) << response.body.size();
  }
}

TEST(CouponAnswers, AnswersAppendToWhatTheStringHolds) {
  std::string written = "[";
  api::write_error_answer("a", "b", &written);
  written += ',';
  api::append_json_integer(&written, -9'223'372'036'854'775'807 - 1);
  written += ']';
  EXPECT_EQ(written, R"([{"error":{"code":"a","message":"b"}},-9223372036854775808])");
}

}  // namespace
}  // namespace coupond::testing

namespace coupond::testing {
namespace {

// Redemption ids are named "rdm_" and sixteen lower-case hex digits, zero-padded.
TEST(RedemptionNameTest, IsRdmAndSixteenLowerCaseHexDigits) {
  EXPECT_EQ(api::redemption_name(0), "rdm_0000000000000000");
  EXPECT_EQ(api::redemption_name(0x1234abcdULL), "rdm_000000001234abcd");
  EXPECT_EQ(api::redemption_name(~0ULL), "rdm_ffffffffffffffff");
  EXPECT_EQ(api::redemption_name(0xf000000000000001ULL), "rdm_f000000000000001");
}

}  // namespace
}  // namespace coupond::testing
