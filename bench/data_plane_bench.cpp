// The data plane's steady path, driven through DataPlane::handle as the HTTP server drives it:
// body decoded, engine decision, answer encoded. The allocs counter (allocation_count.h) is the
// scorecard's heap allocations per request; the time includes the engine's HMAC and lookup.
//   BM_DataPlaneValidate: one real code validated again and again (a validation changes nothing);
//   BM_DataPlaneRedeem: each iteration redeems a code not redeemed before under an order id of its
//     own, in an engine with the journal on and group commit, as coupond runs by default. The
//     answer is not waited for: the wait for the journal is the HTTP server's, not the data
//     plane's. The journal thread's own allocations, if any, are counted too.
// Left out: the socket, the HTTP parser and serializer (request_bench.cpp) and the API key check.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "allocation_count.h"
#include "api/api_types.h"
#include "api/data_plane.h"
#include "bench_batch.h"
#include "coupond/engine.h"
#include "redeem_request_text.h"
#include "temp_engine.h"

namespace coupond {
namespace {

// The codes one engine's batch was given, at a fixed stride: a million codes in one allocation.
struct GeneratedCodes {
  static constexpr std::size_t stride = 48;
  std::vector<char> text;
  std::uint64_t count = 0;

  GeneratedCodes(Engine& engine, std::string_view batch_id, std::uint64_t wanted) {
    text.resize(wanted * stride);
    const Status status = engine.generate(batch_id, wanted, [&](std::string_view code) {
      std::memcpy(&text[count++ * stride], code.data(), std::min(code.size(), stride - 1));
    });
    if (!status.is_ok() || count != wanted) std::abort();
  }
  std::string_view code(std::uint64_t index) const {
    const char* start = &text[index * stride];
    return {start, ::strnlen(start, stride)};
  }
};

// redeem_body with another code and another order id, written into *body without allocating once
// its capacity is reached (the order id is decimal digits after a fixed prefix).
void write_body(std::string_view code, std::uint64_t order, std::string* body) {
  static const std::size_t code_at = redeem_body.find(redeem_code);
  static const std::size_t order_at = redeem_body.find(redeem_order_id);
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), order).ptr;
  body->clear();
  body->append(redeem_body.substr(0, code_at));
  body->append(code);
  body->append(redeem_body.substr(code_at + redeem_code.size(),
                                  order_at - code_at - redeem_code.size()));
  body->append("order-");
  body->append(digits, static_cast<std::size_t>(end - digits));
  body->append(redeem_body.substr(order_at + redeem_order_id.size()));
}

api::ApiRequest post(std::string_view path, std::string_view body) {
  api::ApiRequest request;
  request.method = "POST";
  request.path = path;
  request.body = body;
  request.peer = "127.0.0.1";
  return request;
}

void BM_DataPlaneValidate(benchmark::State& state) {
  static TempEngine temp("coupond-validate");
  static const GeneratedCodes codes = [] {
    const Batch* batch = nullptr;
    if (!temp.engine->create_batch(bench_batch("validate"), &batch).is_ok()) std::abort();
    return GeneratedCodes(*temp.engine, "validate", 16);
  }();
  api::DataPlane plane(*temp.engine, api::DataPlaneOptions{}, nullptr);
  std::string body;
  write_body(codes.code(0), 1, &body);
  const api::ApiRequest request = post("/v1/validate", body);
  {
    const api::ApiResponse checked = plane.handle(request);
    if (checked.status != 200 || checked.body.find(R"("valid":true)") == std::string::npos) {
      return state.SkipWithError("the validation was not accepted");
    }
  }
  benchmark::IterationCount answered = 0;
  // As a connection does: one answer lent for every request, its body's memory kept.
  api::ApiResponse response;
  const AllocationCount count;
  for (auto _ : state) {
    response.reset();
    plane.handle(request, response);
    answered += response.status == 200;
    benchmark::DoNotOptimize(response.body.data());
  }
  count.report(state);
  if (answered != state.iterations()) state.SkipWithError("a validation was not answered");
}
BENCHMARK(BM_DataPlaneValidate);

constexpr std::uint64_t redeems_per_repetition = 200'000;
constexpr std::uint64_t redeems_to_warm_up = 1'000;

void BM_DataPlaneRedeem(benchmark::State& state) {
  // Enough codes for five repetitions and their warm-ups; each code is redeemed once, so a
  // repetition goes on where the last one stopped.
  static TempEngine temp("coupond-redeem", Durability::group);
  static const GeneratedCodes codes = [] {
    const Batch* batch = nullptr;
    if (!temp.engine->create_batch(bench_batch("redeem"), &batch).is_ok()) std::abort();
    return GeneratedCodes(*temp.engine, "redeem", 5 * (redeems_to_warm_up + redeems_per_repetition));
  }();
  static std::uint64_t next = 0;
  if (next + redeems_to_warm_up + redeems_per_repetition > codes.count) {
    return state.SkipWithError("out of codes: more repetitions than the codes were made for");
  }
  api::DataPlane plane(*temp.engine, api::DataPlaneOptions{}, nullptr);
  std::string body;
  body.reserve(redeem_body.size() + 64);
  // As a connection does: one answer lent for every request, its body's memory kept.
  api::ApiResponse response;
  const auto redeem = [&]() -> const api::ApiResponse& {
    write_body(codes.code(next), next, &body);
    ++next;
    response.reset();
    plane.handle(post("/v1/redeem", body), response);
    return response;
  };
  // The first requests of a fresh data plane make its one-time allocations (the rate limiter's
  // entry for the client, the shards' first pages of use records): not the steady state.
  const std::uint64_t warm_up_end = next + redeems_to_warm_up;
  while (next < warm_up_end) {
    const api::ApiResponse& answer = redeem();
    if (answer.status != 200 || answer.body.find(R"("redeemed":true)") == std::string::npos) {
      return state.SkipWithError("a redemption was not accepted");
    }
  }
  benchmark::IterationCount redeemed = 0;
  const AllocationCount count;
  for (auto _ : state) {
    const api::ApiResponse& answer = redeem();
    redeemed += answer.status == 200;
    benchmark::DoNotOptimize(answer.body.data());
  }
  count.report(state);
  if (redeemed != state.iterations()) state.SkipWithError("a redemption was not accepted");
}
BENCHMARK(BM_DataPlaneRedeem)->Iterations(redeems_per_repetition);

}  // namespace
}  // namespace coupond
