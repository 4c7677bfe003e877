#include "election_cluster.h"

#include <thread>

#include "crash_support.h"
#include "http_client.h"
#include "replication_support.h"

namespace coupond::testing {

void ElectionCluster::SetUp() {
  if (!etcd_installed()) {
    GTEST_SKIP() << etcd_binary << " is missing (apt-get install etcd-server): no election to test";
  }
  ASSERT_TRUE(etcd_.start()) << "etcd did not come up on " << etcd_.endpoint();
  const std::filesystem::path first = directory_.path() / "n1";
  codes_ = prepare(first, {"--partition", "p1"});
  ASSERT_FALSE(codes_.empty());
  std::filesystem::copy(first, directory_.path() / "n2", std::filesystem::copy_options::recursive);
}

std::unique_ptr<ServerProcess> ElectionCluster::start_node(
    const std::string& name, const std::vector<std::string>& environment,
    bool capture_error_output) {
  ServerOptions options;
  options.extra_flags = {"--etcd", etcd_.endpoint(), "--partition", "p1", "--node", name,
                         "--lease-ttl", std::to_string(election_lease_ttl_s),
                         "--replication-listen",
                         "127.0.0.1:" + std::to_string(free_loopback_port())};
  options.data_dir = directory_.path() / name;
  options.environment = environment;
  options.capture_error_output = capture_error_output;
  auto node = std::make_unique<ServerProcess>(options);
  EXPECT_TRUE(node->started()) << name << " did not start";
  return node;
}

void ElectionCluster::start_primary_and_standby(std::unique_ptr<ServerProcess>* n1,
                                                std::unique_ptr<ServerProcess>* n2) {
  using namespace std::chrono_literals;
  *n1 = start_node("n1");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(**n1).status == 200; }));
  *n2 = start_node("n2");
  ASSERT_TRUE(eventually(15s, [&] { return role_of(**n2).role == "standby"; }));
  ASSERT_TRUE(wait_for_standby(**n1, "n2", 15s)) << "n2 never connected to n1";
}

RoleAnswer role_of(const ServerProcess& node) {
  const HttpResult answer = http_request(node.data_port(), "GET", "/v1/role");
  RoleAnswer role{answer.status, {}};
  if (answer.status == 0) return role;
  const boost::json::object body = json_of(answer);
  if (const auto* name = body.if_contains("role"); name != nullptr && name->is_string()) {
    role.role = std::string(name->as_string());
  }
  return role;
}

bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& check) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!check()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace coupond::testing
