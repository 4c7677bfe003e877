#include "etcd_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "server_process.h"

#include "cluster/etcd_client.h"

extern char** environ;

namespace coupond::testing {

bool etcd_installed() { return ::access(etcd_binary, X_OK) == 0; }

EtcdProcess::EtcdProcess() : client_port_(free_loopback_port()), peer_port_(free_loopback_port()) {}

EtcdProcess::~EtcdProcess() { kill_now(); }

std::string EtcdProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(client_port_);
}

bool EtcdProcess::start() {
  if (pid_ > 0) return true;
  const std::string client = endpoint();
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::vector<std::string> args = {etcd_binary,
                                   "--data-dir", (directory_.path() / "etcd").string(),
                                   "--listen-client-urls", client,
                                   "--advertise-client-urls", client,
                                   "--listen-peer-urls", peer,
                                   "--initial-advertise-peer-urls", peer,
                                   "--initial-cluster", "default=" + peer};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Its log goes to a file beside its data (kept while the test runs), not the test's output.
  const std::string log = (directory_.path() / "etcd.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int error = ::posix_spawn(&pid_, etcd_binary, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    return false;
  }
  std::vector<cluster::EtcdEndpoint> endpoints;
  if (!cluster::parse_etcd_endpoints(client, &endpoints).is_ok()) return false;
  cluster::EtcdClient probe(endpoints, std::chrono::milliseconds(500));
  for (int attempt = 0; attempt < 100; ++attempt) {
    cluster::EtcdLease lease;
    if (probe.grant(std::chrono::seconds(5), &lease).is_ok()) {
      (void)probe.revoke(lease.id);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void EtcdProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace coupond::testing
