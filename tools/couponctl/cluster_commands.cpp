// couponctl's cluster commands: a node's place in its partition (cluster status), handing a
// partition to its standby (cluster switchover), and what an operator runs to add a partition
// (cluster add-partition, offline, like haproxy-config).
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"
#include "haproxy_config.h"
#include "rules/partition.h"

namespace coupond::ctl {
namespace {

namespace json = boost::json;

// Where a new partition's nodes serve their journal to each other: the port docs/operator.md uses.
constexpr const char* replication_port = "9091";

std::string text_of(const json::object& object, const char* key) {
  return object.contains(key) ? number(object.at(key)) : "";
}

void render_cluster(const json::value& value) {
  const json::object& cluster = value.as_object();
  std::vector<std::vector<std::string>> rows;
  for (const char* key : {"partition", "node", "role", "leader", "journal_seq", "following",
                          "connected", "sync_standby", "sync_suspended"}) {
    if (cluster.contains(key)) rows.push_back({key, text_of(cluster, key)});
  }
  print_table(rows);
  const json::array& standbys = cluster.at("standbys").as_array();
  if (standbys.empty()) return;
  std::cout << "\n";
  std::vector<std::vector<std::string>> table = {{"STANDBY", "ACKNOWLEDGED_SEQ", "LAG_RECORDS", "SYNCHRONOUS"}};
  for (const auto& standby : standbys) {
    const json::object& entry = standby.as_object();
    table.push_back({text_of(entry, "node"), text_of(entry, "acknowledged_seq"),
                     text_of(entry, "lag_records"), text_of(entry, "synchronous")});
  }
  print_table(table);
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    parts.push_back(text.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return parts;
}

}  // namespace

int show_cluster(const Context& context) {
  return call(context, "GET", "/admin/v1/cluster", "", render_cluster);
}

int switch_over(const Context& context) {
  return call(context, "POST", "/admin/v1/cluster/switchover", "", [](const json::value& value) {
    std::cout << "partition " << text_of(value.as_object(), "partition") << ": "
              << text_of(value.as_object(), "node")
              << " handed over; its standby takes the key within a third of the lease ttl\n";
  });
}

int add_partition(const std::string& name, const po::variables_map& options) {
  std::string canonical;
  if (std::string error = rules::check_partition_name("partition", name, &canonical);
      !error.empty()) {
    return fail(error);
  }
  if (!options.count("nodes")) return fail("give the new partition's nodes: --nodes HOST:PORT,...");
  const std::string nodes = options["nodes"].as<std::string>();
  RouterSpec spec;
  if (options.count("partition")) {
    spec.partitions = options["partition"].as<std::vector<std::string>>();
  }
  spec.partitions.push_back(canonical + "=" + nodes);
  spec.bind = options["bind"].as<std::string>();
  // The router's check is the one that knows every name: a clash or a bad address stops here.
  std::string config, error;
  if (!write_haproxy_config(spec, &config, &error)) return fail(error);
  const std::string etcd = options["etcd"].as<std::string>();
  std::cout << "# Start the nodes of partition " << canonical
            << " (each on its own machine, with an empty data directory):\n";
  int index = 1;
  for (const std::string& address : split_commas(nodes)) {
    const std::string host = address.substr(0, address.rfind(':'));
    std::cout << "coupond --data-dir /var/lib/coupond --partition " << canonical << " --node n"
              << index++ << " --etcd " << etcd << " --listen " << address
              << " --replication-listen " << host << ":" << replication_port << "\n";
  }
  std::cout << "# Create the partition's batches with \"partition\": \"" << canonical
            << "\" on its primary's admin port.\n"
            << "# Existing codes never move; new batches go to the new partition.\n"
            << "# Then install this router configuration and reload HAProxy:\n"
            << config;
  return 0;
}

}  // namespace coupond::ctl
