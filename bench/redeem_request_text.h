// The body of the redeem request the request benchmarks send, as a checkout service would send
// it: a code, an order id, a customer and an order with one item.
#pragma once

#include <string_view>

namespace coupond {

inline constexpr std::string_view redeem_code = "D11-7KQ2-M9XA-4RTB-XXXX-YY";
inline constexpr std::string_view redeem_order_id = "o-20261111-0001";
inline constexpr std::string_view redeem_body =
    R"({"code":"D11-7KQ2-M9XA-4RTB-XXXX-YY","order_id":"o-20261111-0001","customer":"cust-42",)"
    R"("order":{"amount":12900,"currency":"CNY","channel":"app","store":"sh-001",)"
    R"("items":[{"sku":"LATTE-L","category":"drinks","price":1500,"quantity":2}]}})";

}  // namespace coupond
