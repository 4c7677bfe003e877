// The crash tests' shared parts (crash_support.h).
#include "crash_support.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>

#include "http_client.h"
#include "test_support.h"

namespace coupond::testing {
namespace {

constexpr int client_threads = 6;

const std::string batch_body = R"({
  "id": "flash", "name": "flash sale", "discount": {"type": "amount_off", "amount": 500},
  "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
  "max_uses_per_code": 1, "code": {"prefix": "FS"},
  "max_uses_total": 1400, "budget": {"discount_max": 700000}, "stacking": {"group": "platform"}})";
// (crash_campaign_cap uses of 500.)

const std::string shipping_body = R"({
  "id": "shipping", "name": "free shipping", "discount": {"type": "amount_off", "amount": 100},
  "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z",
  "code": {"prefix": "SH"}, "stacking": {"group": "shipping"}})";

// One count from a batch's stats; -1 when it cannot be read.
std::int64_t batch_count(const ServerProcess& server, const char* name,
                         const std::string& batch = "flash") {
  const HttpResult stats = http_request(server.admin_port(), "GET",
                                        "/admin/v1/batches/" + batch + "/stats", "",
                                        server.admin_token());
  if (stats.status != 200) return -1;
  return boost::json::parse(stats.body).as_object().at(name).to_number<std::int64_t>();
}


// The order ids that hold a redemption of code.
std::set<std::string> redeemed_by(const ServerProcess& server, const std::string& code) {
  const HttpResult coupon = http_request(server.data_port(), "GET", "/v1/coupons/" + code);
  EXPECT_EQ(coupon.status, 200) << code << ": " << coupon.body;
  std::set<std::string> orders;
  if (coupon.status != 200) return orders;
  const boost::json::value document = boost::json::parse(coupon.body);
  for (const auto& use : document.at("redemptions").as_array()) {
    if (use.at("state") == "redeemed") orders.insert(std::string(use.at("order_id").as_string()));
  }
  return orders;
}

// A batch's discount_in_force is the sum of its uses' discounts: each of them takes amount.
void expect_discount_is_the_uses_own(const ServerProcess& server, const std::string& batch,
                                     std::int64_t amount) {
  const std::int64_t in_force = batch_count(server, "redeemed", batch) + batch_count(server, "held", batch);
  EXPECT_EQ(batch_count(server, "discount_in_force", batch), amount * in_force) << batch;
}

}  // namespace

void Ledger::acknowledged(const std::string& code, const std::string& order_id) {
  std::lock_guard lock(mutex_);
  orders_[code].insert(order_id);
}

std::map<std::string, std::set<std::string>> Ledger::orders() const {
  std::lock_guard lock(mutex_);
  return orders_;
}

std::size_t Ledger::size() const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& [code, orders] : orders_) total += orders.size();
  return total;
}

std::size_t Ledger::size_of(std::string_view code_prefix) const {
  std::lock_guard lock(mutex_);
  std::size_t total = 0;
  for (const auto& [code, orders] : orders_) {
    if (code.starts_with(code_prefix)) total += orders.size();
  }
  return total;
}

std::vector<std::string> create_batch(const ServerProcess& server, const std::string& body,
                                      const std::string& id, int count) {
  EXPECT_EQ(http_request(server.admin_port(), "POST", "/admin/v1/batches", body,
                         server.admin_token()).status, 201);
  const HttpResult generated =
      http_request(server.admin_port(), "POST", "/admin/v1/batches/" + id + "/generate",
                   R"({"count": )" + std::to_string(count) + "}", server.admin_token());
  EXPECT_EQ(generated.status, 200);
  return lines_of(generated.body);
}

std::vector<std::string> create_flash_sale(const ServerProcess& server) {
  return create_batch(server, batch_body, "flash", crash_codes_count);
}

std::vector<std::string> prepare(const std::filesystem::path& data_dir,
                                 const std::vector<std::string>& flags,
                                 std::vector<std::string>* shipping) {
  ServerProcess server(ServerOptions{flags, data_dir, {}, false});
  EXPECT_TRUE(server.started());
  std::vector<std::string> codes = create_flash_sale(server);
  if (shipping != nullptr) {
    *shipping = create_batch(server, shipping_body, "shipping", crash_stack_pairs);
  }
  EXPECT_EQ(server.stop(), 0);
  return codes;
}

std::string redeem_body(const std::string& code, const std::string& order_id) {
  return R"({"code": ")" + code + R"(", "order_id": ")" + order_id +
         R"(", "customer": "c-)" + order_id + R"(", "order": {"amount": 9900, "channel": "app"}})";
}

std::string redeem_stack_body(const std::string& first, const std::string& second,
                              const std::string& order_id) {
  return R"({"codes": [")" + first + R"(", ")" + second + R"("], "order_id": ")" + order_id +
         R"(", "customer": "c-)" + order_id + R"(", "order": {"amount": 9900, "channel": "app"}})";
}

HttpResult import_large(const ServerProcess& server) {
  std::string csv;
  for (int i = 0; i < large_import_codes; ++i) csv += testing::numbered("IMPORTED", i) + "\n";
  return http_request(server.admin_port(), "POST", "/admin/v1/batches/flash/import", csv,
                      server.admin_token());
}

HttpResult import_then_kill(const std::filesystem::path& data_dir,
                            const std::vector<std::string>& codes, Ledger& ledger,
                            const std::vector<std::string>& environment) {
  ServerProcess server(ServerOptions{{}, data_dir, environment, !environment.empty()});
  if (!server.started()) return {};
  Shoppers shoppers(server, codes, ledger, "import");
  wait_for_acknowledged(ledger, 20);
  const HttpResult imported = import_large(server);
  server.kill_now();
  shoppers.join();
  return imported;
}

Shoppers::Shoppers(const ServerProcess& server, const std::vector<std::string>& codes,
                   Ledger& ledger, const std::string& run, std::vector<std::string> stacked_with)
    : port_(server.data_port()), codes_(codes), stacked_with_(std::move(stacked_with)),
      ledger_(ledger), run_(run) {
  for (int t = 0; t < client_threads; ++t) threads_.emplace_back([this, t] { shop(t); });
}

Shoppers::~Shoppers() { join(); }

void Shoppers::join() {
  stop_ = true;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void Shoppers::shop(int thread) {
  std::mt19937 random(static_cast<unsigned>(thread * 7919 + std::hash<std::string>{}(run_)));
  std::uniform_int_distribution<std::size_t> pick(0, codes_.size() - 1);
  const std::size_t pairs = std::min(stacked_with_.size(), codes_.size());
  std::vector<std::string> answered_200;  // the bodies of this thread's redemptions answered 200
  for (int n = 0; !stop_ && n < 100'000; ++n) {
    if (!answered_200.empty() && n % 10 == 0) {
      const std::string& body = answered_200[random() % answered_200.size()];
      const HttpResult replay = http_request(port_, "POST", "/v1/redeem", body);
      if (replay.status == 0) return;
      if (replay.status != 200) ++bad_replays_;
      continue;
    }
    const std::string attempt = run_ + "-" + std::to_string(thread) + testing::numbered("-", n);
    const bool stack = pairs > 0 && n % 3 == 1;
    const std::size_t k = stack ? random() % pairs : pick(random);
    const std::string order = stack ? std::string(stack_order_prefix) + attempt : attempt;
    std::string body = stack ? redeem_stack_body(codes_[k], stacked_with_[k], order)
                             : redeem_body(codes_[k], order);
    const HttpResult result = http_request(port_, "POST", "/v1/redeem", body);
    if (result.status == 0) return;  // the server is gone
    ++answered_;
    if (result.status == 200) {
      ledger_.acknowledged(codes_[k], order);
      if (stack) ledger_.acknowledged(stacked_with_[k], order);
      answered_200.push_back(std::move(body));
    }
  }
}

// The invariants, checked against a running server.
void expect_ledger_holds(const ServerProcess& server, const Ledger& ledger) {
  // The campaign's cap and budget (crash_campaign_cap uses of 500): never passed, before or after
  // a restart, and the budget's figure is the uses' own (a flash code comes first in its stack,
  // so its discount is 500 there too).
  EXPECT_LE(ledger.size_of("FS"), static_cast<std::size_t>(crash_campaign_cap));
  const std::int64_t in_force = batch_count(server, "redeemed") + batch_count(server, "held");
  EXPECT_LE(in_force, crash_campaign_cap);
  expect_discount_is_the_uses_own(server, "flash", 500);
  for (const auto& [code, orders] : ledger.orders()) {
    EXPECT_EQ(orders.size(), 1u) << code << " was answered 200 for " << orders.size() << " orders";
    const std::set<std::string> redeemed = redeemed_by(server, code);
    EXPECT_LE(redeemed.size(), 1u) << code;
    for (const std::string& order : orders) {
      EXPECT_TRUE(redeemed.contains(order)) << code << ": the 200 for " << order << " was lost";
    }
  }
}

void expect_stacks_whole(const ServerProcess& server, const std::vector<std::string>& flash,
                         const std::vector<std::string>& shipping) {
  expect_discount_is_the_uses_own(server, "shipping", 100);
  for (std::size_t k = 0; k < shipping.size() && k < flash.size(); ++k) {
    std::set<std::string> stacked_on_flash;
    for (const std::string& order : redeemed_by(server, flash[k])) {
      if (order.starts_with(stack_order_prefix)) stacked_on_flash.insert(order);
    }
    const std::set<std::string> on_shipping = redeemed_by(server, shipping[k]);
    EXPECT_EQ(stacked_on_flash, on_shipping) << "the stack " << flash[k] << " + " << shipping[k]
                                             << " is split";
    EXPECT_LE(on_shipping.size(), 1u) << shipping[k];
  }
}

std::int64_t redeemed_count(const ServerProcess& server) { return batch_count(server, "redeemed"); }

std::int64_t issued_count(const ServerProcess& server) { return batch_count(server, "issued"); }

bool wait_for_acknowledged(const Ledger& ledger, std::size_t count) {
  for (int waited = 0; ledger.size() < count && waited < 10'000; waited += 10) {
    sleep_for_milliseconds(10);
  }
  return ledger.size() >= count;
}

void sleep_for_milliseconds(int milliseconds) {
  std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
}

int crash_cycles(int default_cycles) {
  const char* wanted = std::getenv("COUPOND_CRASH_CYCLES");
  return wanted != nullptr ? std::max(1, std::atoi(wanted)) : default_cycles;
}

std::filesystem::path rebuilt_at_start(const std::filesystem::path& data_dir) {
  return data_dir / "table";
}

namespace {

// Asks for snapshots or loads every 20 ms, once some redemptions were acknowledged, until the
// server is gone; counts the loads answered 200.
void operate(const ServerProcess& server, const FaultCase& fault, const Ledger& ledger,
             const std::atomic<bool>& done, std::atomic<int>& loads_acknowledged) {
  if (!fault.snapshots && !fault.loads) return;
  wait_for_acknowledged(ledger, 20);
  for (int i = 0; i < 200 && !done; ++i) {
    sleep_for_milliseconds(20);
    const HttpResult result =
        fault.snapshots
            ? http_request(server.admin_port(), "POST", "/admin/v1/snapshot", "",
                           server.admin_token())
            : http_request(server.admin_port(), "POST", "/admin/v1/batches/flash/generate",
                           R"({"count": 2000})", server.admin_token());
    if (result.status == 0) break;
    if (fault.loads && result.status == 200) ++loads_acknowledged;
  }
}

}  // namespace

void run_fault_case(const FaultCase& fault) {
  SCOPED_TRACE(fault.point);
  TemporaryDirectory directory;
  const std::filesystem::path data_dir = directory.path() / "data";
  const std::filesystem::path log = directory.path() / "power-cut.log";
  const std::vector<std::string> codes = prepare(data_dir);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(crash_codes_count));
  // The shoppers before the fault may use up all the codes they are given (a slow machine lets
  // them run long): the last third is kept for after the restart.
  const auto kept_for_later = codes.begin() + crash_codes_count * 2 / 3;
  const std::vector<std::string> codes_before(codes.begin(), kept_for_later);
  const std::vector<std::string> codes_after(kept_for_later, codes.end());
  Ledger ledger;
  std::atomic<int> loads_acknowledged{0};
  std::vector<std::string> environment = {"COUPOND_FAULT_POINT=" + fault.point};
  if (fault.power_cut) {
    const std::vector<std::string> shim = power_cut_environment(data_dir, log);
    environment.insert(environment.end(), shim.begin(), shim.end());
  }
  {
    ServerProcess server(ServerOptions{fault.flags, data_dir, environment, true});
    ASSERT_TRUE(server.started());
    Shoppers shoppers(server, codes_before, ledger, "f");
    std::atomic<bool> operator_done{false};
    std::thread operator_thread(
        [&] { operate(server, fault, ledger, operator_done, loads_acknowledged); });
    int signal = 0;
    const int ended = server.wait_for_end(std::chrono::seconds(30), &signal);
    operator_done = true;
    operator_thread.join();
    shoppers.join();
    ASSERT_EQ(ended, -1) << "the fault point was not reached; stderr:\n" << server.error_output();
    EXPECT_EQ(signal, SIGKILL);
    EXPECT_NE(server.error_output().find("fault point reached"), std::string::npos);
    EXPECT_EQ(shoppers.bad_replays(), 0);
    ASSERT_GT(ledger.size(), 0u) << "nothing was acknowledged before the fault: nothing to lose";
  }
  const PowerCutReport cut =
      fault.power_cut ? cut_power(data_dir, log, {rebuilt_at_start(data_dir)}) : PowerCutReport{};
  if (fault.after_kill) fault.after_kill(data_dir, cut);
  ServerProcess restarted(ServerOptions{{}, data_dir, {}, false});
  ASSERT_TRUE(restarted.started());
  expect_ledger_holds(restarted, ledger);
  if (fault.after_restart) fault.after_restart(restarted, ledger, loads_acknowledged);
  // The server goes on redeeming after the restart, and a clean stop keeps that too.
  const std::size_t before_restart = ledger.size();
  {
    Shoppers shoppers(restarted, codes_after, ledger, "after");
    EXPECT_TRUE(wait_for_acknowledged(ledger, before_restart + 10))
        << "the restarted server acknowledged " << ledger.size() - before_restart << " of "
        << shoppers.answered() << " redemptions answered";
    shoppers.join();
    EXPECT_EQ(shoppers.bad_replays(), 0);
  }
  EXPECT_EQ(restarted.stop(), 0);
  ServerProcess again(ServerOptions{{}, data_dir, {}, false});
  ASSERT_TRUE(again.started());
  expect_ledger_holds(again, ledger);
}


}  // namespace coupond::testing
