// What the crash tests share (tests/crash_test.cpp kills coupond, tests/crash_power_cut_test.cpp
// also cuts its power): a data directory with a flash-sale batch (capped, budgeted and in a
// stacking group) and, when asked, a shipping batch of another group whose codes go on one order
// with the flash codes; shoppers redeeming single codes and two-code stacks from several threads,
// the ledger of what they were answered 200, and the invariants a restart must keep:
//   - every redemption answered 200 is there, redeemed, under its order id, and so is every code
//     of every stack answered 200;
//   - no code was ever answered 200 for two orders (the codes are single-use), across all runs;
//   - the batches' cap and budget are never passed, and their budget figures are their uses' own;
//   - no stack is half there: a stack's shipping code is redeemed exactly when its flash code is.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.h"
#include "power_cut.h"
#include "server_process.h"

namespace coupond::testing {

inline constexpr int crash_codes_count = 1500;
// The flash batch gives at most this many uses (max_uses_total, and a budget of as many discounts):
// a long crash loop meets the cap, while the fault cases, which redeem two thirds of the codes
// before the fault and the rest after, never do.
inline constexpr int crash_campaign_cap = 1400;

// The shipping batch: uncapped, 100 off, group "shipping", codes printed SH-...; its code k goes
// on one order with the flash code k.
inline constexpr int crash_stack_pairs = 300;
// The order ids of the shoppers' stacks begin so; their single codes' do not.
inline constexpr std::string_view stack_order_prefix = "stack-";

// What the clients were told, across every run of the server: the orders answered 200 per code.
class Ledger {
 public:
  void acknowledged(const std::string& code, const std::string& order_id);
  std::map<std::string, std::set<std::string>> orders() const;
  std::size_t size() const;
  // The orders answered 200 for the codes printed with this prefix ("FS" for the flash batch).
  std::size_t size_of(std::string_view code_prefix) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::set<std::string>> orders_;
};

// Creates a batch (body: its JSON definition, id: its id) and count codes of it on a running
// server; returns the codes.
std::vector<std::string> create_batch(const ServerProcess& server, const std::string& body,
                                      const std::string& id, int count);
// Creates the batch "flash" and crash_codes_count codes on a running server; returns the codes.
std::vector<std::string> create_flash_sale(const ServerProcess& server);
// A data directory with the batch "flash" and crash_codes_count codes, made by a server that then
// stops cleanly; returns the codes. flags: coupond's, as for every later run on data_dir. With
// shipping given, also the batch "shipping" and crash_stack_pairs codes of it, into *shipping.
std::vector<std::string> prepare(const std::filesystem::path& data_dir,
                                 const std::vector<std::string>& flags = {},
                                 std::vector<std::string>* shipping = nullptr);

std::string redeem_body(const std::string& code, const std::string& order_id);
// The same order's redemption of two codes at once.
std::string redeem_stack_body(const std::string& first, const std::string& second,
                              const std::string& order_id);

// An import large enough to keep its codes in a file beside the journal (journal/load_file.h):
// large_import_codes codes, IMPORTED0 on, into the batch "flash".
inline constexpr int large_import_codes = 5'000;
HttpResult import_large(const ServerProcess& server);
// Runs coupond on data_dir (environment added to its own) with shoppers redeeming, imports the
// large import once some redemptions were acknowledged, and kills coupond as soon as the import is
// answered. Returns the import's answer.
HttpResult import_then_kill(const std::filesystem::path& data_dir,
                            const std::vector<std::string>& codes, Ledger& ledger,
                            const std::vector<std::string>& environment = {});

// Redeems random codes from several threads until join() or the server stops answering; each 200
// goes into the ledger. Order ids are unique per attempt, and now and then a thread repeats an
// order it was answered 200 for, which must be answered 200 again. With stacked_with given, one
// attempt in three redeems a stack instead: codes[k] and stacked_with[k] on one order, both in the
// ledger on a 200.
class Shoppers {
 public:
  Shoppers(const ServerProcess& server, const std::vector<std::string>& codes, Ledger& ledger,
           const std::string& run, std::vector<std::string> stacked_with = {});
  ~Shoppers();
  void join();
  int answered() const { return answered_.load(); }
  int bad_replays() const { return bad_replays_.load(); }

 private:
  void shop(int thread);

  unsigned short port_;
  const std::vector<std::string>& codes_;
  const std::vector<std::string> stacked_with_;
  Ledger& ledger_;
  std::string run_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::atomic<int> bad_replays_{0};
  std::vector<std::thread> threads_;
};

// The invariants, checked against a running server.
void expect_ledger_holds(const ServerProcess& server, const Ledger& ledger);
// No stack half there: for each k, the shipping code k is redeemed for exactly the stack orders
// the flash code k is redeemed for; and the shipping batch's budget figure is its uses' own.
void expect_stacks_whole(const ServerProcess& server, const std::vector<std::string>& flash,
                         const std::vector<std::string>& shipping);

// The batch's "redeemed" count as the server reports it; -1 when it cannot be read.
std::int64_t redeemed_count(const ServerProcess& server);
// The batch's "issued" count as the server reports it; -1 when it cannot be read.
std::int64_t issued_count(const ServerProcess& server);

// Waits (up to ten seconds) until the ledger holds at least count redemptions.
bool wait_for_acknowledged(const Ledger& ledger, std::size_t count);

void sleep_for_milliseconds(int milliseconds);

// How many kill-and-restart cycles a crash loop runs: default_cycles in CI, or as many as
// COUPOND_CRASH_CYCLES asks (tools/crash-soak.sh asks for hundreds).
int crash_cycles(int default_cycles);

// What coupond rebuilds at every start and a power cut may leave in any state: the mapped table
// files (recovery makes them anew from the snapshot and the journal).
std::filesystem::path rebuilt_at_start(const std::filesystem::path& data_dir);

// A server that kills itself at a fault point while shoppers redeem and, when asked, an operator
// snapshots or loads codes. The fault must be reached after something was acknowledged; the
// restart must keep the invariants and go on redeeming; each case checks that the crash came where
// its name says, on the data directory the kill left and on the restarted server.
struct FaultCase {
  std::string point;           // NAME:N for COUPOND_FAULT_POINT
  std::vector<std::string> flags = {};
  bool snapshots = false;      // an operator asks for snapshots meanwhile
  bool loads = false;          // an operator generates codes meanwhile
  bool power_cut = false;      // the server runs under the power-cut shim, and the kill cuts power
  // Checked on the data directory the kill (and the power cut) left.
  std::function<void(const std::filesystem::path& data_dir, const PowerCutReport& cut)> after_kill =
      {};
  // Checked against the restarted server.
  std::function<void(const ServerProcess& restarted, const Ledger& ledger, int loads_acknowledged)>
      after_restart = {};
};

void run_fault_case(const FaultCase& fault);

}  // namespace coupond::testing
