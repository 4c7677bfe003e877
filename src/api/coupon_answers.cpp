// The data plane's answers, written straight into the response's body (json_writer.h): these
// are built for every checkout request, so they build no boost::json::object.
#include "api/coupon_json.h"
#include "api/json_writer.h"
#include "rules/time_text.h"

namespace coupond::api {
namespace {

void write_code_and_batch(const Outcome& outcome, std::string_view typed, std::string* out) {
  append_json_key(out, "code");
  append_json_string(out, outcome.code.size > 0 ? outcome.code.view() : typed);
  if (outcome.batch != nullptr) {
    append_json_key(out, "batch");
    append_json_string(out, outcome.batch->id());
  }
}

void write_discount(const DiscountResult& discount, std::string* out) {
  append_json_key(out, "discount");
  out->push_back('{');
  append_json_key(out, "type", /*first=*/true);
  append_json_string(out, discount_type_name(discount.type));
  if (discount.type == DiscountType::free_item) {
    append_json_key(out, "sku");
    append_json_string(out, discount.sku);
    append_json_key(out, "quantity");
    append_json_integer(out, discount.quantity);
  } else {
    append_json_key(out, "amount");
    append_json_integer(out, discount.amount);
  }
  out->push_back('}');
}

void write_flag(std::string_view flag, bool value, std::string* out) {
  out->push_back('{');
  append_json_key(out, flag, /*first=*/true);
  append_json_bool(out, value);
}

void write_uses_left(std::uint32_t uses_left, std::string* out) {
  append_json_key(out, "uses_left");
  append_json_integer(out, uses_left);
}

void write_replayed(bool replayed, std::string* out) {
  append_json_key(out, "replayed");
  append_json_bool(out, replayed);
}

}  // namespace

void write_refusal_answer(const Outcome& outcome, std::string_view typed, std::string_view flag,
                          std::string* out) {
  write_flag(flag, false, out);
  write_code_and_batch(outcome, typed, out);
  append_json_key(out, "reason");
  append_json_string(out, reason_name(outcome.reason));
  append_json_key(out, "message");
  append_json_string(out, explain(outcome));
  out->push_back('}');
}

void write_validate_answer(const Outcome& outcome, std::string_view typed, std::string* out) {
  write_flag("valid", true, out);
  write_code_and_batch(outcome, typed, out);
  write_discount(outcome.discount, out);
  write_uses_left(outcome.uses_left, out);
  out->push_back('}');
}

void write_taken_answer(const Outcome& outcome, std::string_view typed, bool reserve,
                        std::string* out) {
  write_flag(reserve ? "reserved" : "redeemed", true, out);
  if (!reserve) {
    append_json_key(out, "redemption");
    out->push_back('"');  // the name is letters, digits and '_': nothing to escape
    append_redemption_name(outcome.redemption_id, out);
    out->push_back('"');
  }
  write_code_and_batch(outcome, typed, out);
  write_discount(outcome.discount, out);
  if (reserve) {
    append_json_key(out, "expires_at");
    char time[rfc3339_text_max];
    append_json_string(out, std::string_view(time, write_rfc3339_utc(outcome.hold_expires_at, time)));
  }
  write_uses_left(outcome.uses_left, out);
  write_replayed(outcome.replayed, out);
  out->push_back('}');
}

void write_rollback_answer(const RollbackOutcome& outcome, std::string* out) {
  write_flag("rolled_back", true, out);
  append_json_key(out, "code");
  append_json_string(out, outcome.code.view());
  write_uses_left(outcome.uses_left, out);
  write_replayed(outcome.replayed, out);
  out->push_back('}');
}

void write_error_answer(std::string_view code, std::string_view message, std::string* out) {
  out->append(R"({"error":{"code":)");
  append_json_string(out, code);
  append_json_key(out, "message");
  append_json_string(out, message);
  out->append("}}");
}

}  // namespace coupond::api
