// What a POST /v1/redeem costs around the engine call. Each stage the server puts the request
// through is measured on its own, with the project's own code where it is reachable:
//   BM_HttpParseRedeemRequest: Beast's request parser, made fresh per request and limited as
//     HttpServer limits it (HttpLimits' defaults, which are also coupond's flag defaults), reading
//     the head and then the body of one whole request from memory;
//   BM_JsonDecodeRedeemRequest: api::parse_coupon_request, called as DataPlane::take calls it;
//   BM_JsonEncodeRedeemResponse: the 200 answer to a redemption, written by the function
//     DataPlane::take writes it with (api::write_taken_answer) into a body from api::json_answer;
//   BM_HttpSerializeResponse: that answer made an HTTP/1.1 message as HttpServer's answer() makes
//     it, and its bytes as the serializer hands them to the socket.
// BM_RedeemRequestAllStages runs the four in one iteration, so that their sum can be set against
// BM_RedeemInMemory (engine_bench.cpp), the engine's part of the same request; data_plane_bench.cpp
// calls DataPlane::handle itself. The JSON stages and BM_RedeemRequestAllStages report allocs, the
// heap allocations an iteration makes (allocation_count.h).
// Left out: the socket, TLS, the API key check, the rate limiter, the metrics and the wait for the
// journal. Each benchmark first checks once that its stage yields what it should (the parsed body
// is the one sent, the answer is the expected bytes), and counts the failures of its timed loop,
// so that a stage that broke cannot look fast by doing nothing.
// Beast is otherwise kept inside src/http; it is included here, in no header, because what is
// measured is what that module does with it.
#include <benchmark/benchmark.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "allocation_count.h"
#include "api/api_types.h"
#include "api/coupon_json.h"
#include "api/responses.h"
#include "bench_batch.h"
#include "coupond/engine.h"
#include "http/http_server.h"
#include "redeem_request_text.h"
#include "temp_engine.h"

namespace coupond {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using HttpRequest = bhttp::request<bhttp::string_body>;

constexpr std::string_view authorization = "Bearer k3y-checkout-7d2f9a41c6e8b05d";
constexpr std::string_view redeem_batch = "d11-100-20";
constexpr std::string_view redeem_answer =
    R"({"redeemed":true,"redemption":"rdm_0000000000000001","code":"D11-7KQ2-M9XA-4RTB-XXXX-YY",)"
    R"("batch":"d11-100-20","discount":{"type":"threshold","amount":2000},"uses_left":0,)"
    R"("replayed":false})";

// The request as a checkout service would send it, with the headers such a client sets.
std::string redeem_request_wire() {
  // Appended piece by piece rather than joined with +: GCC 12 at -O3 warns falsely (-Wrestrict)
  // on some chains of std::string concatenation.
  std::string wire = "POST /v1/redeem HTTP/1.1\r\n";
  wire += "Host: coupond.internal:8080\r\n";
  wire += "Content-Type: application/json\r\n";
  wire += "Content-Length: ";
  wire += std::to_string(redeem_body.size());
  wire += "\r\nAuthorization: ";
  wire += authorization;
  wire += "\r\nConnection: keep-alive\r\n";
  wire += "User-Agent: checkout-service/4.2.1\r\n\r\n";
  wire += redeem_body;
  return wire;
}

// Feeds wire to parser as the server's reads do: the head first, then the body (Beast's read of a
// whole message parses eagerly). False on any error, or when wire does not hold a whole message.
template <class Parser>
bool put_whole_message(Parser& parser, std::string_view wire) {
  beast::error_code error;
  while (!parser.is_done()) {
    if (parser.is_header_done()) parser.eager(true);
    const std::size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), error);
    if (error || used == 0) return false;
    wire.remove_prefix(used);
  }
  return true;
}

// The server's first stage: a fresh parser with the listener's limits, released into a message.
bool parse_http_request(std::string_view wire, const http::HttpLimits& limits, HttpRequest* out) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes_max));
  parser.body_limit(limits.body_bytes_max);
  if (!put_whole_message(parser, wire)) return false;
  *out = parser.release();
  return true;
}

// The batch an accepted redemption names, in an engine of its own. Made once, on first use.
const Batch& redeem_answer_batch() {
  static const struct AnswerBatch {
    TempEngine temp{"coupond-request"};
    const Batch* batch = nullptr;
    AnswerBatch() {
      if (!temp.engine->create_batch(bench_batch(std::string(redeem_batch)), &batch).is_ok()) {
        std::abort();
      }
    }
  } answer_batch;
  return *answer_batch.batch;
}

// The engine's answer to the request: the redemption taken, as BM_RedeemInMemory's would be.
Outcome accepted_redemption(std::string_view code) {
  Outcome outcome;
  outcome.reason = Reason::ok;
  outcome.batch = &redeem_answer_batch();
  outcome.code.size = static_cast<std::uint8_t>(code.copy(outcome.code.chars.data(), code_text_max));
  outcome.discount.type = DiscountType::threshold;
  outcome.discount.amount = 2000;
  outcome.uses_left = 0;
  outcome.replayed = false;
  outcome.redemption_id = 1;
  return outcome;
}

// DataPlane::take's answer to a redemption the engine accepted, made as take() makes it.
api::ApiResponse encode_redeem_answer(const Outcome& outcome) {
  api::ApiResponse response = api::json_answer(200);
  api::write_taken_answer(outcome, redeem_code, /*reserve=*/false, &response.body);
  return response;
}

// HttpServer's answer() for an answer that is not streamed, and the bytes its write hands the
// socket, copied into *wire (which keeps its capacity from call to call, as a socket's buffer
// would). The body is moved into the message as answer() moves it, and given back afterwards so
// that a benchmark can serialize the same answer again without paying for a copy.
bool serialize_http_response(api::ApiResponse& response, unsigned version, bool keep_alive,
                             std::string* wire) {
  auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(response.status), version);
  message->set(bhttp::field::server, "coupond");
  message->set(bhttp::field::content_type, response.content_type);
  message->keep_alive(keep_alive);
  message->body() = std::move(response.body);
  message->prepare_payload();
  bhttp::response_serializer<bhttp::string_body> serializer(*message);
  wire->clear();
  beast::error_code error;
  while (!error && !serializer.is_done()) {
    serializer.next(error, [&](beast::error_code&, const auto& buffers) {
      for (const auto buffer : beast::buffers_range_ref(buffers)) {
        wire->append(static_cast<const char*>(buffer.data()), buffer.size());
      }
      serializer.consume(beast::buffer_bytes(buffers));
    });
  }
  response.body = std::move(message->body());
  return !error;
}

// What is wrong with a parsed request, or empty when it is the one redeem_request_wire() sent.
std::string http_request_problem(const HttpRequest& request) {
  if (request.method() != bhttp::verb::post || request.target() != "/v1/redeem") {
    return "the request line was not parsed";
  }
  if (request[bhttp::field::authorization] != authorization || !request.keep_alive()) {
    return "the headers were not parsed";
  }
  if (request.body() != redeem_body) return "the parsed body is not the body sent";
  return {};
}

std::string decoded_request_problem(const api::ParsedCouponRequest& parsed) {
  const CouponRequest& request = parsed.request;
  if (request.code != redeem_code || request.order_id != redeem_order_id ||
      request.customer != "cust-42") {
    return "the request's fields were not read";
  }
  const Order& order = request.order;
  if (order.amount != 12900 || order.currency != "CNY" || order.channel != "app" ||
      order.store != "sh-001" || order.items.size() != 1 || order.items[0].sku != "LATTE-L" ||
      order.items[0].price != 1500 || order.items[0].quantity != 2) {
    return "the order's fields were not read";
  }
  return {};
}

// What is wrong with the response's bytes, or empty when a client reads them back as the 200
// answer to a redemption on a connection kept alive.
std::string http_response_problem(std::string_view wire) {
  bhttp::response_parser<bhttp::string_body> parser;
  if (!put_whole_message(parser, wire)) return "the response's bytes are not one HTTP message";
  const auto& response = parser.get();
  if (response.result() != bhttp::status::ok || response[bhttp::field::server] != "coupond" ||
      response[bhttp::field::content_type] != "application/json" || !response.keep_alive()) {
    return "the response's head is not the server's";
  }
  if (response.body() != redeem_answer) return "the response's body is not the answer";
  return {};
}

void BM_HttpParseRedeemRequest(benchmark::State& state) {
  const std::string wire = redeem_request_wire();
  const http::HttpLimits limits;
  HttpRequest checked;
  const std::string problem = parse_http_request(wire, limits, &checked)
                                  ? http_request_problem(checked)
                                  : "the request did not parse";
  if (!problem.empty()) return state.SkipWithError(problem.c_str());
  benchmark::IterationCount parsed = 0;
  for (auto _ : state) {
    HttpRequest request;
    parsed += parse_http_request(wire, limits, &request);
    benchmark::DoNotOptimize(request.body().data());
    benchmark::ClobberMemory();
  }
  if (parsed != state.iterations()) state.SkipWithError("a request did not parse");
}
BENCHMARK(BM_HttpParseRedeemRequest);

void BM_JsonDecodeRedeemRequest(benchmark::State& state) {
  {
    api::ParsedCouponRequest checked;
    std::string problem = api::parse_coupon_request(redeem_body, true, &checked);
    if (problem.empty()) problem = decoded_request_problem(checked);
    if (!problem.empty()) return state.SkipWithError(problem.c_str());
  }
  benchmark::IterationCount decoded = 0;
  const AllocationCount count;
  for (auto _ : state) {
    api::ParsedCouponRequest parsed;
    decoded += api::parse_coupon_request(redeem_body, /*needs_order_id=*/true, &parsed).empty();
    benchmark::DoNotOptimize(parsed.request.code.data());
    benchmark::DoNotOptimize(parsed.request.order.items.data());
    benchmark::ClobberMemory();
  }
  count.report(state);
  if (decoded != state.iterations()) state.SkipWithError("a request body did not decode");
}
BENCHMARK(BM_JsonDecodeRedeemRequest);

void BM_JsonEncodeRedeemResponse(benchmark::State& state) {
  const Outcome outcome = accepted_redemption(redeem_code);
  if (encode_redeem_answer(outcome).body != redeem_answer) {
    return state.SkipWithError("the answer is not the expected JSON");
  }
  std::size_t bytes = 0;
  const AllocationCount count;
  for (auto _ : state) {
    api::ApiResponse response = encode_redeem_answer(outcome);
    bytes += response.body.size();
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
  count.report(state);
  if (bytes != state.iterations() * redeem_answer.size()) {
    state.SkipWithError("an answer came out at another length");
  }
}
BENCHMARK(BM_JsonEncodeRedeemResponse);

void BM_HttpSerializeResponse(benchmark::State& state) {
  api::ApiResponse response;
  response.body = redeem_answer;
  std::string wire;
  std::string problem = serialize_http_response(response, 11, true, &wire)
                            ? http_response_problem(wire)
                            : "the response did not serialize";
  if (!problem.empty()) return state.SkipWithError(problem.c_str());
  const std::size_t wire_size = wire.size();
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes += serialize_http_response(response, 11, true, &wire) ? wire.size() : 0;
    benchmark::DoNotOptimize(wire.data());
    benchmark::ClobberMemory();
  }
  if (bytes != state.iterations() * wire_size) state.SkipWithError("a response did not serialize");
}
BENCHMARK(BM_HttpSerializeResponse);

// The four stages chained as the server chains them, each taking what the one before gave: the
// answer's code is the one the body named, and the response follows the request's version and
// keep-alive. Only the engine's call is left out, replaced by its fixed answer.
void BM_RedeemRequestAllStages(benchmark::State& state) {
  const std::string request_wire = redeem_request_wire();
  const http::HttpLimits limits;
  std::string response_wire;
  benchmark::IterationCount answered = 0;
  const AllocationCount count;
  for (auto _ : state) {
    HttpRequest request;
    bool ok = parse_http_request(request_wire, limits, &request);
    api::ParsedCouponRequest parsed;
    ok = ok && api::parse_coupon_request(request.body(), true, &parsed).empty();
    api::ApiResponse response =
        encode_redeem_answer(accepted_redemption(parsed.request.code));
    ok = ok && serialize_http_response(response, request.version(), request.keep_alive(),
                                       &response_wire);
    answered += ok;
    benchmark::DoNotOptimize(response_wire.data());
    benchmark::ClobberMemory();
  }
  count.report(state);
  if (answered != state.iterations()) return state.SkipWithError("a request was not answered");
  // The last answer stands for all: every iteration did the same work on the same input.
  const std::string problem = http_response_problem(response_wire);
  if (!problem.empty()) state.SkipWithError(problem.c_str());
}
BENCHMARK(BM_RedeemRequestAllStages);

}  // namespace
}  // namespace coupond
