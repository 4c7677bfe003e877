// The data plane's request decoder (coupon_request_json.cpp) reads what the DOM decoder it
// replaced read, and refuses what it refused with the same sentence: a table of good and bad
// bodies, each decoded by both (dom_coupon_json.h keeps the DOM one), with and without order_id
// required.
#include <gtest/gtest.h>

#include "api/coupon_json.h"
#include "dom_coupon_json.h"

namespace coupond::testing {
namespace {

std::string repeated(std::string_view piece, std::size_t times) {
  std::string text;
  for (std::size_t i = 0; i < times; ++i) text += piece;
  return text;
}

std::string with_code(std::string_view rest) {
  std::string body = R"({"code":"T-AAAA","order_id":"o1")";
  body += rest;
  body += '}';
  return body;
}

std::string with_order(std::string_view order) {
  std::string rest = R"(,"order":)";
  rest += order;
  return with_code(rest);
}

std::string with_items(std::string_view items) {
  std::string order = R"({"amount":100,"items":)";
  order += items;
  order += '}';
  return with_order(order);
}

std::vector<std::string> bodies() {
  std::vector<std::string> list = {
      // Not JSON, or not an object.
      "", " ", "{", "}", "[]", "5", R"("x")", "null", "{} x", "{}{}", R"({"code":})",
      "{'code':1}", R"({"code":"A",})", R"(/* c */{"code":"A"})", "{\"code\":\"\xff\"}",
      R"({"code":"\u00"})", R"({"code":"\ud800"})", R"({"code":"A" "order_id":"o"})",
      R"({"code":"A","order_id":"o"})" "\n", "\xef\xbb\xbf{}", R"({"code":01})",
      R"({"code":"A","x":[1,2,)",
      // The top level's fields.
      "{}", R"({"code":null})", R"({"code":5})", R"({"code":["A"]})", R"({"code":""})",
      R"({"code":"A"})", R"({"code":"A","order_id":""})", R"({"code":"A","order_id":null})",
      R"({"code":"A","order_id":7})", R"({"code":"A","order_id":"o","customer":5})",
      R"({"code":"A","order_id":"o","customer":"a\u0001b"})",
      R"({"code":"A","order_id":"o","customer":"a\u00e9\ud83d\ude00"})",
      R"({"code":"A","order_id":"o","customer":"\u007f"})",
      R"({"code":"A","order_id":"o","customer":null})",
      R"({"code":5,"customer":5,"order_id":5,"ttl_s":"x","order":5})",
      R"({"order":5,"ttl_s":"x","order_id":5,"customer":5,"code":5})",
      R"({"order":{"amount":"x"},"code":5})", R"({"code":5,"x":})",
      with_code(R"(,"ttl_s":60)"), with_code(R"(,"ttl_s":-1)"), with_code(R"(,"ttl_s":1.5)"),
      with_code(R"(,"ttl_s":1e3)"), with_code(R"(,"ttl_s":-0)"), with_code(R"(,"ttl_s":true)"),
      with_code(R"(,"ttl_s":9223372036854775807)"), with_code(R"(,"ttl_s":9223372036854775808)"),
      with_code(R"(,"ttl_s":18446744073709551616)"), with_code(R"(,"ttl_s":-9223372036854775809)"),
      with_code(R"(,"ttl_s":null)"), with_code(R"(,"ttl_s":"60")"),
      // Keys given twice count as given last.
      R"({"code":"A","code":5,"order_id":"o"})", R"({"code":5,"code":"A","order_id":"o"})",
      with_code(R"(,"order":{"amount":"x"},"order":{"amount":1})"),
      with_code(R"(,"order":{"amount":1},"order":{"amount":"x"})"),
      with_code(R"(,"order":{"items":[5]},"order":{})"),
      with_code(R"(,"order":{"items":[{"price":1}]},"order":7)"),
      with_order(R"({"items":[5],"items":[{"price":2}]})"),
      with_order(R"({"items":[{"price":2}],"items":{}})"),
      with_items(R"([{"price":1,"price":"x"}])"), with_items(R"([{"price":"x","price":1}])"),
      // Escaped keys and values, unknown fields of every shape.
      R"({"co\u0064e":"A\"B\\C\u00e9","order_\u0069d":"o\/1"})",
      with_code(R"(,"extra":{"a":[1,2,{"b":null,"code":5}],"order":{"amount":"x"}},"e2":[[["x"]]])"),
      with_order(R"({"x":1,"items":[{"price":1,"y":[{"price":"x"}],"z":{"sku":5}}],"y":{"items":5}})"),
      // Unknown fields: each object's first is named, before that object's own fields.
      with_code(R"(,"custmer":"c1")"), with_code(R"(,"codes":["A","B"])"),
      // Several codes on one order.
      R"({"codes":["A","B"],"order_id":"o"})", R"({"codes":["A"],"code":null,"order_id":"o"})",
      R"({"codes":[],"order_id":"o"})", R"({"codes":"A","order_id":"o"})", R"({"codes":null})",
      R"({"codes":["A",5,{"x":1}],"order_id":"o"})", R"({"codes":[["A"]],"order_id":"o"})",
      R"({"codes":["1","2","3","4","5","6","7","8","9","10"]})",
      R"({"codes":["1","2","3","4","5","6","7","8","9","10","11"]})",
      R"({"codes":[")" + std::string(200, 'c') + R"("]})",
      R"({"codes":["A"],"codes":["B","C"],"order_id":"o"})",
      R"({"x":1,"code":5,"y":2})", R"({"code":5,"order":{"chanel":"app"}})",
      with_order(R"({"amount":"x","chanel":"app","stor":"s"})"),
      with_code(R"(,"order":{"chanel":1},"order":{"amount":1})"),
      with_items(R"([{"price":1},{"price":"x","skuu":"A"},{"colour":1}])"),
      with_items(R"([{"price":1,"skuu":"A"},5])"),
      // The order's fields.
      with_order("5"), with_order("[]"), with_order("null"), with_order("{}"),
      with_order(R"({"amount":"x"})"), with_order(R"({"amount":1.5})"), with_order(R"({"amount":1e2})"),
      with_order(R"({"amount":9223372036854775808})"), with_order(R"({"amount":-9223372036854775808})"),
      with_order(R"({"amount":null,"currency":null,"channel":null,"store":null,"items":null})"),
      with_order(R"({"currency":"ABCDEFGH"})"), with_order(R"({"currency":"ABCDEFGHI"})"),
      with_order(R"({"currency":5})"), with_order(R"({"channel":"app","store":"sh-001"})"),
      with_order(R"({"channel":")" + std::string(64, 'c') + R"("})"),
      with_order(R"({"channel":")" + std::string(65, 'c') + R"("})"),
      with_order(R"({"store":[]})"), with_order(R"({"store":{},"amount":"x"})"),
      with_order(R"({"items":{}})"), with_order(R"({"items":"x"})"), with_order(R"({"items":5,"amount":"x"})"),
      // The items.
      with_items("[]"), with_items("[5]"), with_items("[null]"), with_items("[[]]"), with_items(R"(["x"])"),
      with_items("[{}]"), with_items(R"([{"price":1}])"), with_items(R"([{"price":"1"}])"),
      with_items(R"([{"price":1,"quantity":1.5}])"), with_items(R"([{"price":1,"quantity":null}])"),
      with_items(R"([{"price":null}])"), with_items(R"([{"price":1,"sku":5}])"),
      with_items(R"([{"price":1,"category":[]}])"),
      with_items(R"([{"price":1,"sku":")" + std::string(65, 's') + R"("}])"),
      with_items(R"([{"price":1,"sku":"A","category":"B","quantity":3},{"price":2}])"),
      with_items(R"([{"price":1},5])"), with_items(R"([5,{"sku":1}])"), with_items(R"([{"sku":1},5])"),
      with_items(R"([{"price":1},{"price":1,"quantity":"x"},{"sku":1}])"),
      with_items(R"([{"price":18446744073709551615}])"),
      with_items(R"([{"price":1,"sku":"a\u0000b"}])"),
      with_items(R"([{"price":1},{"price":1})"),
      with_items("[" + repeated(R"({"price":1},)", 1000) + R"({"price":1}])"),
      with_items("[" + repeated(R"({"price":1},)", 999) + R"({"price":1}])"),
      with_items("[" + repeated("5,", 1000) + "5]"),
      with_items("[" + repeated(R"({"price":1},)", 999) + "5]"),
      // Strings long enough, and escaped enough, that the parser hands them over in parts.
      R"({"code":")" + repeated(R"(\u0041)", 5000) + R"(","order_id":"o"})",
      R"({"code":")" + repeated(R"(\u0041)", 128) + R"(","order_id":")" + repeated(R"(\u00e9)", 64) + R"("})",
      R"({"code":"A","order_id":"o","customer":")" + repeated(R"(\n)", 3000) + R"("})",
      R"({")" + repeated(R"(\u0078)", 3000) + R"(":1,"code":"A","order_id":"o"})",
      R"({"code":"A","order_id":")" + repeated(R"(\u0078)", 5000) + R"(x"})",
      with_order(R"({"store":")" + repeated(R"(\t)", 5000) + R"("})"),
      // Nesting up to the parser's limit and past it.
      with_code(R"(,"deep":)" + repeated("[", 30) + repeated("]", 30)),
      with_code(R"(,"deep":)" + repeated("[", 40) + repeated("]", 40)),
      with_code(R"(,"deep":)" + repeated(R"({"a":)", 40) + "1" + repeated("}", 40)),
  };
  return list;
}

void expect_same_request(const CouponRequest& got, const CouponRequest& want) {
  EXPECT_EQ(got.code, want.code);
  EXPECT_EQ(got.customer, want.customer);
  EXPECT_EQ(got.order_id, want.order_id);
  EXPECT_EQ(got.order.amount, want.order.amount);
  EXPECT_EQ(got.order.currency, want.order.currency);
  EXPECT_EQ(got.order.channel, want.order.channel);
  EXPECT_EQ(got.order.store, want.order.store);
  ASSERT_EQ(got.order.items.size(), want.order.items.size());
  for (std::size_t i = 0; i < got.order.items.size(); ++i) {
    EXPECT_EQ(got.order.items[i].sku, want.order.items[i].sku);
    EXPECT_EQ(got.order.items[i].category, want.order.items[i].category);
    EXPECT_EQ(got.order.items[i].price, want.order.items[i].price);
    EXPECT_EQ(got.order.items[i].quantity, want.order.items[i].quantity);
  }
}

TEST(CouponRequestJson, EveryBodyDecodesAsTheDomDecoderDecodedIt) {
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (const std::string& body : bodies()) {
    for (const bool needs_order_id : {false, true}) {
      SCOPED_TRACE(body.substr(0, 200) + (needs_order_id ? " (order_id required)" : ""));
      dom::ParsedRequest want;
      const std::string want_error = dom::parse_coupon_request(body, needs_order_id, &want);
      api::ParsedCouponRequest got;
      const std::string got_error = api::parse_coupon_request(body, needs_order_id, &got);
      EXPECT_EQ(got_error, want_error);
      if (!want_error.empty() || !got_error.empty()) {
        ++refused;
        continue;
      }
      ++accepted;
      expect_same_request(got.request, want.request);
      EXPECT_EQ(got.ttl_s, want.ttl_s);
      EXPECT_EQ(std::vector<std::string_view>(got.stack().begin(), got.stack().end()), want.codes);
    }
  }
  // The table holds both kinds in numbers, so that neither side of the comparison is empty.
  EXPECT_GT(accepted, 20u);
  EXPECT_GT(refused, 100u);
}

TEST(CouponRequestJson, TheRequestsTextOutlivesTheBody) {
  api::ParsedCouponRequest parsed;
  {
    std::string body = R"({"code":"T-\u0041","order_id":"o1","order":{"items":[{"sku":"S","price":1}]}})";
    ASSERT_EQ(api::parse_coupon_request(body, true, &parsed), "");
    body.assign(body.size(), 'x');
  }
  EXPECT_EQ(parsed.request.code, "T-A");
  EXPECT_EQ(parsed.request.order_id, "o1");
  ASSERT_EQ(parsed.request.order.items.size(), 1u);
  EXPECT_EQ(parsed.request.order.items[0].sku, "S");
}

}  // namespace
}  // namespace coupond::testing

namespace coupond::testing {
namespace {

// What an unknown field answers, in words: its path, in every place a checkout body has fields.
TEST(CouponRequestJson, AnUnknownFieldIsRefusedNamingItsPath) {
  const std::pair<std::string, std::string> cases[] = {
      {with_code(R"(,"custmer":"c1")"), R"(unknown field "custmer")"},
      {with_order(R"({"amount":100,"chanel":"app"})"), R"(unknown field "order.chanel")"},
      {with_items(R"([{"price":1},{"price":2,"skuu":"A"}])"), R"(unknown field "order.items[1].skuu")"},
      {with_code(R"(,"codes":["A","B"])"), "give code or codes, not both"},
      {R"({"codes":["A"],"order_id":"o","ordr":{}})", R"(unknown field "ordr")"},
  };
  for (const auto& [body, sentence] : cases) {
    for (const bool needs_order_id : {false, true}) {
      api::ParsedCouponRequest parsed;
      EXPECT_EQ(api::parse_coupon_request(body, needs_order_id, &parsed), sentence) << body;
    }
  }
}

}  // namespace
}  // namespace coupond::testing
