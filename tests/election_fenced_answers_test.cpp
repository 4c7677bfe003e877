// The check at sending: a change answered while the node held its lease, whose answer waits for
// the journal and becomes durable only after the lease lapsed, leaves as 503 not_primary, never
// as 200 — on the data port and on the admin port. The real HTTP server, in this process, with a
// journal the test moves by hand.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <future>
#include <thread>

#include "cluster/node_role.h"
#include "fake_journal.h"
#include "http/http_server.h"
#include "http_client.h"

namespace coupond::testing {
namespace {

using namespace std::chrono_literals;

// A server whose every answer is a 200 acknowledging a change, the N-th waiting for journal
// sequence N, on both ports.
class AcknowledgingServer {
 public:
  explicit AcknowledgingServer(const cluster::NodeRole& role) : server_(1) {
    const auto handler = [this, &role](const api::ApiRequest&, api::ApiResponse& answer) {
      answer.body = R"({"redeemed":true})";
      answer.durable_in = &journal_;
      answer.sequence = static_cast<std::uint64_t>(handled_.load() + 1);
      answer.acknowledged_by = &role;
      handled_.fetch_add(1);
    };
    std::string bound, admin_bound;
    EXPECT_TRUE(server_.listen("127.0.0.1", 0, http::HttpLimits{}, handler, &bound).is_ok());
    EXPECT_TRUE(server_
                    .listen("127.0.0.1", 0, http::HttpLimits{},
                            [handler](const api::ApiRequest& request, api::ApiResponse& answer) {
                              handler(request, answer);
                            },
                            &admin_bound, nullptr, api::Port::admin)
                    .is_ok());
    data_port_ = port_of(bound);
    admin_port_ = port_of(admin_bound);
    server_.run();
    stopper_ = std::thread([this] { server_.run_until_signal(1s); });
  }
  ~AcknowledgingServer() {
    // The server handles SIGTERM itself while it runs: this stops it as it would stop coupond.
    ::kill(::getpid(), SIGTERM);
    stopper_.join();
  }
  unsigned short data_port() const { return data_port_; }
  unsigned short admin_port() const { return admin_port_; }
  FakeJournal& journal() { return journal_; }
  int handled() const { return handled_.load(); }

 private:
  static unsigned short port_of(const std::string& bound) {
    return static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1)));
  }
  FakeJournal journal_;
  std::atomic<int> handled_{0};
  http::HttpServer server_;
  unsigned short data_port_ = 0;
  unsigned short admin_port_ = 0;
  std::thread stopper_;
};

bool wait_for_handled(const AcknowledgingServer& server, int count) {
  for (int i = 0; i < 1000 && server.handled() < count; ++i) std::this_thread::sleep_for(10ms);
  return server.handled() >= count;
}

// Sends one request to port; the change is made, then the lease lapses (or not), then the journal
// holds it. Returns the answer the client got.
HttpResult answer_across(AcknowledgingServer& server, cluster::NodeRole& role, unsigned short port,
                         int handled_before, bool lapse) {
  auto answer = std::async(std::launch::async, [port] {
    return http_request(port, "POST", "/v1/redeem", R"({"code":"X"})");
  });
  EXPECT_TRUE(wait_for_handled(server, handled_before + 1));
  if (lapse) role.become(cluster::Role::fenced);
  server.journal().advance(static_cast<std::uint64_t>(handled_before + 1));
  return answer.get();
}

TEST(ElectionFencedAnswers, AChangeDurableOnlyAfterTheLeaseLapsedIsNotAcknowledged) {
  cluster::NodeRole role("p1", "n1");
  role.become_primary(cluster::NodeRole::Clock::now() + 1h);
  AcknowledgingServer server(role);

  // Still primary when the journal catches up: the 200 leaves.
  const HttpResult kept = answer_across(server, role, server.data_port(), 0, false);
  EXPECT_EQ(kept.status, 200) << kept.body;
  // The lease lapsed meanwhile: the same answer is withheld.
  const HttpResult withheld = answer_across(server, role, server.data_port(), 1, true);
  EXPECT_EQ(withheld.status, 503) << withheld.body;
  EXPECT_EQ(json_of(withheld).at("error").at("code").as_string(), "not_primary");

  role.become_primary(cluster::NodeRole::Clock::now() + 1h);
  const HttpResult admin_kept = answer_across(server, role, server.admin_port(), 2, false);
  EXPECT_EQ(admin_kept.status, 200) << admin_kept.body;
  const HttpResult admin_withheld = answer_across(server, role, server.admin_port(), 3, true);
  EXPECT_EQ(admin_withheld.status, 503) << admin_withheld.body;
  EXPECT_EQ(json_of(admin_withheld).at("error").at("code").as_string(), "not_primary");
}

}  // namespace
}  // namespace coupond::testing
