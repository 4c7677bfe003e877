// couponctl's commands, one function each, grouped by what they act on: batches
// (batch_commands.cpp), codes (code_commands.cpp), figures and exports (report_commands.cpp), and
// the cluster (cluster_commands.cpp).
// Each returns the process's exit status.
#pragma once

#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "command_output.h"

namespace coupond::ctl {

namespace po = boost::program_options;

// batch create FILE.json [--code-format F]
int create_batch(const Context& context, const std::string& path, const po::variables_map& options);
// batch update ID --set F=V ... | batch update ID FILE.json (words: the whole command line)
int update_batch(const Context& context, const std::vector<std::string>& words,
                 const po::variables_map& options);
int list_batches(const Context& context);
int show_batch(const Context& context, const std::string& id);
int revoke_batch(const Context& context, const std::string& id);
int revoke_code(const Context& context, const std::string& code);

// generate ID --count N | --customers FILE
int generate(const Context& context, const std::string& id, const po::variables_map& options);
// import ID FILE.csv
int import(const Context& context, const std::string& id, const std::string& path);

int show_stats(const Context& context, const std::string& id);
int show_report(const Context& context);
int download_redemptions(const Context& context, const std::string& id);
// unused ID [--expiring-within S]
int download_unused(const Context& context, const std::string& id, const po::variables_map& options);
int take_snapshot(const Context& context);

// cluster status: GET /admin/v1/cluster as a table
int show_cluster(const Context& context);
// cluster switchover: POST /admin/v1/cluster/switchover (on the primary's admin port)
int switch_over(const Context& context);
// cluster add-partition NAME --nodes HOST:PORT,... [--partition OTHER=...] [--etcd URLS]; offline
int add_partition(const std::string& name, const po::variables_map& options);

}  // namespace coupond::ctl
