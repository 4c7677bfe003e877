#include "replication_support.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "crash_support.h"

namespace coupond::testing {

namespace fs = std::filesystem;

ServerOptions primary_options(const fs::path& data_dir, unsigned short replication_port,
                              std::vector<std::string> extra_flags) {
  std::vector<std::string> flags = {"--replication-listen",
                                    "127.0.0.1:" + std::to_string(replication_port), "--node",
                                    "primary-1"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  return ServerOptions{flags, data_dir, {}, false};
}

ServerOptions standby_options(const fs::path& primary_dir, const fs::path& standby_dir,
                              unsigned short replication_port, const std::string& node,
                              std::vector<std::string> extra_flags) {
  fs::create_directories(standby_dir);
  for (const char* file : {"keys", "admin-token"}) {
    fs::copy_file(primary_dir / file, standby_dir / file, fs::copy_options::overwrite_existing);
  }
  std::vector<std::string> flags = {"--follow", "127.0.0.1:" + std::to_string(replication_port),
                                    "--node", node};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  return ServerOptions{flags, standby_dir, {}, false};
}

std::size_t count_files(const fs::path& directory) {
  std::size_t count = 0;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(directory, error)) count += entry.is_regular_file() ? 1 : 0;
  return count;
}

HttpResult redeem(const ServerProcess& server, const std::string& code, const std::string& order) {
  return http_request(server.data_port(), "POST", "/v1/redeem", redeem_body(code, order));
}

HttpResult flash_stats(const ServerProcess& server) {
  return http_request(server.admin_port(), "GET", "/admin/v1/batches/flash/stats", {},
                      server.admin_token());
}

boost::json::object cluster_of(const ServerProcess& server) {
  const HttpResult result =
      http_request(server.admin_port(), "GET", "/admin/v1/cluster", {}, server.admin_token());
  if (result.status != 200) return {};
  return json_of(result);
}

namespace {

std::int64_t journal_seq_of(const ServerProcess& server) {
  const boost::json::object cluster = cluster_of(server);
  if (!cluster.contains("journal_seq")) return -1;
  return cluster.at("journal_seq").to_number<std::int64_t>();
}

template <typename Condition>
bool wait_until(std::chrono::milliseconds timeout, Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

}  // namespace

bool wait_until_caught_up(const ServerProcess& primary, const ServerProcess& standby,
                          std::chrono::milliseconds timeout) {
  return wait_until(timeout, [&] {
    const std::int64_t target = journal_seq_of(primary);
    return target > 0 && journal_seq_of(standby) >= target;
  });
}

bool wait_for_standby(const ServerProcess& primary, const std::string& node,
                      std::chrono::milliseconds timeout) {
  return wait_until(timeout, [&] {
    const boost::json::object cluster = cluster_of(primary);
    if (!cluster.contains("standbys")) return false;
    for (const auto& standby : cluster.at("standbys").as_array()) {
      if (standby.as_object().at("node").as_string() == node) return true;
    }
    return false;
  });
}

}  // namespace coupond::testing
