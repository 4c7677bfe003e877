// The data plane: what checkout systems call (POST /v1/validate, /v1/redeem, /v1/reserve,
// /v1/rollback, GET /v1/coupons/{code}, GET /healthz, GET /v1/role).
#pragma once

#include <chrono>
#include <string>

#include "api/api_types.h"
#include "api/coupon_json.h"
#include "api/rate_limiter.h"
#include "cluster/node_role.h"
#include "coupond/engine.h"
#include "coupond/limits.h"

namespace coupond::api {

struct DataPlaneOptions {
  // A reserve without ttl_s holds for this long, or hold_ttl_max if that is shorter.
  std::chrono::seconds hold_ttl_default{900};
  std::chrono::seconds hold_ttl_max{3600};  // a reserve asking for more gets this much
  // Codes that are not real (invalid_code, unknown_code) one customer may try per minute before
  // every answer to it is rate_limited until the minute ends; 0 turns the limit off.
  std::uint32_t bad_codes_per_customer_per_minute = 30;
  // The same per client: the API key's name, or without keys the peer address. A checkout front
  // end speaks for many shoppers, some of whom mistype: this is sized so that a busy one stays
  // under it (docs/operator.md says how) while one client guessing is still held back.
  std::uint32_t bad_codes_per_client_per_minute = 60'000;
  // Without API keys, serve peers that are not on this machine too (otherwise they get 403).
  bool open_to_any_peer = false;
  // The node's partition (--partition, its canonical name): a request for a code that does not
  // begin with it is answered 421 wrong_partition (docs/routing.md). Empty: no partition, no check.
  std::string partition;
};

class ApiKeys;

// The status of a refusal: 409 for a coupon or campaign whose uses or budget are spent or held
// (or an order id already used differently), 429 when rate limited, 503 when the use cannot be
// stored, 422 for every other business rule.
int refusal_status(Reason reason);
// invalid_code or unknown_code: what the bad-code limits count.
bool is_not_real(Reason reason);
// How many codes of an answered request (one code, or a stack) the bad-code limits count: none
// when the request itself was refused.
std::size_t not_real_codes(const Outcome& outcome);
std::size_t not_real_codes(const StackOutcome& outcome);

// The engine's journal as the transport waits on it.
class EngineJournal final : public DurableSequences {
 public:
  explicit EngineJournal(Engine& engine) : engine_(engine) {}
  std::uint64_t durable_through() const override { return engine_.durable_sequence(); }
  bool failed() const override { return engine_.journal_failed(); }
  void subscribe(std::function<void()> wake) const override {
    engine_.subscribe_durable(std::move(wake));
  }

 private:
  Engine& engine_;
};

class DataPlane {
 public:
  // keys, when not null, must outlive the DataPlane; every request but /healthz and /v1/role then
  // needs one. role, which must outlive it too, says whether changes may be acknowledged (a
  // cluster node's lease); without it the node is single and always may.
  DataPlane(Engine& engine, DataPlaneOptions options, const ApiKeys* keys,
            const cluster::NodeRole& role = cluster::single_node())
      : engine_(engine),
        journal_(engine),
        options_(options),
        keys_(keys),
        role_(role),
        customer_limiter_(options.bad_codes_per_customer_per_minute, rate_limit_ids_max),
        client_limiter_(options.bad_codes_per_client_per_minute, rate_limit_ids_max) {}
  // Answers request into *answer, which the caller has reset (ApiResponse::reset): a connection
  // lends the same answer to all its requests, so that its body's memory is reused.
  void handle(const ApiRequest& request, ApiResponse& answer);
  ApiResponse handle(const ApiRequest& request) {
    ApiResponse answer;
    handle(request, answer);
    return answer;
  }

 private:
  // Who sent a request: the API key's name (empty without keys) and the id its bad codes are
  // counted under (the key's name, or the peer address).
  struct Caller {
    std::string_view key_name;
    std::string_view client;
  };
  void validate(std::string_view body, const Caller& caller, ApiResponse& answer);
  void take(std::string_view body, bool reserve, const Caller& caller, ApiResponse& answer);
  void rollback(std::string_view body, const Caller& caller, ApiResponse& answer);
  void describe(std::string_view code, const Caller& caller, ApiResponse& answer);
  // GET /v1/role: 200 on a primary holding its lease (and on a single node), 503 otherwise.
  void describe_role(ApiResponse& answer) const;
  // The same for several codes on one order (data_plane_stacks.cpp).
  void validate_stack(const ParsedCouponRequest& parsed, const Caller& caller, ApiResponse& answer);
  void take_stack(const ParsedCouponRequest& parsed, bool reserve, std::chrono::seconds ttl,
                  const Caller& caller, ApiResponse& answer);
  void rollback_stack(const ParsedCouponRequest& parsed, const Caller& caller, ApiResponse& answer);
  // On a node of a partition, answers a request whose code (or first code) is not the partition's
  // with 421 wrong_partition, and a stack whose other codes are not with 400; true when it did.
  bool refused_for_partition(const ParsedCouponRequest& parsed, ApiResponse& answer) const;
  // A change's answer leaves only once the journal holds sequence (0: nothing was written).
  void wait_for_journal(ApiResponse& answer, std::uint64_t sequence);
  // answer becomes a JSON error: status and {"error": {"code", "message"}}.
  static void fail(ApiResponse& answer, int status, std::string_view code,
                   std::string_view message);
  // The 429 of a customer or client rate limited.
  static void fail_rate_limited(ApiResponse& answer);
  // 503 not_primary: this node may not acknowledge changes (the lease, or it follows a primary).
  static void fail_not_primary(ApiResponse& answer);
  // Sets outcome to what call answers (for one code or a stack) unless the request's customer or
  // its client is rate limited: then false, and call is not run. Each code of the outcome that is
  // not real counts against both.
  template <typename Answer, typename Call>
  bool unless_limited(const CouponRequest& request, const Caller& caller, Answer& outcome, Call call);

  Engine& engine_;
  EngineJournal journal_;
  DataPlaneOptions options_;
  const ApiKeys* keys_;
  const cluster::NodeRole& role_;
  RateLimiter customer_limiter_;
  RateLimiter client_limiter_;
};

template <typename Answer, typename Call>
bool DataPlane::unless_limited(const CouponRequest& request, const Caller& caller, Answer& outcome,
                               Call call) {
  const auto now = RateLimiter::Clock::now();
  if (!customer_limiter_.allows(request.customer, now) || !client_limiter_.allows(caller.client, now)) {
    return false;
  }
  outcome = call();
  for (std::size_t bad = not_real_codes(outcome); bad > 0; --bad) {
    customer_limiter_.record_bad_code(request.customer, now);
    client_limiter_.record_bad_code(caller.client, now);
  }
  return true;
}

}  // namespace coupond::api
