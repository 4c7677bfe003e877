// What the replication tests share: a primary serving its journal on a loopback port, standbys
// following it (their data directories hold the primary's key file and admin token, as an
// operator copies them), and waiting, bounded, for a standby to hold what its primary holds.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace coupond::testing {

// A primary on data_dir (kept: a restart finds it) serving its journal on replication_port.
ServerOptions primary_options(const std::filesystem::path& data_dir, unsigned short replication_port,
                              std::vector<std::string> extra_flags = {});
// Copies the primary's key file and admin token into standby_dir (made if missing) and gives the
// flags of a standby named node following 127.0.0.1:replication_port.
ServerOptions standby_options(const std::filesystem::path& primary_dir,
                              const std::filesystem::path& standby_dir,
                              unsigned short replication_port, const std::string& node = "standby-1",
                              std::vector<std::string> extra_flags = {});

// The files in directory (0 when it does not exist).
std::size_t count_files(const std::filesystem::path& directory);

// POST /v1/redeem of code for order (testing::redeem_body).
HttpResult redeem(const ServerProcess& server, const std::string& code, const std::string& order);

// GET /admin/v1/batches/flash/stats: what a standby must answer exactly as its primary does.
HttpResult flash_stats(const ServerProcess& server);

// GET /admin/v1/cluster.
boost::json::object cluster_of(const ServerProcess& server);
// Waits (up to timeout) until the standby's journal_seq reaches the primary's; false if not.
bool wait_until_caught_up(const ServerProcess& primary, const ServerProcess& standby,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Waits (up to timeout) until the primary lists a standby named node.
bool wait_for_standby(const ServerProcess& primary, const std::string& node,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace coupond::testing
